"""12345 ↔ 110 (Art. 6(2)): the agent hands a caller over to an emergency line from the intake page, the handoff is
recorded and sent through the emergency gateway; 110's matters arrive on the 110 channel with their case number and
the answer goes back to 110; the office counts both ways per month and line."""
from __future__ import annotations

import re

from sqlalchemy import select

from engine.docstore import facts, issue_document
from engine.models import ApiClient, EmergencyHandoff, Outbox, Ticket
from engine.notices.emergency import DevEmergencyGateway, HttpEmergencyGateway, emergency_gateway_from_settings
from engine.notices.outbox import deliver
from tests.docstore.conftest import pdf_text
from tests.notices.test_outbox import FakeProvider
from tests.support.helpers import CITIZEN, REPLY, user
from tests.support.pages import INTAKE, as_user, count, last_ticket, post, text, unit_id
from web.tickets.handoffs import YEARS

REFUSE_2 = {**INTAKE, "content": "家门口有人持刀打架，现场很乱，请赶快处理！", "scope": "refuse", "refusal_code": "2",
            "refusal_explanation": "该事项属于110报警服务台职责，已为您转接110。"}


def handoffs(db) -> list[EmergencyHandoff]:
    db.session.rollback()
    return list(db.session.scalars(select(EmergencyHandoff).order_by(EmergencyHandoff.id)))


def month_counts(page: str, month: str) -> dict[str, int]:
    """One month's row of the statistics table as printed, keyed by its column titles (each cell's data-label)."""
    row = re.search(rf'<tr><td data-label="月份">{month}</td>(.*?)</tr>', page).group(1)
    return {label: int(n) for label, n in re.findall(r'<td data-label="([^"]+)">(\d+)</td>', row)}


def emergency_outbox(db) -> list[Outbox]:
    db.session.rollback()
    return list(db.session.scalars(select(Outbox).where(Outbox.kind == "emergency").order_by(Outbox.id)))


def test_the_agent_hands_the_caller_over_to_110_from_the_intake_page(client, db, clock):
    as_user(client, db, "agent")
    page = text(client.get("/intake"))
    assert "转接紧急服务专线" in page and 'name="handoff_line"' in page and "诉求人挂断" in page
    r = post(client, "/intake", {**REFUSE_2, "handoff_line": "110", "handoff_outcome": "transferred",
                                 "handoff_summary": "来电称永和路18号门口有人持刀打架"})
    assert r.status_code == 302, text(r)[:3000]
    done = text(client.get(r.headers["Location"]))  # the agent's 登记完成 page confirms where the call went
    assert "已转接110报警服务台（" in done and "（已转接，" not in done  # said once
    ticket = last_ticket(db)
    assert ticket.status == "refused" and ticket.refusal_code == 2
    [h] = handoffs(db)
    assert (h.direction, h.line, h.outcome, h.case_number) == ("out", "110", "transferred", None)
    assert h.summary == "来电称永和路18号门口有人持刀打架" and h.at == clock() and h.agent_id is not None
    [row] = emergency_outbox(db)
    assert row.recipient == "110" and row.template == "handoff.out" and row.status == "pending"
    assert "转接110报警服务台：已转接" in row.text and row.params["ticket_number"] == ticket.number
    # The ticket page says where the matter went; the dispatcher sees the month's count.
    as_user(client, db, "dispatcher")
    shown = text(client.get(f"/tickets/{ticket.id}"))
    assert "已转接 <strong>110报警服务台</strong>（" in shown and "</strong>：已转接" not in shown
    stats = text(client.get("/handoffs"))
    assert month_counts(stats, "11月") == {"转110": 1, "转119": 0, "转120": 0, "转122": 0, "110转来": 0}
    assert ticket.number in stats


def test_a_refusal_with_reason_2_needs_the_line_and_the_outcome_and_writes_nothing_without(client, db):
    as_user(client, db, "agent")
    before = count(db, Ticket)
    r = post(client, "/intake", REFUSE_2)
    assert r.status_code == 400
    page = text(r)
    assert "请选择转接的紧急服务专线" in page and "请选择转接结果" in page
    assert count(db, Ticket) == before and handoffs(db) == [] and emergency_outbox(db) == []
    r = post(client, "/intake", {**REFUSE_2, "handoff_line": "911", "handoff_outcome": "hung_up"})
    assert r.status_code == 400 and count(db, Ticket) == before


def test_other_refusals_are_not_handoffs(client, db):
    as_user(client, db, "agent")
    r = post(client, "/intake", {**INTAKE, "scope": "refuse", "refusal_code": "4", "handoff_line": "110",
                                 "handoff_outcome": "transferred",
                                 "refusal_explanation": "该事项应通过诉讼途径解决。"})
    assert r.status_code == 302, text(r)[:2000]
    assert handoffs(db) == []


def test_the_citizen_and_the_refusal_notice_say_where_the_matter_went(client, db, tickets, clock):
    t, code = tickets.new_with_code(scope="refuse", refusal_code=2, refusal_explanation="请拨打120急救。",
                                    handoff_line="120", handoff_outcome="no_answer")
    r = post(client, "/public/track", {"number": t.number, "code": code})
    page = text(r)
    # a call that was not put through is never told "已转接": the citizen is told to call the line now
    note = page.split('id="handoff-note"')[1][:300]
    assert "尝试为您转接120急救，对方未接听，转接未成功。请立即自行拨打120。" in note and "已于" not in note
    assert "诉求人挂断" not in page and CITIZEN["content"] not in note
    doc = issue_document(db.session, "refusal_notice", facts.refusal_notice(db.session, t.id).context,
                         user(db.session, "agent"), clock(), ticket_id=t.id)
    db.session.commit()
    printed = "".join(pdf_text(doc.pdf).split())
    assert "尝试为您转接120急救，对方未接听，转接未成功。请立即自行拨打120。" in printed and "已于" not in printed
    as_user(client, db, "agent")
    assert "转接未成功 <strong>120急救</strong>：对方未接" in text(client.get(f"/tickets/{t.id}"))


def test_the_emergency_gateway_records_in_development_and_posts_json_in_production(db, tickets, clock):
    tickets.new(scope="refuse", refusal_code=2, refusal_explanation="已转122。", handoff_line="122",
                handoff_outcome="hung_up", handoff_summary="高速路口两车追尾")
    [row] = emergency_outbox(db)
    dev = emergency_gateway_from_settings({})
    assert isinstance(dev, DevEmergencyGateway)
    assert deliver(db.session, row.id, {"emergency": dev}, clock()) == "sent"
    db.session.commit()
    assert dev.sent[0].recipient == "122" and dev.sent[0].params["outcome"] == "hung_up"
    assert db.session.get(Outbox, row.id).delivered_by == "dev-110"
    with FakeProvider([503]).running() as platform:
        gateway = emergency_gateway_from_settings({"EMERGENCY_GATEWAY": "http", "EMERGENCY_GATEWAY_URL": platform.url,
                                                   "EMERGENCY_GATEWAY_TOKEN": "t0k", "NOTIFY_TIMEOUT_SECONDS": 2})
        assert isinstance(gateway, HttpEmergencyGateway)
        db.session.get(Outbox, row.id).status = "pending"
        db.session.commit()
        assert deliver(db.session, row.id, {"emergency": gateway}, clock()) == "retry"  # the platform was busy
        db.session.commit()
        clock.set("2026-11-25T10:30:00+08:00")
        assert deliver(db.session, row.id, {"emergency": gateway}, clock()) == "sent"
        db.session.commit()
    sent = platform.requests[-1]
    assert sent["headers"]["Authorization"] == "Bearer t0k"
    body = sent["json"]
    assert (body["event"], body["line"], body["outcome"], body["summary"]) == ("handoff.out", "122", "hung_up",
                                                                                "高速路口两车追尾")


def _client_110(app, db) -> str:
    result = app.test_cli_runner().invoke(args=["create-api-client", "110联动平台", "--channel", "110"])
    assert result.exit_code == 0, result.output
    return result.output.strip()


def test_110_sends_a_matter_with_its_case_number_and_gets_the_answer_back(app, client, db, tickets):
    token = _client_110(app, db)
    try:
        headers = {"Authorization": f"Bearer {token}"}
        body = {**{k: v for k, v in CITIZEN.items() if k != "channel"}, "content": "楼上住户长期漏水，非警务事项转12345。"}
        r = client.post("/api/v1/tickets", json=body, headers=headers)
        assert r.status_code == 400 and "110接警单号" in text(r)
        r = client.post("/api/v1/tickets", json={**body, "case_number_110": "HY110-20261125-0042"}, headers=headers)
        assert r.status_code == 201, text(r)
        t = last_ticket(db)
        assert t.channel == "110" and t.status == "scoping"
        [h] = handoffs(db)
        assert (h.direction, h.line, h.case_number, h.reported_at) == ("in", "110", "HY110-20261125-0042", None)
        # The agent sees it at 受理审查 marked 110转来 with the case number.
        as_user(client, db, "agent")
        task = db.session.scalar(select(Ticket).where(Ticket.id == t.id))
        page = text(client.get(f"/tickets/{task.id}"))
        assert "110转来" in page and "HY110-20261125-0042" in page and "办理结果待反馈110" in page
        scope_page = text(client.get(f"/tickets/{task.id}/tasks/decide_scope"))
        assert 'id="from-110"' in scope_page and "HY110-20261125-0042" in scope_page
        tickets.act("agent", t, "decide_scope", scope="accept")
        tickets.act("dispatcher", t, "dispatch", lead_unit=unit_id(db, "HY-ZJJ"))
        tickets.act("receiver", t, "sign", decision="sign")
        tickets.act("handler", t, "reply", **REPLY)
        assert emergency_outbox(db) == []  # not before the office approved the reply
        tickets.act("reviewer", t, "review", decision="accept")
        [row] = emergency_outbox(db)
        assert row.recipient == "110" and row.template == "handoff.reply"
        assert row.params["case_number"] == "HY110-20261125-0042" and row.params["reply"] == REPLY["result"]
        assert handoffs(db)[0].reported_at is not None
        as_user(client, db, "dispatcher")
        assert month_counts(text(client.get("/handoffs")), "11月") == {"转110": 0, "转119": 0, "转120": 0, "转122": 0,
                                                                      "110转来": 1}
    finally:
        db.session.rollback()
        db.session.execute(ApiClient.__table__.delete().where(ApiClient.name == "110联动平台"))
        db.session.commit()


def test_only_the_110_channel_carries_case_numbers_and_only_the_office_sees_the_statistics(client, db, tickets):
    tickets.new(scope="accept", case_number_110="X-1")  # a phone call: the field means nothing there
    assert handoffs(db) == []
    as_user(client, db, "receiver")
    assert client.get("/handoffs").status_code == 403
    as_user(client, db, "dispatcher")
    assert client.get("/handoffs?year=abc").status_code == 200
    r = client.post("/api/v1/session", json={"username": "dispatcher", "password": "demo12345"})
    api = {"Authorization": f"Bearer {r.get_json()['token']}"}
    stats = client.get("/api/v1/handoffs?year=2026", headers=api).get_json()
    assert stats["year"] == 2026 and [c["label"] for c in stats["columns"]] == ["转110", "转119", "转120", "转122",
                                                                                 "110转来"]
    assert client.get("/api/v1/handoffs?year=99999", headers=api).status_code == 400
    r = client.post("/api/v1/session", json={"username": "receiver", "password": "demo12345"})
    assert client.get("/api/v1/handoffs", headers={"Authorization": f"Bearer {r.get_json()['token']}"}
                      ).status_code == 403


def test_a_year_that_cannot_be_shown_says_so_and_shows_this_year(client, db):
    as_user(client, db, "dispatcher")
    message = f"只能查看{YEARS[0]}年至{YEARS[1]}年的统计，已显示2026年。"  # the test clock is in 2026
    for asked in (YEARS[0] - 1, YEARS[1] + 1, "abc", "2026年"):
        r = client.get(f"/handoffs?year={asked}")
        page = text(r)
        assert r.status_code == 200 and message in page and 'role="alert"' in page, asked
        assert "2026年按月统计" in page and month_counts(page, "11月")
    for asked in ("", str(YEARS[0])):
        page = text(client.get(f"/handoffs?year={asked}"))
        assert "只能查看" not in page and 'role="alert"' not in page
    assert f"{YEARS[0]}年按月统计" in page
