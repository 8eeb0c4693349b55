"""One ticket's whole life by clicking, as each person in turn, in headless chromium; another unit is denied it;
a bad form shows Chinese errors and saves nothing. Screenshots of the main pages go to test-output/screenshots/."""
from __future__ import annotations

from sqlalchemy import func, select

from engine.models import Evaluation, Ticket
from tests.support.helpers import CITIZEN, REPLY


def count(db, model) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


def ticket_by_number(db, number: str) -> Ticket:
    db.session.rollback()
    return db.session.scalar(select(Ticket).where(Ticket.number == number))


def register_by_clicking(page, **override) -> None:
    data = {**CITIZEN, **override}
    page.fill("#citizen_name", data["citizen_name"])
    page.fill("#citizen_phone", data["citizen_phone"])
    page.fill("#address", data["address"])
    page.select_option("#ticket_type", data["ticket_type"])
    page.select_option("#category", label=data["category"])
    page.fill("#content", data["content"])


def test_a_ticket_lives_its_whole_life_by_clicking(people, db, shot):
    # 话务员: register the call and accept it.
    agent = people.signed_in("agent")
    assert agent.url.endswith("/intake")
    register_by_clicking(agent)
    agent.fill("input[name=kb_q]", "噪音")
    agent.click("button[name=op][value=kb]")
    agent.check("input[name=scope][value=accept]")
    shot(agent, "01-intake")
    agent.click("button:has-text('提交登记')")
    number = agent.inner_text("#ticket-number").strip()
    code = agent.inner_text("#query-code").strip()
    shot(agent, "02-intake-done")
    assert ticket_by_number(db, number).status == "dispatching"

    # 派单员: the queue, then dispatch to the unit suggested first (nothing is preselected; the dispatcher picks).
    dispatcher = people.signed_in("dispatcher")
    assert dispatcher.url.endswith("/dispatch")
    shot(dispatcher, "03-dispatch-queue")
    dispatcher.locator("tr", has_text=number).get_by_role("link", name="派单").click()
    assert dispatcher.locator("#lead_unit").input_value() == ""
    assert "河源市住房和城乡建设局" in dispatcher.inner_text("#dispatch-suggestions")
    dispatcher.locator("#dispatch-suggestions li", has_text="河源市住房和城乡建设局").get_by_role("button", name="选用").click()
    assert dispatcher.locator("#lead_unit option:checked").inner_text() == "河源市住房和城乡建设局"
    shot(dispatcher, "04-dispatch-form")
    dispatcher.click("button:has-text('提交')")
    assert "已完成" in dispatcher.inner_text(".flash")
    assert ticket_by_number(db, number).status == "signing"

    # 受理人, on a phone: the inbox, then sign.
    receiver = people.signed_in("receiver", phone=True)
    assert receiver.url.endswith("/inbox")
    shot(receiver, "05-unit-inbox-phone")
    receiver.locator("li.item", has_text=number).get_by_role("link", name="签收或退回").click()
    receiver.wait_for_load_state()
    assert receiver.locator("input[name=decision][value=return]").count() == 1
    receiver.check("input[name=decision][value=sign]")
    shot(receiver, "06-sign-phone")
    receiver.click("button:has-text('提交')")
    assert ticket_by_number(db, number).status == "handling"

    # 经办人, on a phone: reply with every Art. 12 field.
    handler = people.signed_in("handler", phone=True)
    handler.locator("li.item", has_text=number).get_by_role("link", name="办理答复").click()
    for key in ("department", "handler_name", "result", "basis", "contact_method"):
        handler.fill(f"#{key}", REPLY[key])
    shot(handler, "07-reply-phone")
    handler.click("button:has-text('提交')")
    assert ticket_by_number(db, number).status == "reviewing"

    # 审核员: review the reply and approve it.
    reviewer = people.signed_in("reviewer")
    assert reviewer.url.endswith("/office/review")
    reviewer.locator("tr", has_text=number).get_by_role("link", name="办理").click()
    assert REPLY["result"] in reviewer.inner_text("body")
    reviewer.check("input[name=decision][value=accept]")
    shot(reviewer, "08-review")
    reviewer.click("button:has-text('提交')")
    assert ticket_by_number(db, number).status == "evaluating"

    # 诉求人: track with the number and query code, evaluate online.
    citizen = people.page(phone=True)
    citizen.goto("/public/track")
    citizen.fill("#number", number)
    citizen.fill("#code", code)
    citizen.click("button:has-text('查询')")
    assert "待回访评价" in citizen.inner_text("#progress")
    citizen.check("input[name=intake_rating][value=very_satisfied]")
    citizen.check("input[name=handling_rating][value=satisfied]")
    citizen.fill("#comment", "处理及时，谢谢")
    shot(citizen, "09-citizen-evaluate-phone")
    citizen.click("button:has-text('提交评价')")
    assert "感谢您的评价" in citizen.inner_text("body")
    t = ticket_by_number(db, number)
    assert t.status == "archived"
    assert db.session.scalar(select(Evaluation.method).where(Evaluation.ticket_id == t.id)) == "online"

    # The ticket page shows the whole story.
    reviewer.goto(f"/tickets/{t.id}")
    body = reviewer.inner_text("body")
    for label in ("登记诉求", "受理", "派单", "签收", "办理答复", "审核通过", "回访评价", "归档", "非常满意"):
        assert label in body
    shot(reviewer, "10-ticket-page")


def test_another_unit_is_denied_the_ticket(people, db, tickets, shot):
    t = tickets.dispatched()
    other = people.signed_in("receiver2", phone=True)
    assert t.number not in other.inner_text("body")
    other.goto(f"/tickets/{t.id}")
    assert "工单不存在或您无权查看" in other.inner_text("h1")
    shot(other, "11-other-unit-denied-phone")
    other.goto(f"/tickets/{t.id}/tasks/sign")
    assert "工单不存在或您无权查看" in other.inner_text("h1")
    other.goto("/tickets")
    assert t.number not in other.inner_text("body")
    assert ticket_by_number(db, t.number).status == "signing"


def test_a_bad_form_shows_chinese_errors_and_saves_nothing(people, db, shot):
    before = count(db, Ticket)
    agent = people.signed_in("agent")
    register_by_clicking(agent, citizen_name="", citizen_phone="电话号码")
    agent.fill("#content", "   ")
    agent.check("input[name=scope][value=refuse]")
    agent.click("button:has-text('提交登记')")
    agent.wait_for_load_state()
    errors = agent.locator(".err").all_inner_texts()
    assert "请填写诉求人姓名" in " ".join(errors)
    assert any("联系电话格式不正确" in e for e in errors) and any("请填写诉求内容" in e for e in errors)
    assert "提交的信息有误" in agent.inner_text(".alert")
    assert agent.input_value("#address") == CITIZEN["address"]  # what was typed is kept
    shot(agent, "12-intake-errors")
    # The form is fine now, but the service refuses reason 8 without an earlier ticket: still nothing saved.
    agent.fill("#citizen_name", CITIZEN["citizen_name"])
    agent.fill("#citizen_phone", CITIZEN["citizen_phone"])
    agent.fill("#content", CITIZEN["content"])
    agent.select_option("#refusal_code", "8")
    assert "正在办理" in agent.input_value("#refusal_explanation")  # filled from the reason's template
    agent.click("button:has-text('提交登记')")
    assert "该理由须关联此前已受理的同一事项工单" in agent.inner_text("body")
    assert count(db, Ticket) == before


def test_screenshots_of_the_other_main_pages(people, db, tickets, shot):
    t = tickets.dispatched()
    citizen = people.page()
    citizen.goto("/public/submit")
    shot(citizen, "13-public-submit")
    citizen.goto("/login")
    shot(citizen, "14-login")
    leader = people.signed_in("unit_leader", phone=True)
    leader.goto(f"/tickets/{t.id}")
    assert "张**" in leader.inner_text("#citizen-name")
    leader.get_by_role("link", name="查看完整信息").click()
    leader.fill("#reason", "红牌督办需电话联系诉求人")
    leader.click("button:has-text('确认查看')")
    assert leader.inner_text("#citizen-phone").startswith(CITIZEN["citizen_phone"])
    shot(leader, "15-reveal-phone")
    admin = people.signed_in("admin")
    shot(admin, "16-admin-users")
    admin.goto("/tickets/pii-views")
    assert "红牌督办需电话联系诉求人" in admin.inner_text("body")
    shot(admin, "17-pii-views")


def test_the_handoff_fields_show_only_for_reason_2_and_the_done_page_says_where_the_call_went(people, db):
    agent = people.signed_in("agent")
    register_by_clicking(agent, content="家门口有人持刀打架，请马上派警察")
    agent.check("input[name=scope][value=refuse]")
    assert not agent.is_visible("#handoff")  # nothing to fill for the other reasons
    agent.select_option("#refusal_code", "2")
    assert agent.is_visible("#handoff")
    agent.select_option("#refusal_code", "4")
    assert not agent.is_visible("#handoff")  # changing the reason takes the transfer fields away again
    agent.select_option("#refusal_code", "2")
    agent.select_option("#handoff_line", "110")
    agent.check("input[name=handoff_outcome][value=no_answer]")
    agent.fill("#refusal_explanation", "该事项属于110报警服务台职责，请立即拨打110。")
    agent.click("button:has-text('提交登记')")
    said = agent.inner_text("#handoff-done")
    assert "转接未成功" in said and "110报警服务台" in said and "请告知诉求人立即自行拨打110" in said
    number = agent.inner_text("#ticket-number").strip()
    assert ticket_by_number(db, number).status == "refused"
