"""The 受理环节 cards (DOMAIN.md §4: not signed for after 1 / 2 / 3 WD → 预警 / 黄牌 / 红牌) on the 2026 calendar.

视同接受 (Art. 10(1)) ends the unit's right to return at the end of the 1-WD window; it does not sign for the unit.
The sign task stays open (its page and the API offer only 签收), and while it is unsigned the acceptance 黄牌 and
红牌 fire with notices to the receiver and the 分管领导; the red card opens supervision.

A 投诉 received Tue 2026-09-29 10:00: day 1 is Wed 09-30, National Day (10-01…07) is skipped, day 2 is Thu 10-08,
day 3 Fri 10-09. So the return window and the 预警 end 09-30 24:00, 黄牌 10-08 24:00, 红牌 10-09 24:00.
"""
from __future__ import annotations

import io

import pypdf
from sqlalchemy import select

from engine.clocks.monitor import MonitorSettings
from engine.models import Assignment, IssuedDocument, Supervision, TaskProjection
from engine.notices.outbox import DevGateway, RetryPolicy
from tests.support.pages import login, post, text
from web.clocks.scheduler import ClockRunner, LeaseLock

from .flow import at, crossings, fresh, iso8, notices, received

RECEIVED = "2026-09-29T10:00:00+08:00"


def tick(db, when: str) -> dict:
    """One scheduler tick at ``when``: monitor, return windows, side processes (red-card supervision), drain."""
    gateway = DevGateway()
    runner = ClockRunner(db.engine, clock=lambda: at(when), settings=MonitorSettings(),
                         gateways={"sms": gateway, "voice": gateway}, policy=RetryPolicy(),
                         lock=LeaseLock(db.engine, holder="test"))
    try:
        done = runner.tick()
    finally:
        runner.close()
    db.session.expire_all()
    return done


def sign_url(t) -> str:
    return f"/tickets/{t.id}/tasks/sign"


def api_login(client, username: str) -> dict:
    r = client.post("/api/v1/session", json={"username": username, "password": "demo12345"})
    assert r.status_code == 200, r.json
    return {"Authorization": f"Bearer {r.json['token']}"}


def recipients(db, t, template: str) -> set[str]:
    return {n.recipient_role for n in notices(db, t) if n.template == template}


def test_the_sign_stage_thresholds_skip_national_day(db):
    t = received(db, "complaint", RECEIVED)
    assert (iso8(t.accept_due), iso8(t.accept_warning_at), iso8(t.accept_yellow_at), iso8(t.accept_red_at)) == (
        "2026-10-01T00:00:00+08:00", "2026-10-01T00:00:00+08:00", "2026-10-09T00:00:00+08:00",
        "2026-10-10T00:00:00+08:00")


def test_unsigned_over_national_day_warned_then_yellow_card_then_signed_through_the_page(client, db, clock):
    t = received(db, "complaint", RECEIVED)

    # 10-01 00:05 (a holiday): the window has closed. 预警 to the receiver; deemed accepted, still to be signed.
    done = tick(db, "2026-10-01T00:05:00+08:00")
    assert (done["warning"], done["yellow"], done["deemed"]) == (1, 0, 1)
    t = fresh(db, t)
    assert (t.status, t.monitor_stage, t.monitor_level) == ("signing", "acceptance", "warning")
    assert recipients(db, t, "acceptance.warning") == {"receiver"}
    lead = db.session.scalar(select(Assignment).where(Assignment.ticket_id == t.id, Assignment.role == "lead"))
    assert (lead.sign_mode, lead.signed_at) == ("deemed", None)
    assert db.session.scalar(select(TaskProjection.bpmn_id).where(TaskProjection.ticket_id == t.id)) == "sign"

    # During the holiday the receiver opens the sign task: only 签收 is offered, with the cards still to come.
    clock.set("2026-10-05T09:00:00+08:00")
    login(client, "receiver")
    page = text(client.get(sign_url(t)))
    assert 'value="sign"' in page and 'value="return"' not in page and 'name="return_reason"' not in page
    assert "视同接受，不能再退回" in page
    assert "至 <strong>2026-10-08 24:00</strong> 仍未签收的亮黄牌" in page
    assert "至 <strong>2026-10-09 24:00</strong> 仍未签收的亮红牌并自动列入督办" in page
    r = post(client, sign_url(t), {"decision": "return", "return_reason": "不属于本单位职责",
                                   "return_basis": "三定方案"})
    assert r.status_code == 400 and "已超过1个工作日的退回期限，视同接受，不能再退回" in text(r)
    assert fresh(db, t).status == "signing"
    # The API offers only 签收 as well, and refuses a return in Chinese.
    api = api_login(client, "receiver")
    view = client.get(f"/api/v1/tickets/{t.id}", headers=api).json
    assert [task["decisions"] for task in view["tasks"] if task["task"] == "sign"] == [{"sign": "签收"}]
    assert view["clocks"]["return_window_open"] is False
    r = client.post(f"/api/v1/tickets/{t.id}/tasks/sign", headers=api,
                    json={"decision": "return", "return_reason": "不属于本单位职责", "return_basis": "三定方案"})
    assert r.status_code == 400 and r.json["error"]["code"] == "return_window_closed"
    assert "不能再退回" in r.json["error"]["message"]

    # 10-08 is the second working day: no 黄牌 until it has passed (the holiday days were not counted).
    assert tick(db, "2026-10-08T23:59:00+08:00")["yellow"] == 0
    done = tick(db, "2026-10-09T00:05:00+08:00")
    assert (done["yellow"], done["red"]) == (1, 0)
    assert recipients(db, t, "acceptance.yellow") == {"receiver", "leader"}
    [leader_sms] = [n for n in notices(db, t) if n.template == "acceptance.yellow" and n.recipient_role == "leader"
                    and n.kind == "sms"]
    assert "黄牌" in leader_sms.text and t.number in leader_sms.text

    # The receiver signs after the yellow card, through the page: the handling clock takes over.
    clock.set("2026-10-09T10:00:00+08:00")
    r = post(client, sign_url(t), {"decision": "sign"})
    assert r.status_code == 302, text(r)[:2000]
    t = fresh(db, t)
    assert (t.status, t.monitor_stage, t.monitor_level) == ("handling", "handling", "normal")
    assert iso8(t.handling_due) == "2026-10-20T00:00:00+08:00"  # 10 WD from 09-29 over National Day
    db.session.expire_all()
    lead = db.session.scalar(select(Assignment).where(Assignment.ticket_id == t.id, Assignment.role == "lead"))
    assert (lead.sign_mode, lead.sign_on_time) == ("signed", False)

    # No 红牌 for a signed ticket, no supervision.
    done = tick(db, "2026-10-10T00:05:00+08:00")
    assert (done["red"], done["supervision_requests"]) == (0, 0)
    assert [c[:2] for c in crossings(db, t)] == [("monitor_warning", "acceptance"), ("monitor_yellow", "acceptance")]
    assert db.session.scalar(select(Supervision.id).where(Supervision.ticket_id == t.id)) is None
    login(client, "dispatcher")
    page = text(client.get(f"/tickets/{t.id}"))
    assert "逾期未退回，视同接受" in page and "黄牌" in page


def test_still_unsigned_after_three_working_days_red_card_opens_supervision(client, db, clock):
    t = received(db, "complaint", RECEIVED)
    # The scheduler was down over the holiday; on Sat 10-10 (a make-up working day) it catches up in order.
    done = tick(db, "2026-10-10T00:05:00+08:00")
    assert (done["warning"], done["yellow"], done["red"], done["deemed"]) == (1, 1, 1, 1)
    assert [c for c in crossings(db, t)] == [
        ("monitor_warning", "acceptance", "2026-10-01T00:00:00+08:00"),
        ("monitor_yellow", "acceptance", "2026-10-09T00:00:00+08:00"),
        ("monitor_red", "acceptance", "2026-10-10T00:00:00+08:00")]
    assert recipients(db, t, "acceptance.red") == {"receiver", "leader"}
    t = fresh(db, t)
    assert (t.status, t.monitor_level) == ("signing", "red")

    # The red card opened supervision like any other: the unit's 分管领导 answers within 2 WD. Opened on the
    # make-up Saturday, which is not counted: Mon 10-12 is day 1, Tue 10-13 day 2.
    [sup] = db.session.scalars(select(Supervision).where(Supervision.ticket_id == t.id)).all()
    assert (sup.reason, sup.status, sup.unit_id) == ("red_card", "open", t.lead_unit_id)
    assert iso8(sup.due_at) == "2026-10-14T00:00:00+08:00"
    assert sup.note == "因签收环节红牌（至2026年10月9日24时仍未签收），自动列入督办"
    notice = db.session.get(IssuedDocument, sup.notice_document_id)
    pdf_text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(notice.pdf)).pages)
    assert "签收环节红牌" in "".join(pdf_text.split()) and "acceptance" not in pdf_text
    assert any(n.template == "supervision.open" and n.recipient_role == "leader" for n in notices(db, t))
    clock.set("2026-10-10T09:00:00+08:00")
    login(client, "unit_leader")
    inbox = text(client.get("/inbox"))
    assert t.number in inbox and "督办" in inbox

    # A second tick opens nothing twice; the receiver can still sign (only 签收 offered) and handling starts.
    assert tick(db, "2026-10-10T00:30:00+08:00")["supervision_requests"] == 0
    login(client, "receiver")
    assert 'value="return"' not in text(client.get(sign_url(t)))
    assert post(client, sign_url(t), {"decision": "sign"}).status_code == 302
    t = fresh(db, t)
    assert (t.status, t.monitor_stage) == ("handling", "handling")
    assert len(db.session.scalars(select(Supervision).where(Supervision.ticket_id == t.id)).all()) == 1


def test_signed_after_its_red_card_the_handling_red_card_joins_the_open_supervision(client, db, clock):
    """A 咨询's handling thresholds (1 / 2 / 3 WD from receipt) equal the acceptance ones: signed after its acceptance
    红牌, its handling 红牌 has passed as well. That is the same lateness, so it joins the open red-card supervision
    of the unit instead of opening a second one."""
    t = received(db, "consult", RECEIVED)
    assert tick(db, "2026-10-10T00:05:00+08:00")["red"] == 1
    clock.set("2026-10-10T09:00:00+08:00")
    login(client, "receiver")
    assert post(client, sign_url(t), {"decision": "sign"}).status_code == 302
    done = tick(db, "2026-10-10T09:05:00+08:00")
    assert (done["red"], done["supervision_requests"]) == (1, 1)
    assert [c[:2] for c in crossings(db, t)][-1] == ("monitor_red", "handling")
    assert len(db.session.scalars(select(Supervision).where(Supervision.ticket_id == t.id)).all()) == 1
    login(client, "dispatcher")
    assert "红牌并入已在进行的红牌督办" in text(client.get(f"/tickets/{t.id}"))
