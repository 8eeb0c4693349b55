"""Search in Chinese: a fixed set of citizens' questions and the demo entry that must come first."""
from __future__ import annotations

import pytest

from engine.db import transaction
from engine.models import Ticket
from engine.services import kb_search, register

from ..services.helpers import CITIZEN, user

QUERIES = [
    ("我的社保卡丢了怎么补办", "KB-SBK-BB"),
    ("外地人在河源怎么办居住证", "KB-JZZ"),
    ("小区突然停水了什么时候来水", "KB-TS-CX"),
    ("家里停电了跳闸找谁报修", "KB-TD-CX"),
    ("想把公积金取出来付房租", "KB-GJJ-TQ"),
    ("刚出生的宝宝怎么办医保", "KB-XSE-CB"),
    ("孩子上小学一年级怎么报名", "KB-XX-RX"),
    ("晚上工地夜间施工太吵", "KB-YSBZ"),
    ("去外地看病异地就医怎么备案", "KB-YDJY-BA"),
    ("家里困难怎么申请低保", "KB-DB-SQ"),
]


@pytest.mark.parametrize(("query", "code"), QUERIES)
def test_the_expected_entry_comes_first(db, kb, query, code):
    hits = kb_search.search(db.session, query)
    assert hits, f"nothing found for {query}"
    assert hits[0].entry_id == kb[code], [h.title for h in hits[:3]]


def test_matches_are_highlighted_in_an_escaped_snippet(db, kb):
    hit = kb_search.search(db.session, "社保卡补办")[0]
    assert "<mark>补办</mark>" in hit.title_html
    assert "<mark>" in hit.snippet_html and "<script" not in hit.snippet_html
    assert kb_search.highlight("<b>社保卡</b>", ["社保卡"]) == "&lt;b&gt;<mark>社保卡</mark>&lt;/b&gt;"


def test_title_matches_weigh_more_than_content(db, kb):
    # 医保 is in the title of one entry and only in the content of another.
    hits = kb_search.search(db.session, "医保")
    assert "医保" in hits[0].title


def test_nothing_meaningful_finds_nothing(db, kb):
    assert kb_search.search(db.session, "？？？") == []
    assert kb_search.search(db.session, "火星移民签证") == []


def test_immediate_answer_records_the_searched_entry(db, kb):
    s = db.session
    words = "你好，我的社保卡丢了，想问一下去哪里补办"
    hit = kb_search.suggest(s, words)[0]
    with transaction(s):
        t, _, _ = register(s, user(s, "agent"), {**CITIZEN, "content": words, "ticket_type": "consult",
                                                 "scope": "answer", "kb_entry_id": hit.entry_id},
                           kb_search_now())
    t = s.get(Ticket, t.id)
    assert t.kb_entry_id == kb["KB-SBK-BB"] and t.status == "evaluating"


def kb_search_now():
    from datetime import datetime

    return datetime.fromisoformat("2026-11-25T10:00:00+08:00")
