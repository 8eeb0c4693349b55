"""The same matter in a real browser: the intake's similar tickets follow what the agent types (no form post), one
is picked for 不予受理 reason 8; on the dispatch page nothing is preselected and 选用 puts a suggested unit in."""
from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from engine.common.db import transaction
from engine.matching import refresh_stats
from engine.models import DispatchSuggestion, Ticket

EARLIER = {"address": "源城区东埔街道华兴路城东花园", "category": "城乡建设/噪音扰民",
           "content": "城东花园三期工地每天晚上十一点以后还在打桩，噪音很大，整个小区都睡不着。"}


def test_similar_tickets_follow_the_typing_and_one_is_linked(people, db, clock, tickets, shot):
    earlier = tickets.dispatched(**EARLIER, citizen_phone="13900000501")
    with transaction(db.session):
        refresh_stats(db.session, clock())
    agent = people.signed_in("agent")
    errors, asked, posts = [], [], []
    agent.on("pageerror", lambda e: errors.append(str(e)))
    agent.on("request", lambda r: (asked if "/matching/similar" in r.url else posts if r.method == "POST"
                                   else []).append(r.url))
    agent.goto("/intake")
    assert agent.locator("#similar-results li").count() == 0
    agent.fill("#citizen_name", "李四")
    agent.fill("#citizen_phone", "13900000502")
    agent.fill("#address", "源城区东埔街道华兴路城东花园")
    agent.select_option("#ticket_type", "complaint")
    agent.locator("#content").press_sequentially("城东花园那个工地半夜施工，好嘈，又来了。", delay=20)
    expect(agent.locator("#similar-results li strong").first).to_have_text(earlier.number)
    reasons = agent.locator("#similar-results li").first.locator(".tag").all_inner_texts()
    assert "同一地址" in reasons and any(r.startswith("内容相近") for r in reasons)
    assert posts == [] and 1 <= len(asked) <= 6
    shot(agent, "intake-similar-live")

    agent.check("input[name=scope][value=refuse]")
    agent.select_option("#refusal_code", "8")
    agent.fill("#refusal_explanation", "该工地夜间施工问题已在办理中，请等待答复。")
    agent.check(f"#similar-results input[name=related_ticket_id][value='{earlier.id}']")
    agent.click("button:has-text('提交登记')")
    agent.wait_for_load_state()
    db.session.rollback()
    t = db.session.scalar(select(Ticket).order_by(Ticket.id.desc()).limit(1))
    assert (t.status, t.refusal_code, t.related_ticket_id) == ("refused", 8, earlier.id), agent.inner_text("body")
    assert errors == []


def test_the_dispatcher_takes_a_suggestion_with_one_click(people, db, clock, tickets, shot):
    t = tickets.new(**EARLIER, citizen_phone="13900000503")
    dispatcher = people.signed_in("dispatcher")
    dispatcher.goto(f"/tickets/{t.id}/tasks/dispatch")
    assert dispatcher.locator("#lead_unit").input_value() == ""  # a person decides
    first = dispatcher.locator("#dispatch-suggestions li").first
    name = first.locator("strong").inner_text()
    assert name == "源城区住房和城乡建设局" and "属地：东埔街道" in first.inner_text()
    shot(dispatcher, "dispatch-suggestions")
    first.get_by_role("button", name="选用").click()
    assert dispatcher.locator("#lead_unit option:checked").inner_text() == name
    dispatcher.click("button:has-text('提交')")
    dispatcher.wait_for_load_state()
    db.session.rollback()
    row = db.session.scalar(select(DispatchSuggestion).where(DispatchSuggestion.ticket_id == t.id)
                            .order_by(DispatchSuggestion.id.desc()).limit(1))
    assert row.taken_rank == 1 and db.session.get(Ticket, t.id).status == "signing"
