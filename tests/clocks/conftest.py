"""Fixtures for the clock tests: clean outbox and supervision tables, and a calendar restored after each test."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import delete

from engine.common.context import calendar
from engine.models import CalendarDay, CalendarYear, JobLease, Outbox, SupervisionRequest


def _clean(session) -> None:
    session.rollback()
    for model in (Outbox, SupervisionRequest, JobLease):
        session.execute(delete(model))
    # The package knows no year after 2026: anything later was entered by a test.
    session.execute(delete(CalendarDay).where(CalendarDay.day >= date(2027, 1, 1)))
    session.execute(delete(CalendarYear).where(CalendarYear.year >= 2027))
    session.commit()
    calendar(session, force=True)


@pytest.fixture(autouse=True)
def clock_tables(db):
    """Start and end every test with no notices, no supervision requests, no lease and no year after 2026."""
    _clean(db.session)
    yield
    _clean(db.session)
