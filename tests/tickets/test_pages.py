"""The work pages through the Flask test client with CSRF on: a ticket's whole life by form posts, the intake's
decisions and panels, other units denied, returns, co-handling, the county tier, review, redo, extension, card colours.
Bad input re-renders the form with Chinese errors and writes nothing."""
from __future__ import annotations

import re

import lxml.html
from sqlalchemy import select

from engine.common.db import transaction
from engine.domain.calendar import TZ
from engine.knowledge import search as kb_search
from engine.models import AuditLog, Evaluation, KnowledgeEntry, PiiView, Reply, Supervision, Ticket
from engine.oversight.supervision import open_supervision
from tests.support.helpers import CITIZEN, REPLY, user
from tests.support.pages import INTAKE, count, fresh, last_ticket, login, post, text, unit_id

# -- the whole life of a ticket by form posts ------------------------------------------------------------------------

def task_url(ticket_id: int, task: str) -> str:
    return f"/tickets/{ticket_id}/tasks/{task}"


def complete(client, ticket_id: int, task: str, data: dict, expect: int = 302):
    r = post(client, task_url(ticket_id, task), {"op": "submit", **data})
    assert r.status_code == expect, text(r)[:3000]
    return r


def test_full_life_by_form_posts(client, db, clock):
    login(client, "agent")
    r = post(client, "/intake", {**INTAKE, "op": "submit"})
    assert r.status_code == 302, text(r)[:3000]
    t = last_ticket(db)
    page = text(client.get(r.headers["Location"]))
    assert t.number in page and 'id="query-code"' in page
    assert t.status == "dispatching"
    assert 'id="query-code"' not in text(client.get(r.headers["Location"]))  # shown once

    login(client, "dispatcher")
    queue = text(client.get("/dispatch"))
    assert t.number in queue
    form = text(client.get(task_url(t.id, "dispatch")))
    zjj = unit_id(db, "HY-ZJJ")
    # Suggested with reasons, never preselected: the dispatcher decides (issue 21).
    assert not re.search(rf'<option selected value="{zjj}">|<option value="{zjj}" selected', form)
    assert "河源市住房和城乡建设局" in form.split('id="dispatch-suggestions"')[1].split("</section>")[0]
    complete(client, t.id, "dispatch", {"mode": "direct", "lead_unit": zjj})
    assert fresh(db, t.id).status == "signing"

    clock.set("2026-11-25T15:00:00+08:00")
    login(client, "receiver")
    inbox = text(client.get("/inbox"))
    assert t.number in inbox and "签收或退回" in inbox
    assert "退回" in text(client.get(task_url(t.id, "sign")))
    complete(client, t.id, "sign", {"decision": "sign"})
    assert fresh(db, t.id).status == "handling"

    clock.set("2026-11-26T09:00:00+08:00")
    login(client, "handler")
    assert "办理答复" in text(client.get("/inbox"))
    complete(client, t.id, "reply", {**REPLY, "handled_at": "2026-11-26T08:30", "citizen_informed": "y"})
    reply = db.session.scalar(select(Reply).where(Reply.ticket_id == t.id))
    assert reply.department == REPLY["department"] and reply.handled_at.isoformat().startswith("2026-11-26T00:30")
    assert fresh(db, t.id).status == "reviewing"

    clock.set("2026-11-26T10:00:00+08:00")
    login(client, "reviewer")
    review = text(client.get("/office/review"))
    assert t.number in review
    assert REPLY["result"] in text(client.get(task_url(t.id, "review")))
    complete(client, t.id, "review", {"decision": "accept"})
    assert fresh(db, t.id).status == "evaluating"

    clock.set("2026-11-27T10:00:00+08:00")
    login(client, "agent")
    assert t.number in text(client.get("/tasks"))
    complete(client, t.id, "evaluate", {"intake_rating": "very_satisfied", "handling_rating": "satisfied",
                                        "method": "callback", "comment": "处理及时"})
    t = fresh(db, t.id)
    assert t.status == "archived" and t.intake_rating == "very_satisfied"
    page = text(client.get(f"/tickets/{t.id}"))
    for label in ("登记诉求", "派单", "签收", "办理答复", "审核通过", "回访评价", "归档"):
        assert label in page
    assert "非常满意" in page and "市住房和城乡建设局建筑管理科" in page


def test_bad_intake_shows_chinese_errors_and_saves_nothing(client, db):
    login(client, "agent")
    before = count(db, Ticket), count(db, AuditLog)
    r = post(client, "/intake", {**INTAKE, "citizen_name": "", "citizen_phone": "abc", "content": " ",
                                 "ticket_type": "", "op": "submit"})
    page = text(r)
    assert r.status_code == 400
    for message in ("请填写诉求人姓名", "联系电话格式不正确", "请填写诉求内容", "请选择诉求类型"):
        assert message in page
    assert 'class="field f-citizen_name  has-error"' in page
    assert (count(db, Ticket), count(db, AuditLog)) == before
    assert CITIZEN["address"] in page  # what was typed is kept


def test_refusal_reason_8_needs_an_earlier_ticket_from_the_history_panel(client, db, tickets):
    earlier = tickets.dispatched()
    login(client, "agent")
    data = {**INTAKE, "scope": "refuse", "refusal_code": "8", "refusal_explanation": "同一事项正在办理中。"}
    r = post(client, "/intake", {**data, "op": "history"})
    assert r.status_code == 200 and earlier.number in text(r) and "同一来电" in text(r)
    before = count(db, Ticket)
    r = post(client, "/intake", {**data, "op": "submit"})
    assert r.status_code == 400 and "该理由须关联此前已受理的同一事项工单" in text(r)
    assert count(db, Ticket) == before  # the registration is rolled back with the refused decision
    r = post(client, "/intake", {**data, "related_ticket_id": str(earlier.id), "op": "submit"})
    assert r.status_code == 302
    t = last_ticket(db)
    assert t.status == "refused" and t.refusal_code == 8 and t.related_ticket_id == earlier.id
    page = text(client.get(f"/tickets/{t.id}"))
    assert "同一事项正在办理中。" in page and earlier.number in page


def test_immediate_answer_from_the_knowledge_base_search(client, db):
    entry = db.session.scalar(select(KnowledgeEntry).where(KnowledgeEntry.title == "社会保障卡挂失与补办"))
    login(client, "agent")
    data = {**INTAKE, "ticket_type": "consult", "content": "社保卡丢了怎么补办？", "scope": "answer"}
    r = post(client, "/intake", {**data, "kb_q": "社保卡", "op": "kb"})
    assert r.status_code == 200 and entry.title in text(r) and f'value="{entry.id}"' in text(r)
    r = post(client, "/intake", {**data, "op": "submit"})
    assert r.status_code == 400 and "即时答复须选择作答的知识库条目" in text(r)
    r = post(client, "/intake", {**data, "kb_entry_id": str(entry.id), "op": "submit"})
    assert r.status_code == 302
    t = last_ticket(db)
    assert t.status == "evaluating" and t.kb_entry_id == entry.id and t.answer_text == kb_search.plain_text(entry.content)


def test_the_scope_hints_name_the_panels_shown_and_not_where_they_sit(client, db, tickets):
    # On a phone the panels come under the form, not to its right: the hints name them by their headings instead.
    t = tickets.new(scope=None)
    login(client, "agent")
    for url in ("/intake", task_url(t.id, "decide_scope")):
        page = text(client.get(url))
        assert "须在“既往工单”栏中选定关联的工单" in page and "在“知识库”栏中选定作答条目" in page, url
        assert "右侧" not in page, url
        panels = re.findall(r"在“(.+?)”栏中", page)
        assert sorted(panels) == ["既往工单", "知识库"], (url, panels)
        for panel in panels:  # each panel a hint names is on the page under that heading
            assert re.search(rf"<h2>{panel}[ <]", page), (url, panel)


def test_channel_ticket_is_scoped_on_its_task_page(client, db, tickets):
    t = tickets.new(scope=None)
    login(client, "agent")
    page = text(client.get(task_url(t.id, "decide_scope")))
    assert "受理审查" in page and "不予受理理由" in page
    complete(client, t.id, "decide_scope", {"scope": "refuse"}, expect=400)
    complete(client, t.id, "decide_scope", {"scope": "refuse", "refusal_code": "2",
                                             "refusal_explanation": "请拨打110。"}, expect=400)  # no handoff yet
    complete(client, t.id, "decide_scope", {"scope": "refuse", "refusal_code": "2", "handoff_line": "110",
                                             "handoff_outcome": "transferred", "refusal_explanation": "请拨打110。"})
    assert fresh(db, t.id).status == "refused"


# -- other units, returns, co-handling, county tier, review, redo --------------------------------------------------

def test_another_unit_is_denied_the_ticket(client, db, tickets):
    t = tickets.dispatched()
    login(client, "receiver2")
    assert client.get(f"/tickets/{t.id}").status_code == 404
    assert client.get(task_url(t.id, "sign")).status_code == 404
    r = post(client, task_url(t.id, "sign"), {"decision": "sign", "op": "submit"}, get_url="/inbox")
    assert r.status_code == 404 and "无权查看" in text(r)
    assert t.number not in text(client.get("/inbox")) and t.number not in text(client.get("/tickets"))
    before = count(db, PiiView)
    r = post(client, f"/tickets/{t.id}/reveal", {"reason": "想看看是谁投诉的"}, get_url="/inbox")
    assert r.status_code == 404 and count(db, PiiView) == before
    assert fresh(db, t.id).status == "signing"
    login(client, "handler")  # same unit, wrong role: may see, may not sign
    assert client.get(f"/tickets/{t.id}").status_code == 200
    assert client.get(task_url(t.id, "sign")).status_code == 403


def test_return_within_the_window_then_the_return_option_disappears(client, db, tickets, clock):
    t = tickets.dispatched()
    login(client, "receiver")
    r = complete(client, t.id, "sign", {"decision": "return"}, expect=400)
    assert "请填写退回理由" in text(r) and "请填写退回的法律法规或文件依据" in text(r)
    assert fresh(db, t.id).status == "signing"
    complete(client, t.id, "sign", {"decision": "return", "return_reason": "属于人社部门职责",
                                    "return_basis": "《劳动保障监察条例》第十三条"})
    assert fresh(db, t.id).status == "dispatching"
    login(client, "dispatcher")
    queue = text(client.get("/dispatch"))
    assert "已退回" in queue and "属于人社部门职责" in queue
    complete(client, t.id, "dispatch", {"mode": "direct", "lead_unit": unit_id(db, "HY-ZJJ")})
    clock.set("2026-11-27T00:00:01+08:00")  # received Wed 10:00 → window closed Thu 24:00
    login(client, "receiver")
    page = text(client.get(task_url(t.id, "sign")))
    assert 'value="return"' not in page and "视同接受" in page
    r = complete(client, t.id, "sign", {"decision": "return", "return_reason": "x", "return_basis": "y"},
                 expect=400)
    assert "已超过1个工作日的退回期限，视同接受，不能再退回" in text(r) and fresh(db, t.id).status == "signing"
    complete(client, t.id, "sign", {"decision": "sign"})


def test_co_handling_and_county_dispatch(client, db, tickets):
    t = tickets.new()
    login(client, "dispatcher")
    complete(client, t.id, "dispatch", {"mode": "direct", "lead_unit": unit_id(db, "HY-ZJJ"),
                                        "co_units": [str(unit_id(db, "HY-RSJ"))]})
    tickets.act("receiver", t, "sign", decision="sign")
    login(client, "handler2")
    r = complete(client, t.id, "co_handle", {"co_part": ""}, expect=400)
    assert "请填写协办意见" in text(r)
    complete(client, t.id, "co_handle", {"co_part": "已核查欠薪情况"})
    login(client, "handler")
    assert "已核查欠薪情况" in text(client.get(task_url(t.id, "reply")))

    c = tickets.new()
    login(client, "dispatcher")
    complete(client, c.id, "dispatch", {"mode": "county", "via_county": unit_id(db, "YC-OFFICE")})
    assert fresh(db, c.id).status == "county_dispatching"
    login(client, "county_dispatcher")
    assert c.number in text(client.get("/dispatch"))
    page = text(client.get(task_url(c.id, "county_dispatch")))
    assert "源城区住房和城乡建设局" in page and "河源市住房和城乡建设局" not in page
    r = complete(client, c.id, "county_dispatch", {"lead_unit": unit_id(db, "HY-ZJJ")}, expect=400)
    assert "所选项无效" in text(r)
    complete(client, c.id, "county_dispatch", {"lead_unit": unit_id(db, "YC-ZJJ")})
    assert fresh(db, c.id).status == "signing"


def test_review_back_then_dissatisfied_then_redo_decision(client, db, tickets, clock):
    t = tickets.reviewing()
    login(client, "reviewer")
    r = complete(client, t.id, "review", {"decision": "back"}, expect=400)
    assert "请填写退回理由" in text(r) and fresh(db, t.id).status == "reviewing"
    complete(client, t.id, "review", {"decision": "back", "reason": "答复未说明具体条款"})
    login(client, "handler")
    assert "答复未说明具体条款" in text(client.get(task_url(t.id, "reply")))
    tickets.act("handler", t, "reply", **REPLY)
    tickets.act("reviewer", t, "review", decision="accept")
    login(client, "agent")
    r = complete(client, t.id, "evaluate", {"method": "callback"}, expect=400)
    assert "请选择对热线受理的评价" in text(r) and "请选择对承办单位办理的评价" in text(r)
    assert count(db, Evaluation) == 0
    r = complete(client, t.id, "evaluate", {"intake_rating": "satisfied", "handling_rating": "dissatisfied",
                                            "method": "callback"}, expect=400)
    assert "评价为不满意或非常不满意的，请写明不满意的理由" in text(r) and count(db, Evaluation) == 0
    complete(client, t.id, "evaluate", {"intake_rating": "satisfied", "handling_rating": "dissatisfied",
                                        "method": "callback", "comment": "夜间施工仍未停止"})
    assert fresh(db, t.id).status == "redo_deciding"
    login(client, "reviewer")
    assert t.number in text(client.get("/office/review"))
    page = text(client.get(task_url(t.id, "redo_decision")))
    assert "夜间施工仍未停止" in page and REPLY["result"] in page  # the citizen's reason and the rated reply
    complete(client, t.id, "redo_decision", {"reasonable": "yes", "reason": "问题仍未解决"})
    t = fresh(db, t.id)
    assert t.status == "handling" and t.redo_count == 1
    login(client, "handler")
    assert "重办" in text(client.get("/inbox"))


def test_inbox_shows_time_left_and_card_colours(client, db, tickets, clock):
    t = tickets.handling()  # complaint received Wed 2026-11-25: warning after 9 WD, yellow after 10, red after 11
    login(client, "handler")
    page = text(client.get("/inbox"))
    assert t.number in page and "剩余" in page and "lvl-normal" in page
    for when, label, level in (("2026-12-09T09:00:00+08:00", "预警", "warning"),
                               ("2026-12-10T09:00:00+08:00", "黄牌", "yellow"),
                               ("2026-12-11T09:00:00+08:00", "红牌", "red")):
        clock.set(when)
        page = text(client.get("/inbox"))
        assert f"lvl-{level}" in page and label in page, when
    assert "已超期" in page


def test_unit_asks_for_an_extension_and_the_office_approves_it(client, db, tickets, clock):
    from engine.models import ExtensionRequest

    t = tickets.handling()  # complaint received Wed 2026-11-25: due Wed 2026-12-09 24:00
    due = fresh(db, t.id).handling_due
    login(client, "handler")
    page = text(client.get(task_url(t.id, "reply")))
    assert "申请延期" in page and 'name="days"' in page
    r = complete(client, t.id, "reply", {"action": "extension", "days": "99", "reason": "需协调多个部门现场核查"},
                 expect=400)
    assert "延期天数须为1至" in text(r) and count(db, ExtensionRequest) == 0
    r = complete(client, t.id, "reply", {"action": "extension", "days": "5", "reason": "需协调多个部门现场核查"})
    flashed = text(client.get(r.headers["Location"]))
    assert "已申请延期5个工作日，待热线办审核员在原办理时限（2026-12-09 24:00）前审批" in flashed
    assert "审批期间暂不能提交答复" in flashed and "「办理答复」已完成" not in flashed
    assert count(db, ExtensionRequest) == 1
    login(client, "reviewer")
    # The reviewer's work list gives the approval the unit's deadline: after it, an approval comes too late.
    row = next(li for li in lxml.html.fromstring(client.get("/tasks").get_data(as_text=True)).xpath("//tr|//li")
               if t.number in li.text_content() and "延期审批" in li.text_content())
    assert "2026-12-09 24:00" in row.text_content()
    assert "待审批的延期申请" in text(client.get("/office/review"))
    page = text(client.get(task_url(t.id, "extension_review")))
    # What the approver decides on: the days, the unit's reason, the deadline now and the one approval gives.
    assert "5个工作日" in page and "需协调多个部门现场核查" in page and "2026-12-09 24:00" in page
    assert "2026-12-16 24:00" in page and "经批准延期5个工作日" in page
    assert 'name="due"' not in page and 'name="extension_opinion"' not in page  # computed, never typed
    r = complete(client, t.id, "extension_review", {"decision": "deny"}, expect=400)
    assert "请填写不批准的理由" in text(r)
    complete(client, t.id, "extension_review", {"decision": "approve", "reason": "同意延期"})
    t = fresh(db, t.id)
    assert t.handling_due > due and t.handling_due.astimezone(TZ).date().isoformat() == "2026-12-17"
    ticket_page = text(client.get(f"/tickets/{t.id}"))
    assert "经批准延期5个工作日" in ticket_page and "2026-12-16 24:00" in ticket_page
    login(client, "handler")
    page = text(client.get(task_url(t.id, "reply")))
    assert 'name="days"' not in page and "每件工单只能申请一次延期" in page
    assert "经批准延期5个工作日" in page  # the handler's page too names the deadline in force


def test_dispatcher_sends_a_disputed_ticket_to_joint_review(client, db, tickets):
    t = tickets.new()
    login(client, "dispatcher")
    r = complete(client, t.id, "dispatch", {"mode": "joint_review"}, expect=400)
    assert "提请联合审定的理由" in text(r) and fresh(db, t.id).status == "dispatching"
    complete(client, t.id, "dispatch", {"mode": "joint_review", "reason": "涉及住建、城管职责交叉"})
    assert fresh(db, t.id).status == "joint_review"


def test_supervision_is_answered_and_checked_on_the_generated_task_pages(client, db, tickets):
    t = tickets.handling()
    with transaction(db.session):
        open_supervision(db.session, user(db.session, "supervisor"), t.id, "supervisor", tickets.clock())
    login(client, "unit_leader")
    inbox = text(client.get("/inbox"))
    assert "督办答复" in inbox
    page = text(client.get(task_url(t.id, "sup_reply")))
    assert "督办答复" in page and "书面说明" in page
    opener = user(db.session, "supervisor").label
    assert "督办员决定" in page and opener in page and "2026-11-27 24:00" in page  # why, who, by when (2 WD)
    r = complete(client, t.id, "sup_reply", {"reply_text": "已约谈施工单位"}, expect=400)
    assert "请填写书面说明" in text(r) and "已约谈施工单位" in text(r)  # what was typed stays
    complete(client, t.id, "sup_reply", {"reply_text": "已约谈施工单位", "written_explanation": "夜间施工已停止。"})
    login(client, "supervisor")
    assert "督办审核" in text(client.get("/tasks"))
    page = text(client.get(task_url(t.id, "sup_check")))
    assert "合格，督办办结" in page and "已约谈施工单位" in page and "夜间施工已停止。" in page
    complete(client, t.id, "sup_check", {"decision": "accept", "reason": "答复完整"})
    sup = db.session.scalar(select(Supervision).where(Supervision.ticket_id == t.id))
    assert sup.status == "closed" and sup.written_explanation == "夜间施工已停止。"
