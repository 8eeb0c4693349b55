"""The side processes clicked through in headless chromium, each person on their own page: a joint review to the city
leader's decision, a supervision opened by a red card and answered by the unit, an extension approved, a redo after
不满意 with its reason. Every decision page is checked for the facts it decides on. Screenshots go to
test-output/screenshots/."""
from __future__ import annotations

from sqlalchemy import select

from engine.clocks import monitor
from engine.common.db import transaction
from engine.models import ExtensionRequest, JointReview, Supervision, Ticket
from engine.oversight import take_red_cards
from tests.support.helpers import REPLY
from tests.support.pages import unit_id

MINUTES = "一、住建局认为夜间施工噪声属城管执法范围。\n二、城管局认为施工许可和工地管理属住建部门职责。\n三、未达成一致。"


def ticket(db, number: str) -> Ticket:
    db.session.rollback()
    return db.session.scalar(select(Ticket).where(Ticket.number == number))


def open_task(page, number: str, title: str) -> None:
    """From the person's worklist, open the task of this ticket."""
    page.goto("/tasks")
    page.locator("tr", has_text=number).filter(has_text=title).get_by_role("link", name="办理").click()
    page.wait_for_load_state()
    assert title in page.inner_text("h1"), page.inner_text("body")[:500]


def test_joint_review_to_the_city_leaders_decision(people, db, tickets, shot):
    t = tickets.new()
    zjj, rsj = unit_id(db, "HY-ZJJ"), unit_id(db, "HY-RSJ")

    dispatcher = people.signed_in("dispatcher")
    dispatcher.goto(f"/tickets/{t.id}/tasks/dispatch")
    dispatcher.check("input[name=mode][value=joint_review]")
    dispatcher.fill("#reason", "工地夜间施工噪声，住建与城管职责交叉")
    dispatcher.click("button:has-text('提交')")
    assert ticket(db, t.number).status == "joint_review"

    reviewer = people.signed_in("reviewer")
    open_task(reviewer, t.number, "会商协调")
    assert "住建与城管职责交叉" in reviewer.inner_text("#dispute-facts")
    reviewer.fill("#meeting_date", "2026-11-26")
    reviewer.fill("#participants", "市住建局 李科长\n市城管局 王科长")
    reviewer.fill("#minutes", MINUTES)
    shot(reviewer, "jr-01-meeting")
    reviewer.click("button:has-text('提交')")

    open_task(reviewer, t.number, "审定决定")
    assert "未达成一致" in reviewer.inner_text("body")
    reviewer.check("input[name=outcome][value=escalate]")
    reviewer.fill("#decision_text", "职责争议经会商仍不能确定，建议报市政府决定。")
    reviewer.click("button:has-text('提交')")

    open_task(reviewer, t.number, "拟办意见")
    # The proposal starts from the decision's words: the reviewer adds to them instead of writing them again.
    assert reviewer.input_value("#proposal") == "职责争议经会商仍不能确定，建议报市政府决定。"
    reviewer.locator("#proposal").press("End")
    reviewer.locator("#proposal").type("\n建议由市住建局主办，市人社局协办。")
    shot(reviewer, "jr-02-proposal")
    reviewer.click("button:has-text('提交')")

    leader = people.signed_in("city_leader")
    open_task(leader, t.number, "市政府决定")
    facts = leader.inner_text("#dispute-facts") + leader.inner_text("#joint-facts")
    for said in ("住建与城管职责交叉", "未达成一致", "职责争议经会商仍不能确定", "建议由市住建局主办，市人社局协办"):
        assert said in facts, said
    leader.select_option("#lead_unit", str(zjj))
    leader.check(f"input[name=co_units][value='{rsj}']")
    leader.fill("#city_decision", "同意拟办意见，由市住建局主办、市人社局协办，限期办结。")
    shot(leader, "jr-03-city-decision")
    leader.click("button:has-text('提交')")
    assert "已完成" in leader.inner_text(".flash")

    done = ticket(db, t.number)
    assert done.status == "signing" and done.lead_unit_id == zjj  # straight to the decided unit's sign task
    jr = db.session.scalar(select(JointReview).where(JointReview.ticket_id == t.id))
    assert jr.outcome == "city" and jr.minutes == MINUTES and jr.co_unit_ids == [rsj]

    receiver = people.signed_in("receiver")
    receiver.locator("li.item", has_text=t.number).get_by_role("link", name="签收或退回").click()
    # Named by the city government's decision (Art. 8(4)): the page is 签收 alone, already chosen.
    assert receiver.inner_text("h1").startswith("签收 ") and receiver.is_checked("input[value='sign']")
    assert receiver.locator("input[value='return']").count() == 0
    receiver.goto(f"/tickets/{t.id}")
    page = receiver.inner_text("body")
    assert "二、城管局认为施工许可和工地管理属住建部门职责。" in page and "同意拟办意见" in page
    shot(receiver, "jr-04-ticket-record")


def test_red_card_supervision_answered_by_the_unit(people, db, tickets, clock, shot):
    t = tickets.handling()  # complaint received Wed 2026-11-25: red card after 11 WD, at 2026-12-11 00:00
    when = clock.set("2026-12-11T09:00:00+08:00")
    with transaction(db.session):
        monitor.monitor_pass(db.session, when)
    with transaction(db.session):
        assert take_red_cards(db.session, when) == 1
        assert take_red_cards(db.session, when) == 0

    leader = people.signed_in("unit_leader", phone=True)
    leader.locator("li.item", has_text=t.number).get_by_role("link", name="督办答复").click()
    facts = leader.inner_text(".supervision")
    assert "红牌" in facts and "系统（红牌自动督办）" in facts and "办理环节红牌" in facts
    assert "2026-12-15 24:00" in facts  # 2 working days from the red card
    assert "handling" not in facts and "red_card" not in facts
    leader.fill("#reply_text", "已约谈施工单位负责人，责令停止夜间施工。")
    leader.fill("#written_explanation", "一、逾期原因：需协调多部门联合执法。\n二、整改措施：已停止夜间施工。")
    shot(leader, "sup-01-reply-phone")
    leader.click("button:has-text('提交')")

    supervisor = people.signed_in("supervisor")
    open_task(supervisor, t.number, "督办审核")
    assert "二、整改措施：已停止夜间施工。" in supervisor.inner_text(".supervision")
    supervisor.check("input[name=decision][value=accept]")
    supervisor.fill("#reason", "答复完整，同意办结")
    supervisor.click("button:has-text('提交')")
    sups = db.session.scalars(select(Supervision).where(Supervision.ticket_id == t.id)).all()
    assert [s.status for s in sups] == ["closed"] and sups[0].rounds[0]["opinion"] == "答复完整，同意办结"

    supervisor.goto("/oversight/supervisions")
    rows = supervisor.locator("table.list tbody tr", has_text=t.number)
    assert rows.count() == 1 and "红牌" in rows.inner_text()
    supervisor.goto(f"/tickets/{t.id}")
    body = supervisor.inner_text("body")
    assert "一、逾期原因：需协调多部门联合执法。" in body and "答复完整，同意办结" in body
    timeline = supervisor.inner_text(".timeline")
    assert "事由：红牌" in timeline and "supervisor" not in timeline and "red_card" not in timeline
    shot(supervisor, "sup-02-ticket-record")


def test_extension_asked_and_approved(people, db, tickets, shot):
    t = tickets.handling()  # due Wed 2026-12-09 24:00

    handler = people.signed_in("handler", phone=True)
    handler.locator("li.item", has_text=t.number).get_by_role("link", name="办理答复").click()
    handler.check("input[name=action][value=extension]")
    handler.fill("#days", "5")
    handler.fill("#reason", "需住建、城管联合现场核查")
    handler.click("button:has-text('提交')")
    assert "已申请延期5个工作日" in handler.inner_text(".flash")

    reviewer = people.signed_in("reviewer")
    open_task(reviewer, t.number, "延期审批")
    facts = reviewer.inner_text("#extension-facts")
    assert "5个工作日" in facts and "需住建、城管联合现场核查" in facts and "2026-12-09 24:00" in facts
    assert "2026-12-16 24:00" in reviewer.inner_text("#extension-new-due")  # computed, not typed
    reviewer.check("input[name=decision][value=approve]")
    shot(reviewer, "ext-01-approve")
    reviewer.click("button:has-text('提交')")

    req = db.session.scalar(select(ExtensionRequest).where(ExtensionRequest.ticket_id == t.id))
    assert req.decision == "approve" and req.decision_reason == "同意延期"
    reviewer.goto(f"/tickets/{t.id}")
    clocks = reviewer.inner_text("#clocks-in-force")
    assert "2026-12-16 24:00" in clocks and "2026-12-09" not in clocks
    assert "经批准延期5个工作日" in reviewer.inner_text("aside")
    shot(reviewer, "ext-02-ticket")


def test_redo_after_dissatisfied_with_its_reason(people, db, tickets, shot):
    t, code = tickets.new_with_code(scope="accept")
    tickets.act("dispatcher", t, "dispatch", lead_unit=unit_id(db, "HY-ZJJ"))
    tickets.act("receiver", t, "sign", decision="sign")
    tickets.act("handler", t, "reply", **REPLY, citizen_informed=True)
    tickets.act("reviewer", t, "review", decision="accept")

    citizen = people.page(phone=True)
    citizen.goto("/public/track")
    citizen.fill("#number", t.number)
    citizen.fill("#code", code)
    citizen.click("button:has-text('查询')")
    progress = citizen.inner_text("#progress")
    assert REPLY["department"] in progress and REPLY["basis"] in progress  # Art. 12 facts
    citizen.check("input[name=intake_rating][value=satisfied]")
    citizen.check("input[name=handling_rating][value=dissatisfied]")
    citizen.click("button:has-text('提交评价')")
    assert "评价为不满意或非常不满意的，请写明不满意的理由" in citizen.inner_text("body")
    assert ticket(db, t.number).status == "evaluating"
    citizen.check("input[name=handling_rating][value=dissatisfied]")
    citizen.fill("#comment", "晚上十点后工地仍在施工，问题没有解决。")
    citizen.click("button:has-text('提交评价')")
    assert "感谢您的评价" in citizen.inner_text("body")

    reviewer = people.signed_in("reviewer")
    open_task(reviewer, t.number, "重办审定")
    assert "晚上十点后工地仍在施工，问题没有解决。" in reviewer.inner_text("#redo-facts")
    assert REPLY["result"] in reviewer.inner_text("#rated-reply")
    reviewer.check("input[name=reasonable][value=yes]")
    reviewer.fill("#reason", "经回访核实，夜间施工仍在继续，理由合理")
    shot(reviewer, "redo-01-decision")
    reviewer.click("button:has-text('提交')")
    redone = ticket(db, t.number)
    assert redone.status == "handling" and redone.redo_count == 1

    reviewer.goto(f"/tickets/{t.id}")
    side = reviewer.inner_text("aside")
    assert "重办：自重办派单时" in side  # the deadline in force is counted from the redo
    assert "回访评价期限" not in side  # a redo shows the handling deadline in force only
    handler = people.signed_in("handler", phone=True)
    assert t.number in handler.inner_text(".inbox") and "重办" in handler.inner_text(".inbox")
    shot(handler, "redo-02-inbox-phone")


def test_when_the_engine_refuses_the_intake_keeps_everything_typed(people, db, shot, monkeypatch):
    """A broken diagram must not lose a call: the page comes back filled in and the office sees 登记失败."""
    from engine.models import FailedSubmission
    from engine.workflow import WorkflowError
    from engine.workflow.runtime import Runtime

    def broken(self, ref, data):
        raise WorkflowError("gateway gw_scope has no outgoing flow for this ticket")
    monkeypatch.setattr(Runtime, "start", broken)
    agent = people.signed_in("agent")
    agent.fill("#citizen_name", "李四")
    agent.fill("#citizen_phone", "13800005678")
    agent.fill("#address", "源城区新江街道")
    agent.select_option("#ticket_type", "complaint")
    agent.fill("#content", "楼下餐馆油烟扰民。\n已反映多次。")
    agent.check("input[name=scope][value=accept]")
    agent.click("button:has-text('提交登记')")
    assert "流程启动失败" in agent.inner_text(".alert") and "登记失败" in agent.inner_text(".alert")
    assert agent.input_value("#citizen_name") == "李四" and agent.input_value("#content") == "楼下餐馆油烟扰民。\n已反映多次。"
    shot(agent, "fail-01-intake-kept")
    db.session.rollback()
    row = db.session.scalar(select(FailedSubmission))
    assert row.kind == "intake" and row.data["citizen_phone"] == "13800005678" and "csrf_token" not in row.data
    monkeypatch.undo()
    agent.goto("/failures")
    assert "楼下餐馆油烟扰民" in agent.inner_text("#failures")
    agent.get_by_role("link", name="补登").click()
    assert agent.input_value("#content") == "楼下餐馆油烟扰民。\n已反映多次。"
    agent.click("button:has-text('提交登记')")
    number = agent.inner_text("#ticket-number").strip()
    db.session.rollback()
    row = db.session.get(FailedSubmission, row.id)
    assert row.status == "resolved" and row.resolved_ticket_id == ticket(db, number).id
