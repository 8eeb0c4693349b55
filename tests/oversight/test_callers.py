"""Malicious callers (Art. 27, Art. 6(9)): the office opens a caller's record, flags them with evidence, a second
office user confirms, intake shows the banner and still registers the call, ratings of a flagged harasser do not
count, a 移送函 goes to the police, the flag is lifted with a reason; every view and change is audited; only the
office's desk sees any of it."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from engine.models import AuditLog, CallerFlag, Evaluation, IssuedDocument
from tests.docstore.conftest import pdf_text
from tests.support.helpers import REPLY, user
from tests.support.pages import INTAKE, as_user, last_ticket, post, text, unit_id

PHONE = "13900002222"


@pytest.fixture
def caller(db, tickets):
    """Three tickets of one caller: a complaint, a refusal with reason 9, a consultation."""
    made = [tickets.new(scope="accept", citizen_phone=PHONE, content="半夜反复来电称邻居投毒，经核实不实。"),
            tickets.new(scope="refuse", citizen_phone=PHONE, refusal_code=9, content="无实质诉求，辱骂话务员。",
                        refusal_explanation="您的来电无实质诉求内容，不予受理。"),
            tickets.new(scope=None, citizen_phone=PHONE, content="再次来电占线，拒绝说明诉求。", ticket_type="consult")]
    return made


def audits(db, action: str) -> list[AuditLog]:
    db.session.rollback()
    return list(db.session.scalars(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)))


def flag_row(db) -> CallerFlag:
    db.session.rollback()
    return db.session.scalar(select(CallerFlag).order_by(CallerFlag.id.desc()).limit(1))


def propose(client, db, caller, **extra):
    """The signed-in user opens the record and submits the flag form as shown."""
    r = post(client, "/callers", {"phone": "139-0000-2222"})
    assert r.status_code == 200, text(r)[:2000]
    page = text(r)
    for t in caller:
        assert f'value="{t.id}"' in page  # each ticket offered as evidence
    token = re.search(r'id="flag-form".*?name="csrf_token"[^>]*value="([^"]+)"', page, re.S).group(1)
    data = {"csrf_token": token, "phone": PHONE, "kind": "harassment", "reason": "一个月内来电40余次，辱骂话务员，无实质诉求。",
            "evidence": [str(caller[1].id), str(caller[2].id)], "ends_on": "2026-12-31", **extra}
    return client.post("/callers/flags", data=data)


def test_the_record_shows_tickets_refusals_9_and_ratings_and_the_view_is_audited(client, db, caller):
    as_user(client, db, "agent")
    assert "来电人档案" in text(client.get("/callers"))
    page = text(post(client, "/callers", {"phone": PHONE}, get_url="/callers"))
    assert all(t.number in page for t in caller)
    assert "以第六条第（九）项不予受理（1）" in page and "无实质诉求，辱骂话务员" in page
    [seen] = audits(db, "caller_view")[-1:]
    assert seen.detail["phone"] == PHONE and seen.actor_label.startswith(user(db.session, "agent").name)
    r = post(client, "/callers", {"phone": "12"}, get_url="/callers")
    assert r.status_code == 400 and "号码" in text(r)


def test_two_people_flag_intake_warns_and_registers_and_the_flag_is_lifted(client, db, caller, tickets):
    as_user(client, db, "agent")
    r = propose(client, db, caller)
    assert r.status_code == 302, text(r)[:3000]
    flag = flag_row(db)
    assert (flag.kind, flag.phone, flag.evidence, flag.confirmed_at) == ("harassment", PHONE,
                                                                         [caller[1].id, caller[2].id], None)
    page = text(client.get(r.headers["Location"]))
    assert "待复核" in page and "须由另一名热线办工作人员复核确认" in page and 'id="confirm-form"' not in page
    assert "<dt>有效至</dt><dd>2026-12-31</dd>" in page  # the last day as entered (in force until its 24:00)
    r = post(client, f"/callers/flags/{flag.id}/confirm", get_url=f"/callers/flags/{flag.id}")
    assert r.status_code == 409 and "另一名" in text(r) and flag_row(db).confirmed_at is None
    r = propose(client, db, caller)  # the same kind again while the first waits: refused on the page
    assert r.status_code == 409 and "该号码已有同类标记" in text(r) and 'id="flag-form"' in text(r)
    # Not yet in force: no banner.
    r = post(client, "/intake", {**INTAKE, "citizen_phone": PHONE, "op": "history"})
    assert 'id="caller-flag"' not in text(r)

    as_user(client, db, "reviewer")
    page = text(client.get(f"/callers/flags/{flag.id}"))
    assert 'id="confirm-form"' in page
    r = post(client, f"/callers/flags/{flag.id}/confirm", get_url=f"/callers/flags/{flag.id}")
    assert r.status_code == 302 and flag_row(db).confirmed_at is not None
    assert [a.action for a in audits(db, "caller_flag_confirm")] == ["caller_flag_confirm"]

    as_user(client, db, "agent")
    r = post(client, "/intake", {**INTAKE, "citizen_phone": "139 0000 2222", "op": "history"})
    banner = text(r)
    assert "该号码已被标记为「骚扰」" in banner and "无实质诉求的按第六条第（九）项不予受理" in banner
    assert "（有效至 2026-12-31）" in banner  # the flag's last day, as the office set it
    before = last_ticket(db).id
    r = post(client, "/intake", {**INTAKE, "citizen_phone": PHONE})
    assert r.status_code == 302  # a flag never drops a call
    registered = last_ticket(db)
    assert registered.id > before and registered.citizen_phone == PHONE
    assert "该号码已被标记为「骚扰」" in text(client.get(r.headers["Location"]))
    assert audits(db, "caller_flag_shown")

    # Ratings from the caller while flagged for harassment do not count; another caller's do.
    for phone, excluded in ((PHONE, True), ("13800001234", False)):
        t = tickets.new(citizen_phone=phone)
        tickets.act("dispatcher", t, "dispatch", lead_unit=unit_id(db, "HY-ZJJ"))
        tickets.act("receiver", t, "sign", decision="sign")
        tickets.act("handler", t, "reply", **REPLY)
        tickets.act("reviewer", t, "review", decision="accept")
        tickets.act("agent", t, "evaluate", intake_rating="very_dissatisfied", handling_rating="very_dissatisfied",
                    method="callback", comment="全是骗子")
        db.session.rollback()
        ev = db.session.scalar(select(Evaluation).where(Evaluation.ticket_id == t.id))
        assert ev.excluded_from_assessment is excluded
        assert ev.exclusion_kind == ("flagged_caller" if excluded else None)

    # Lifting needs a reason; then the banner is gone.
    r = post(client, f"/callers/flags/{flag.id}/lift", {"reason": ""}, get_url=f"/callers/flags/{flag.id}")
    assert r.status_code == 400 and "请填写解除理由" in text(r) and flag_row(db).lifted_at is None
    r = post(client, f"/callers/flags/{flag.id}/lift", {"reason": "来电人书面致歉，承诺不再骚扰。"},
             get_url=f"/callers/flags/{flag.id}")
    assert r.status_code == 302 and flag_row(db).lift_reason == "来电人书面致歉，承诺不再骚扰。"
    r = post(client, "/intake", {**INTAKE, "citizen_phone": PHONE, "op": "history"})
    assert 'id="caller-flag"' not in text(r)
    assert "已解除" in text(client.get(f"/callers/flags/{flag.id}"))


def test_a_flag_in_force_is_referred_to_the_police_with_a_numbered_letter(client, db, caller):
    as_user(client, db, "agent")
    flag_id = int(propose(client, db, caller).headers["Location"].rsplit("/", 1)[1])
    r = post(client, f"/callers/flags/{flag_id}/referral", {"organ": "河源市公安局源城分局", "law": "治安管理处罚法"},
             get_url=f"/callers/flags/{flag_id}")
    assert r.status_code == 409 and "复核确认" in text(r)  # not before a second person confirmed
    as_user(client, db, "reviewer")
    post(client, f"/callers/flags/{flag_id}/confirm", get_url=f"/callers/flags/{flag_id}")
    r = post(client, f"/callers/flags/{flag_id}/referral", {"organ": "", "law": ""},
             get_url=f"/callers/flags/{flag_id}")
    assert r.status_code == 400 and "请填写移送机关" in text(r)
    r = post(client, f"/callers/flags/{flag_id}/referral",
             {"organ": "河源市公安局源城分局", "law": "《中华人民共和国治安管理处罚法》第四十二条"},
             get_url=f"/callers/flags/{flag_id}")
    assert r.status_code == 302, text(r)[:2000]
    db.session.rollback()
    doc = db.session.scalar(select(IssuedDocument).where(IssuedDocument.kind == "police_referral"))
    assert r.headers["Location"].endswith(f"/documents/{doc.id}") and "移〔2026〕1号" in doc.number
    printed = pdf_text(doc.pdf)
    assert "移送函" in printed and PHONE in printed and "骚扰" in printed and "第四十二条" in printed
    assert caller[1].number in printed and caller[2].number in printed and caller[0].number not in printed
    assert "第六条第（九）项" in printed
    assert audits(db, "caller_referral")[0].detail["document"] == doc.number


@pytest.mark.parametrize("username", ["receiver", "handler", "unit_leader", "process_owner", "city_leader"])
def test_only_the_office_desk_sees_callers_and_flags(client, db, caller, username):
    as_user(client, db, "agent")
    flag_id = int(propose(client, db, caller).headers["Location"].rsplit("/", 1)[1])
    as_user(client, db, username)
    assert client.get("/callers").status_code == 403
    assert client.get(f"/callers/flags/{flag_id}").status_code == 403


def test_the_caller_api(client, db, caller):
    def token(name):
        return {"Authorization": "Bearer " + client.post("/api/v1/session", json={"username": name,
                                                                                   "password": "demo12345"}
                                                         ).get_json()["token"]}
    agent, reviewer, receiver = token("agent"), token("reviewer"), token("receiver")
    r = client.post("/api/v1/callers/lookup", json={"phone": PHONE}, headers=agent)
    assert r.status_code == 200 and len(r.get_json()["refusals_9"]) == 1
    assert client.post("/api/v1/callers/lookup", json={"phone": PHONE}, headers=receiver).status_code == 403
    body = {"phone": PHONE, "kind": "line_tying", "reason": "反复占线", "evidence": [caller[2].id],
            "ends_on": "2026-12-31"}
    assert client.post("/api/v1/callers/flags", json={**body, "kind": "rude"}, headers=agent).status_code == 400
    r = client.post("/api/v1/callers/flags", json={**body, "evidence": [99999]}, headers=agent)
    assert r.status_code == 400 and "该来电人的工单" in text(r)
    r = client.post("/api/v1/callers/flags", json={**body, "ends_on": "2026-13-01"}, headers=agent)
    assert r.status_code == 400 and "截止日期格式不正确" in text(r)
    r = client.post("/api/v1/callers/flags", json={**body, "ends_on": "2028-01-01"}, headers=agent)
    assert r.status_code == 400 and "截止日期须在今天至366天之内" in text(r)
    r = client.post("/api/v1/callers/flags", json=body, headers=agent)
    assert r.status_code == 201 and r.get_json()["status"] == "pending"
    flag_id = r.get_json()["id"]
    r = client.post("/api/v1/callers/flags", json=body, headers=reviewer)  # the same kind twice on one number
    assert r.status_code == 409 and "该号码已有同类标记" in text(r)
    assert client.post(f"/api/v1/callers/flags/{flag_id}/confirm", headers=agent).status_code == 409
    r = client.post(f"/api/v1/callers/flags/{flag_id}/confirm", headers=reviewer)
    assert r.status_code == 200 and r.get_json()["status_label"] == "生效中"
    r = client.post("/api/v1/tickets", json={k: v for k, v in INTAKE.items() if k != "scope"} | {
        "citizen_phone": PHONE}, headers=agent)
    assert r.status_code == 201
    shown = r.get_json()["caller_flags"]
    assert [(f["kind_label"], f["reason"], f["ends"]) for f in shown] == [("恶意占线", "反复占线", "2026-12-31")]
    assert shown[0]["guidance"]  # what the agent is to do with such a caller
    r = client.post(f"/api/v1/callers/flags/{flag_id}/referral", json={"organ": "河源市公安局", "law": "治安管理处罚法"},
                    headers=reviewer)
    assert r.status_code == 201 and "移" in r.get_json()["number"]
    r = client.post(f"/api/v1/callers/flags/{flag_id}/lift", json={"reason": "已移送公安机关处理"}, headers=reviewer)
    assert r.status_code == 200 and r.get_json()["status"] == "lifted"
    assert client.post(f"/api/v1/callers/flags/{flag_id}/lift", json={"reason": "再次"}, headers=reviewer
                       ).status_code == 409
