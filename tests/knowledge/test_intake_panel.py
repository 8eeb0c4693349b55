"""The intake's knowledge-base panel through the web client: suggestions from the citizen's own words (ranked and
highlighted, with and without scripts), an immediate answer recording its entry, and "no answer found" becoming a
gap report that the responsible unit's 信息采编员 sees and fixes."""
from __future__ import annotations

import re

from sqlalchemy import select

from engine.knowledge import search as kb_search
from engine.models import AuditLog, KnowledgeEntry, KnowledgeFlag, Ticket
from tests.support.pages import INTAKE, as_user, count, last_ticket, login, post, text, unit_id

SBK = "社会保障卡挂失与补办"
ID_CARD = "居民身份证补领与换领"
NO_ANSWER = "想装个电动车充电桩"


def entry_id(db, title: str) -> int:
    return db.session.scalar(select(KnowledgeEntry.id).where(KnowledgeEntry.title == title))


def radios(page: str) -> list[int]:
    return [int(v) for v in re.findall(r'name="kb_entry_id" value="(\d+)"', page)]


def test_the_citizens_words_suggest_ranked_highlighted_entries_without_scripts(client, db):
    login(client, "agent")
    data = {**INTAKE, "ticket_type": "consult", "category": "", "scope": "answer",
            "content": "你好，我的社保卡上周丢了，想问一下去哪里补办，要带什么材料？"}
    page = text(post(client, "/intake", {**data, "op": "kb"}))
    assert "按诉求内容推荐的条目" in page
    assert radios(page)[0] == entry_id(db, SBK)  # the best entry first
    assert "<mark>补办</mark>" in page
    # The agent's keywords take over from the citizen's words.
    page = text(post(client, "/intake", {**data, "kb_q": "身份证补领", "op": "kb"}))
    assert "按关键词“身份证补领”查找的结果" in page and radios(page)[0] == entry_id(db, ID_CARD)


def test_an_immediate_answer_records_the_entry_that_answered_it(client, db):
    login(client, "agent")
    words = "家里老人今年八十岁了，听说有高龄津贴，怎么申领？"
    data = {**INTAKE, "ticket_type": "consult", "category": "", "content": words, "scope": "answer"}
    page = text(post(client, "/intake", {**data, "op": "kb"}))
    chosen = radios(page)[0]
    assert chosen == entry_id(db, "高龄老人津贴申领")
    r = post(client, "/intake", {**data, "kb_entry_id": str(chosen), "op": "submit"})
    assert r.status_code == 302
    t = last_ticket(db)
    entry = db.session.get(KnowledgeEntry, chosen)
    assert (t.status, t.kb_entry_id, t.answer_text) == ("evaluating", chosen, kb_search.plain_text(entry.content))
    assert "高龄老人津贴申领" in text(client.get(f"/tickets/{t.id}"))


def test_live_suggestions_answer_json_to_agents_only(client, db):
    login(client, "agent")
    r = client.get("/intake/kb-suggest", query_string={"q": "身份证丢了去哪里补"})
    assert r.status_code == 200 and r.is_json and r.headers["Cache-Control"] == "no-store"
    first = r.get_json()["entries"][0]
    assert first["title"] == ID_CARD and first["unit"] == "河源市公安局" and "<mark>" in first["title_html"]
    r = client.get("/intake/kb-suggest", query_string={"q": "<script>alert(1)</script>身份证"})
    assert "<script" not in r.get_data(as_text=True)
    assert client.get("/intake/kb-suggest", query_string={"q": "\x00" + "x" * 6000}).status_code == 200
    assert client.get("/intake/kb-suggest").get_json()["entries"] == []
    page = text(client.get("/intake"))
    assert 'src="/static/kb-suggest.js"' in page and 'data-suggest-url="/intake/kb-suggest"' in page
    assert "<script>" not in page  # no inline script: the CSP says script-src 'self'
    js = client.get("/static/kb-suggest.js")
    assert js.status_code == 200 and "data-suggest-url" in js.get_data(as_text=True)
    js.close()
    as_user(client, db, "kb_editor")
    assert client.get("/intake/kb-suggest", query_string={"q": "社保卡"}).status_code == 403


def test_no_answer_found_becomes_a_gap_report_the_unit_fixes(client, db, clock):
    from tests.support.helpers import drop_kb_entries_after, kb_entries_top

    top = kb_entries_top(db.session)
    login(client, "agent")
    data = {**INTAKE, "ticket_type": "consult", "category": "城乡建设/物业管理", "content": NO_ANSWER,
            "scope": "accept"}
    page = text(post(client, "/intake", {**data, "op": "kb"}))
    assert "知识库中没有找到相关条目" in page and radios(page) == []
    r = post(client, "/intake", {**data, "kb_gap": "1", "kb_gap_text": "缺少充电桩建设的办理指引", "op": "submit"})
    assert r.status_code == 302
    t = last_ticket(db)
    done = text(client.get(r.headers["Location"]))
    assert "已向河源市住房和城乡建设局提交知识缺失报告" in done
    gap = db.session.scalar(select(KnowledgeFlag).where(KnowledgeFlag.source_ticket_id == t.id))
    assert (gap.kind, gap.unit_id, gap.category) == ("gap", unit_id(db, "HY-ZJJ"), "城乡建设/物业管理")
    assert t.number in gap.text and NO_ANSWER in gap.text and "缺少充电桩建设的办理指引" in gap.text
    assert db.session.scalar(select(AuditLog.id).where(AuditLog.ticket_id == t.id, AuditLog.action == "kb_flag"))

    as_user(client, db, "kb_editor")  # 信息采编员 of 市住建局
    page = text(client.get("/kb/flags"))
    assert "城乡建设/物业管理" in page and f"/kb/flags/{gap.id}/fix" in page
    fix = {f"x{gap.id}-note": "已新增充电桩建设条目"}
    r = post(client, f"/kb/flags/{gap.id}/fix", fix, get_url="/kb/flags")
    assert r.status_code == 400 and "知识库中尚无对应修改，请先补充或修改本单位的知识条目" in text(r)
    clock.set("2026-11-25T15:00:00+08:00")  # the unit writes the missing entry in the afternoon
    r = post(client, "/kb/new", {"title": "住宅小区电动车充电桩建设", "category": "城乡建设/物业管理",
                                 "content": "<p>由业主向物业服务企业申请，物业配合供电部门报装。</p>",
                                 "keywords": "充电桩,电动车", "publish": "publish"})
    assert r.status_code == 302, text(r)[:500]
    r = post(client, f"/kb/flags/{gap.id}/fix", fix, get_url="/kb/flags")
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(KnowledgeFlag, gap.id).fixed_at is not None
    drop_kb_entries_after(db.session, top)
    db.session.commit()


def test_a_gap_report_needs_a_category_or_goes_to_the_unit_named(client, db):
    login(client, "agent")
    data = {**INTAKE, "ticket_type": "consult", "content": NO_ANSWER, "scope": "accept", "kb_gap": "1"}
    before = count(db, Ticket)
    r = post(client, "/intake", {**data, "category": "", "op": "submit"})
    assert r.status_code == 400 and "报告知识缺失须先选择诉求分类" in text(r)
    r = post(client, "/intake", {**data, "category": "城乡建设/物业管理", "scope": "answer",
                                 "kb_entry_id": str(entry_id(db, SBK)), "op": "submit"})
    assert r.status_code == 400 and "不能同时报告知识缺失" in text(r)
    assert count(db, Ticket) == before and count(db, KnowledgeFlag) == 0
    rsj = unit_id(db, "HY-RSJ")
    r = post(client, "/intake", {**data, "category": "城乡建设/物业管理", "kb_gap_unit_id": str(rsj),
                                 "op": "submit"})
    assert r.status_code == 302
    gap = db.session.scalar(select(KnowledgeFlag).where(KnowledgeFlag.source_ticket_id == last_ticket(db).id))
    assert gap.unit_id == rsj
