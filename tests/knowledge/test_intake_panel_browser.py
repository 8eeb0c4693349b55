"""The intake's knowledge-base panel in a real browser: suggestions follow the citizen's words and the agent's
keywords as they are typed (web/static/kb-suggest.js, no form post), an entry picked stays picked, and submitting
the immediate answer records that entry on the ticket."""
from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import func, select

from engine.models import KnowledgeEntry, Ticket
from tests.support.helpers import CITIZEN

SBK = "社会保障卡挂失与补办"
ID_CARD = "居民身份证补领与换领"


def first_title(page) -> str:
    return page.locator("#kb-results li strong").first.inner_text()


def test_suggestions_follow_the_words_as_they_are_typed(people, db, shot):
    before = db.session.scalar(select(func.max(Ticket.id))) or 0
    agent = people.signed_in("agent")
    errors, asked, posts = [], [], []
    agent.on("pageerror", lambda e: errors.append(str(e)))
    agent.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    agent.on("request", lambda r: (asked if "/intake/kb-suggest" in r.url else posts if r.method == "POST"
                                   else []).append(r.url))
    agent.goto("/intake")
    assert agent.locator("#kb-results li").count() == 0
    agent.fill("#citizen_name", CITIZEN["citizen_name"])
    agent.fill("#citizen_phone", CITIZEN["citizen_phone"])
    agent.fill("#address", CITIZEN["address"])
    agent.select_option("#ticket_type", "consult")

    # The citizen's words, typed key by key: one request after the typing pauses, not one per key.
    agent.locator("#content").press_sequentially("你好，我的社保卡上周丢了，去哪里补办？", delay=20)
    expect(agent.locator("#kb-results li strong").first).to_have_text(SBK)  # waits for the redraw
    assert first_title(agent) == SBK
    assert agent.locator("#kb-results li").first.locator("mark").count() >= 1  # matched words marked
    assert agent.inner_text("#kb-source") == "按诉求内容推荐的条目："
    assert 1 <= len(asked) <= 3 and posts == []
    shot(agent, "intake-kb-live")

    # Pick it, then look something else up by keyword: the keyword's entries come first and the pick stays.
    agent.locator("#kb-results input[name=kb_entry_id]").first.check()
    picked = agent.get_attribute("#kb-results input[name=kb_entry_id]:checked", "value")
    agent.fill("#kb_q", "身份证补领")
    expect(agent.locator("#kb-source")).to_have_text("按关键词“身份证补领”查找的结果：")
    titles = agent.locator("#kb-results li strong").all_inner_texts()
    assert ID_CARD in titles and SBK in titles
    assert agent.get_attribute("#kb-results input[name=kb_entry_id]:checked", "value") == picked

    # Words the base has no answer for: the panel says so, and still shows the entry picked before.
    agent.fill("#kb_q", "火星移民签证")
    expect(agent.locator("#kb-empty")).to_be_visible()
    expect(agent.locator("#kb-empty")).to_have_text("知识库中没有找到相关条目。")
    assert agent.locator("#kb-results li strong").all_inner_texts() == [SBK]

    # Back to the citizen's words, answer at once with the picked entry.
    agent.fill("#kb_q", "")
    expect(agent.locator("#kb-source")).to_have_text("按诉求内容推荐的条目：")
    agent.check("input[name=scope][value=answer]")
    agent.check(f"#kb-results input[name=kb_entry_id][value='{picked}']")
    agent.click("button:has-text('提交登记')")
    agent.wait_for_load_state()
    db.session.rollback()
    t = db.session.scalars(select(Ticket).where(Ticket.id > before).order_by(Ticket.id.desc())).first()
    assert t is not None, agent.inner_text("body")
    assert (t.status, t.kb_entry_id) == ("evaluating", int(picked))
    assert db.session.get(KnowledgeEntry, t.kb_entry_id).title == SBK
    assert errors == []
