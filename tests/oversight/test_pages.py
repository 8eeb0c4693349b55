"""Oversight pages: supervisions (督办) opened through the form, accountability cases (责任追究) handled on the page."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.models import AccountabilityCase, IssuedDocument, Supervision
from tests.support.pages import as_user, count, post, text, unit_id

OFFICE = ("supervisor", "reviewer", "admin", "city_leader")
CASE_ROLES = ("supervisor", "admin")


@pytest.mark.parametrize("role", ["supervisor", "reviewer", "admin", "city_leader", "dispatcher", "handler",
                                  "unit_leader", "agent"])
def test_who_may_use_the_oversight_pages(client, db, role):
    as_user(client, db, role)
    for url, allowed in (("/oversight/supervisions", OFFICE), ("/oversight/supervisions/new", OFFICE),
                         ("/oversight/accountability", OFFICE), ("/oversight/accountability/new", CASE_ROLES)):
        r = client.get(url)
        assert r.status_code == (200 if role in allowed else 403), f"{role} {url}"
    menu = text(client.get("/tasks"))
    assert ("督办" in menu and "责任追究" in menu) == (role in OFFICE)
    if role not in CASE_ROLES:  # the actions are refused, not only hidden
        r = client.post("/oversight/accountability/detect", data={"csrf_token": "x"})
        assert r.status_code in (400, 403)


def test_city_leader_may_only_open_by_instruction(client, db, tickets):
    as_user(client, db, "city_leader")
    body = text(client.get("/oversight/supervisions/new"))
    assert "领导批示" in body and "督办员决定" not in body
    t = tickets.dispatched()
    r = post(client, "/oversight/supervisions/new", {"ticket_number": t.number, "reason": "leader_instruction",
                                                     "instruction": "请尽快解决", "instructed_by": "王副市长"})
    assert r.status_code == 302, text(r)[:2000]
    sup = db.session.scalar(select(Supervision))
    notice = db.session.get(IssuedDocument, sup.notice_document_id)  # issued by the office on the instruction
    assert notice.number.startswith("河热线督") and "依" in notice.issued_by


def test_leader_instruction_opened_through_the_form_reaches_the_unit_leader(client, db, tickets):
    t = tickets.dispatched()
    as_user(client, db, "supervisor")
    r = post(client, "/oversight/supervisions/new", {"ticket_number": t.number, "reason": "leader_instruction"})
    assert r.status_code == 400
    body = text(r)
    assert "请录入领导批示内容" in body and "请录入批示领导" in body
    assert "提交的信息有误，请按提示修改" in body  # the same summary as every other form page
    assert count(db, Supervision) == 0
    r = post(client, "/oversight/supervisions/new", {"ticket_number": "HL-NONE", "reason": "supervisor"})
    assert r.status_code == 400 and "未找到该编号的工单" in text(r)

    r = post(client, "/oversight/supervisions/new", {"ticket_number": t.number, "reason": "leader_instruction",
                                                     "instruction": "请尽快解决夜间施工扰民问题",
                                                     "instructed_by": "王副市长", "note": "市领导批示件"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/oversight/supervisions")
    sup = db.session.scalar(select(Supervision))
    assert sup.reason == "leader_instruction" and sup.instructed_by == "王副市长" and sup.status == "open"
    listing = text(client.get("/oversight/supervisions"))
    assert t.number in listing and f"/tickets/{t.id}" in listing and "领导批示" in listing and "已列入督办" in listing

    as_user(client, db, "unit_leader")
    assert "督办答复" in text(client.get("/tasks"))


def test_accountability_case_from_entry_to_outcome(client, db, tickets):
    t = tickets.dispatched()
    as_user(client, db, "supervisor")
    r = post(client, "/oversight/accountability/new", {"situation": "8", "unit_id": "", "facts": ""})
    assert r.status_code == 400 and "请选择单位" in text(r)
    assert count(db, AccountabilityCase) == 0
    r = post(client, "/oversight/accountability/new", {
        "situation": "8", "unit_id": str(unit_id(db, "HY-ZJJ")), "ticket_numbers": t.number,
        "facts": "经办人将诉求人电话告知被投诉单位\n被投诉单位据此多次致电诉求人"})
    assert r.status_code == 302
    case = db.session.scalar(select(AccountabilityCase))
    assert case.status == "candidate" and case.ticket_ids == [t.id] and len(case.facts) == 2
    url = f"/oversight/accountability/{case.id}"
    page = text(client.get(url))
    assert "泄露诉求人信息" in page and t.number in page
    assert "待审核线索" in text(client.get("/oversight/accountability"))

    r = post(client, f"{url}/dismiss", {"d-reason": ""}, get_url=url)
    assert r.status_code == 400 and "请说明理由" in text(r)
    db.session.expire_all()
    assert db.session.get(AccountabilityCase, case.id).status == "candidate"

    r = post(client, f"{url}/confirm", {"c-extra_facts": "诉求人提供了通话记录"}, get_url=url)
    assert r.status_code == 302
    db.session.expire_all()
    case = db.session.get(AccountabilityCase, case.id)
    assert case.status == "confirmed" and case.facts[-1] == "诉求人提供了通话记录"

    r = post(client, f"{url}/propose", {"p-proposed_to": "市纪委监委", "p-proposal": ""}, get_url=url)
    assert r.status_code == 400 and "请填写建议" in text(r)
    r = post(client, f"{url}/propose", {"p-proposed_to": "市纪委监委", "p-proposal": "建议约谈该局分管领导"},
             get_url=url)
    assert r.status_code == 302
    db.session.expire_all()
    case = db.session.get(AccountabilityCase, case.id)
    assert case.status == "proposed" and case.proposed_to == "市纪委监委" and case.document_id
    doc = db.session.get(IssuedDocument, case.document_id)
    assert doc is not None and doc.number.startswith("河热线责")
    page = text(client.get(url))
    assert f'href="/documents/{doc.id}"' in page
    assert client.get(f"/documents/{doc.id}").status_code == 200

    r = post(client, f"{url}/outcome", {"o-outcome": "已对相关责任人诫勉谈话"}, get_url=url)
    assert r.status_code == 302
    db.session.expire_all()
    case = db.session.get(AccountabilityCase, case.id)
    assert case.status == "concluded" and case.outcome == "已对相关责任人诫勉谈话"
    assert "已对相关责任人诫勉谈话" in text(client.get(url))

    as_user(client, db, "reviewer")  # may read, may not act
    page = text(client.get(url))
    assert "已对相关责任人诫勉谈话" in page and "csrf_token" not in page.split("<main>")[1]


def test_detect_now_finds_candidates(client, db, tickets):
    as_user(client, db, "supervisor")
    r = post(client, "/oversight/accountability/detect", get_url="/oversight/accountability")
    assert r.status_code == 302
    assert "检测完成" in text(client.get("/oversight/accountability"))
