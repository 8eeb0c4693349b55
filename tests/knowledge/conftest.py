"""Knowledge-base fixtures: the demo entries indexed for search, and entries a test creates removed after it."""
from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select

from engine.common.db import transaction
from engine.demo.kb import KB_ENTRIES
from engine.knowledge import search as kb_search
from engine.models import KnowledgeEntry, KnowledgeVersion


@pytest.fixture
def kb(db):
    """Index the demo knowledge base (with its keywords); return {code: entry id}."""
    s = db.session
    with transaction(s):
        by_title = {e.title: e for e in s.scalars(select(KnowledgeEntry))}
        codes = {}
        for spec in KB_ENTRIES:
            entry = by_title[spec["title"]]
            entry.keywords = list(spec.get("keywords") or [])
            codes[spec["code"]] = entry.id
        kb_search.reindex_all(s)
    top = s.scalar(select(func.max(KnowledgeEntry.id)))
    yield codes
    s.rollback()
    with transaction(s):
        from engine.models import KnowledgeEditRequest, KnowledgeFlag

        s.execute(delete(KnowledgeFlag))
        s.execute(delete(KnowledgeEditRequest))
        extra = list(s.scalars(select(KnowledgeEntry.id).where(KnowledgeEntry.id > top)))
        kb_search.unindex(s, extra)
        if extra:
            s.execute(delete(KnowledgeVersion).where(KnowledgeVersion.entry_id.in_(extra)))
            s.execute(delete(KnowledgeEntry).where(KnowledgeEntry.id.in_(extra)))
