"""A unit's task pages show what the step decides on (the reviewer's findings 3, 4, 6, 7): why a ticket is redone
and the reply being redone; a refused extension with its reason and the deadline that still holds (and its tag in
the unit inbox); a consulted department's 主管部门意见 deadline on the worklist and the ticket page, with each
parallel task's unit; the city government's decision on the lead unit's sign page, which then offers no 退回."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from engine.common.errors import Invalid
from engine.models import JointReview, Unit
from tests.support.helpers import REPLY
from tests.support.pages import as_user, fresh, post, text, unit_id
from tests.support.pages import ready_task_url as task_url
from web.common import fmt_due

COMPLAINT = "处理太慢，态度敷衍，噪声问题一点没解决"
FINDING = "经核查，上次答复未核实整改结果，诉求人不满意的理由合理"



def section(page: str, element_id: str) -> str:
    """The text of the card with this id ('' when the page has none)."""
    found = re.search(rf'<section[^>]*id="{element_id}".*?</section>', page, re.S)
    return found.group(0) if found else ""


def worklist_tags(client, t) -> list[str]:
    """The tags beside the ticket's number on 我的待办."""
    cell = re.search(rf'<td data-label="工单编号"><a href="/tickets/{t.id}">.*?</td>', text(client.get("/tasks")), re.S)
    assert cell, f"{t.number} is not on 我的待办"
    return re.findall(r'<span class="tag warn">([^<]+)</span>', cell.group(0))


def api_login(client, username: str) -> dict:
    r = client.post("/api/v1/session", json={"username": username, "password": "demo12345"})
    assert r.status_code == 200, r.json
    return {"Authorization": f"Bearer {r.json['token']}"}


# -- 3: the redo reply page says why ------------------------------------------------------------------------------

def test_redo_reply_page_shows_the_dissatisfaction_the_finding_and_the_reply_redone(client, db, tickets):
    t = tickets.evaluating()
    tickets.act("agent", t, "evaluate", intake_rating="satisfied", handling_rating="dissatisfied", method="callback",
                comment=COMPLAINT)
    tickets.act("reviewer", t, "redo_decision", kind="reasonable", reason=FINDING)
    as_user(client, db, "handler")
    page = text(client.get(task_url(db, t, "reply")))
    basis = section(page, "redo-basis")
    assert "重办" in basis and COMPLAINT in basis and FINDING in basis and "不满意" in basis
    earlier = section(page, "redo-earlier")
    assert "被重办的原答复" in earlier and REPLY["result"] in earlier and REPLY["department"] in earlier


def test_first_reply_page_has_no_redo_section(client, db, tickets):
    t = tickets.handling()
    as_user(client, db, "handler")
    page = text(client.get(task_url(db, t, "reply")))
    assert 'id="redo-basis"' not in page and 'id="extension-refused"' not in page


# -- 4: a refused extension on the reply page and in the inbox ------------------------------------------------------

def test_refused_extension_is_said_on_the_reply_page_and_tagged_in_the_inbox(client, db, tickets):
    t = tickets.handling()
    due = fmt_due(fresh(db, t.id).handling_due.isoformat())
    tickets.act("handler", t, "reply", action="extension", days=3, reason="需等待检测报告")
    as_user(client, db, "handler")
    assert "延期未获批准" not in text(client.get("/inbox"))  # still waiting: 延期审批中, not refused
    tickets.act("reviewer", t, "extension_review", decision="deny", reason="现有材料足以答复，无需延期")
    assert fmt_due(fresh(db, t.id).handling_due.isoformat()) == due
    page = text(client.get(task_url(db, t, "reply")))
    refused = section(page, "extension-refused")
    assert "延期申请未获批准" in refused and "现有材料足以答复，无需延期" in refused
    assert f"仍按原办理时限 {due} 办结" in refused
    inbox = text(client.get("/inbox"))
    card = re.search(rf'<li class="item[^"]*">\s*<div class="head"><a href="/tickets/{t.id}".*?</li>', inbox, re.S)
    assert card and "延期未获批准" in card.group(0) and due in card.group(0)
    assert worklist_tags(client, t) == ["延期未获批准"]  # 我的待办 carries the same tag as the inbox
    # Once redone, the refusal belongs to the first round: the redo has its own deadline and no extension.
    tickets.act("handler", t, "reply", **REPLY)
    tickets.act("reviewer", t, "review", decision="accept")
    tickets.act("agent", t, "evaluate", intake_rating="satisfied", handling_rating="dissatisfied", method="callback",
                comment=COMPLAINT)
    tickets.act("reviewer", t, "redo_decision", kind="reasonable", reason=FINDING)
    page = text(client.get(task_url(db, t, "reply")))
    assert 'id="redo-basis"' in page and 'id="extension-refused"' not in page
    assert "延期未获批准" not in text(client.get("/inbox"))
    assert worklist_tags(client, t) == ["重办"]


# -- 6: the consultation's deadline on the worklist and the ticket page -------------------------------------------

def test_consultation_deadline_on_the_worklist_and_the_ticket_page_with_each_unit(client, db, tickets):
    t = tickets.new()
    zjj, rsj = unit_id(db, "HY-ZJJ"), unit_id(db, "HY-RSJ")
    tickets.act("dispatcher", t, "dispatch", action="joint_review", reason="住建与人社职责交叉")
    tickets.act("reviewer", t, "jr_meeting", participants="住建局、人社局", meeting_date="2026-11-25",
                minutes="会商认为需征求主管部门意见", consult_units=[zjj, rsj])
    db.session.rollback()
    due = fmt_due(db.session.scalar(select(JointReview.consult_due).where(JointReview.ticket_id == t.id)).isoformat())
    as_user(client, db, "receiver")
    worklist = text(client.get("/tasks"))
    row = re.search(rf'<tr>(?:(?!</tr>).)*?{t.number}.*?</tr>', worklist, re.S)
    assert row and "主管部门意见" in row.group(0) and due in row.group(0)
    # The unit's landing page lists what is asked of it, though it holds no assignment: 征求意见, the task, its deadline.
    inbox = text(client.get("/inbox"))
    item = re.search(rf'<li class="item[^"]*">(?:(?!</li>).)*?{t.number}.*?</li>', inbox, re.S)
    assert item and "征求意见" in item.group(0) and f"主管部门意见期限 {due}" in item.group(0)
    assert "/tasks/" in item.group(0)  # the task opens from the card
    # A department asked for its opinion on jurisdiction does not contact the citizen: the details stay masked.
    task_page = text(client.get(re.search(r'href="(/tickets/\d+/tasks/[^"]+)"', item.group(0)).group(1)))
    assert t.citizen_phone not in task_page and t.citizen_phone[:3] + "****" + t.citizen_phone[-4:] in task_page
    page = text(client.get(f"/tickets/{t.id}"))
    names = dict(db.session.execute(select(Unit.id, Unit.name).where(Unit.id.in_([zjj, rsj]))).all())
    current = page[page.index("<h2>当前环节</h2>"):page.index("<h2>时限</h2>")]
    assert names[zjj] in current and names[rsj] in current and current.count(due) == 2
    assert "当前环节没有计时的时限" not in page and "主管部门意见期限" in page
    # Once the departments have answered, the office's decision page says so instead of their old deadline.
    for who, opinion in (("receiver", "属住建部门职责。"), ("receiver2", "人社局不参与。")):
        as_user(client, db, who)
        r = post(client, task_url(db, t, "jr_consult"), {"op": "submit", "consult_opinion": opinion})
        assert r.status_code == 302, text(r)[:2000]
    as_user(client, db, "reviewer")
    state = re.search(r'<dd id="consult-state">(.*?)</dd>', text(client.get(task_url(db, t, "jr_decide"))), re.S)
    assert state and state.group(1) == f"{names[zjj]}（已答复）、{names[rsj]}（已答复）"


# -- 7: the city government's decision on the lead unit's sign page ------------------------------------------------

CITY = "经研究，该事项由市住房和城乡建设局主办，市人力资源和社会保障局协办，限期办结。"


def city_decided(tickets, db):
    t = tickets.new()
    zjj, rsj = unit_id(db, "HY-ZJJ"), unit_id(db, "HY-RSJ")
    tickets.act("dispatcher", t, "dispatch", action="joint_review", reason="职责争议")
    tickets.act("reviewer", t, "jr_meeting", participants="两局", meeting_date="2026-11-25", minutes="未达成一致")
    tickets.act("reviewer", t, "jr_decide", outcome="escalate", decision_text="职责争议无法协商一致")
    tickets.act("reviewer", t, "jr_proposal", proposal="建议由住建局主办")
    tickets.act("city_leader", t, "jr_city_decision", city_decision=CITY, lead_unit=zjj, co_units=[rsj])
    return t


def test_sign_page_of_a_city_decided_ticket_shows_the_decision_and_offers_no_return(client, db, tickets):
    t = city_decided(tickets, db)
    as_user(client, db, "receiver")
    url = task_url(db, t, "sign")
    page = text(client.get(url))
    decision = section(page, "city-decision")
    assert "市政府决定" in decision and CITY in decision and "市领导" in decision and "决定时间" in decision
    assert 'value="return"' not in page and 'name="return_reason"' not in page and "不能退回" in page
    assert "<h1>签收 <small>" in page and "签收或退回" not in page  # the page is named for what it offers
    assert re.search(r'<input(?=[^>]*\bchecked\b)[^>]*value="sign"', page)  # its one choice is shown chosen
    r = post(client, url, {"op": "submit", "decision": "return", "return_reason": "非本单位职责",
                           "return_basis": "三定方案"})
    assert r.status_code == 400 and fresh(db, t.id).status == "signing"
    assert "该工单的承办单位已由市政府审定（第八条第四项），不能退回，请签收后办理" in text(r)
    with pytest.raises(Invalid) as err:  # the service refuses too
        tickets.act("receiver", t, "sign", decision="return", return_reason="非本单位职责", return_basis="三定方案")
    assert err.value.message_zh == "该工单的承办单位已由市政府审定（第八条第四项），不能退回，请签收后办理"
    api = api_login(client, "receiver")  # and the API offers only 签收, and refuses a return in Chinese
    view = client.get(f"/api/v1/tickets/{t.id}", headers=api).json
    assert [task["decisions"] for task in view["tasks"] if task["task"] == "sign"] == [{"sign": "签收"}]
    r = client.post(f"/api/v1/tickets/{t.id}/tasks/sign", headers=api,
                    json={"decision": "return", "return_reason": "非本单位职责", "return_basis": "三定方案"})
    assert r.status_code == 400 and r.json["error"]["code"] == "return_city_decided"
    as_user(client, db, "receiver")
    r = post(client, url, {"op": "submit", "decision": "sign"})
    assert r.status_code == 302 and fresh(db, t.id).status in ("co_handling", "handling")


def test_an_ordinary_sign_page_still_offers_return(client, db, tickets):
    t = tickets.dispatched()
    as_user(client, db, "receiver")
    page = text(client.get(task_url(db, t, "sign")))
    assert 'value="return"' in page and 'id="city-decision"' not in page
    assert "<h1>签收或退回 <small>" in page and not re.search(r'<input(?=[^>]*\bchecked\b)[^>]*value="sign"', page)
