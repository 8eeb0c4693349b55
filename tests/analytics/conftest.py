"""Fixtures of the assessment tests: leave the knowledge base, the weights versions and the export tables as the
seed left them (they are not among the ticket tables the ``db`` fixture empties)."""
from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select, update

from engine.models import (
    AssessmentWeights,
    ExportLog,
    ExportRequest,
    KnowledgeEditRequest,
    KnowledgeEntry,
    KnowledgeFlag,
    KnowledgeVersion,
)
from engine.services import kb_search

SEEDED_VERSIONS = ("2026-1", "2026-2")


@pytest.fixture
def clean(db):
    top = db.session.scalar(select(func.max(KnowledgeEntry.id))) or 0
    db.session.rollback()
    yield
    db.session.rollback()
    made = list(db.session.scalars(select(KnowledgeEntry.id).where(KnowledgeEntry.id > top)))
    if made:
        for model in (KnowledgeFlag, KnowledgeEditRequest, KnowledgeVersion):
            db.session.execute(delete(model).where(model.entry_id.in_(made)))
        kb_search.unindex(db.session, made)
        db.session.execute(delete(KnowledgeEntry).where(KnowledgeEntry.id.in_(made)))
    db.session.execute(delete(ExportLog))
    db.session.execute(delete(ExportRequest))
    db.session.execute(delete(AssessmentWeights).where(AssessmentWeights.version.not_in(SEEDED_VERSIONS)))
    db.session.execute(update(AssessmentWeights).values(active=AssessmentWeights.version == "2026-1"))
    db.session.commit()
