"""Fixtures of the assessment tests: leave the knowledge base, the weights versions and the export tables as the
seed left them (they are not among the ticket tables the ``db`` fixture empties)."""
from __future__ import annotations

import pytest
from sqlalchemy import delete, update

from engine.models import (
    AssessmentWeights,
    ExportLog,
    ExportRequest,
)
from tests.support.helpers import drop_kb_entries_after, kb_entries_top

SEEDED_VERSIONS = ("2026-1", "2026-2")


@pytest.fixture
def clean(db):
    top = kb_entries_top(db.session)
    db.session.rollback()
    yield
    db.session.rollback()
    drop_kb_entries_after(db.session, top)
    db.session.execute(delete(ExportLog))
    db.session.execute(delete(ExportRequest))
    db.session.execute(delete(AssessmentWeights).where(AssessmentWeights.version.not_in(SEEDED_VERSIONS)))
    db.session.execute(update(AssessmentWeights).values(active=AssessmentWeights.version == "2026-1"))
    db.session.commit()
