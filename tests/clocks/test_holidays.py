"""The 2026 holiday notice through tickets: National Day and Spring Festival with their make-up Saturdays, receipt
on a holiday, on a make-up Saturday, at 23:59 and at 00:00 (民法典 Art. 201/203: the day of receipt is not counted)."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import chinese_calendar
import pytest

from engine.clocks.deadlines import explain_ticket_clocks

from .flow import fresh, iso8, received, sign


def reference_last_day(receipt: date, n: int) -> date:
    """Count N working days after the receipt day with the chinesecalendar package itself, independently."""
    d, counted = receipt, 0
    while counted < n:
        d += timedelta(days=1)
        counted += chinese_calendar.is_workday(d)
    return d


def due_of(t) -> str:
    return iso8(t.handling_due)


@pytest.mark.parametrize(("ticket_type", "when", "due"), [
    # National Day 2026: 10-01…10-07 off, Sat 10-10 a working day.
    ("help", "2026-10-03T10:00:00+08:00", "2026-10-11T00:00:00+08:00"),  # on a holiday: Thu 8, Fri 9, Sat 10
    ("consult", "2026-09-30T16:00:00+08:00", "2026-10-10T00:00:00+08:00"),  # before it: Thu 8, Fri 9
    ("consult", "2026-10-10T10:00:00+08:00", "2026-10-14T00:00:00+08:00"),  # on the make-up Saturday: Mon 12, Tue 13
    ("complaint", "2026-09-29T10:00:00+08:00", "2026-10-20T00:00:00+08:00"),  # 9-30, 10-8…10 (Sat), 12…16, 19
    # Spring Festival 2026: 02-15…02-23 off, Sat 02-14 and Sat 02-28 working days.
    ("consult", "2026-02-13T10:00:00+08:00", "2026-02-25T00:00:00+08:00"),  # Sat 14, then Tue 24
    ("complaint", "2026-02-13T10:00:00+08:00", "2026-03-06T00:00:00+08:00"),  # 14, 24…27, Sat 28, 3-2…3-5
    ("consult", "2026-02-18T10:00:00+08:00", "2026-02-26T00:00:00+08:00"),  # on a holiday: Tue 24, Wed 25
    ("consult", "2026-02-28T10:00:00+08:00", "2026-03-04T00:00:00+08:00"),  # on the make-up Saturday
    # The edges of a day.
    ("consult", "2026-11-25T23:59:00+08:00", "2026-11-28T00:00:00+08:00"),  # Wed 23:59: still Wednesday
    ("consult", "2026-11-26T00:00:00+08:00", "2026-12-01T00:00:00+08:00"),  # Thu 00:00: Thursday is receipt day
    ("consult", "2026-11-25T15:59:00+00:00", "2026-11-28T00:00:00+08:00"),  # 23:59 Beijing given in UTC
])
def test_handling_deadline_over_the_2026_notice(db, ticket_type, when, due):
    t = received(db, ticket_type, when)
    assert due_of(t) == due
    n = {"help": 3, "consult": 2, "complaint": 10}[ticket_type]
    receipt = datetime.fromisoformat(when).astimezone(datetime.fromisoformat(due).tzinfo).date()
    assert reference_last_day(receipt, n) == datetime.fromisoformat(due).date() - timedelta(days=1)
    assert not t.deadline_provisional


def test_national_day_thresholds_skip_the_holiday(db):
    t = received(db, "consult", "2026-09-30T16:00:00+08:00")
    assert (iso8(t.handling_warning_at), iso8(t.handling_yellow_at), iso8(t.handling_red_at)) == (
        "2026-10-09T00:00:00+08:00", "2026-10-10T00:00:00+08:00", "2026-10-11T00:00:00+08:00")
    assert (iso8(t.accept_due), iso8(t.accept_red_at)) == ("2026-10-09T00:00:00+08:00", "2026-10-11T00:00:00+08:00")


def test_explanation_names_the_skipped_holiday(db):
    t = received(db, "help", "2026-10-03T10:00:00+08:00")
    sign(db, t, "2026-10-08T09:00:00+08:00")
    handling = next(c for c in explain_ticket_clocks(db.session, fresh(db, t)) if c["stage"] == "handling")
    assert handling["skipped"] == ["2026-10-04", "2026-10-05", "2026-10-06", "2026-10-07"]
    assert "国庆节假期（2026-10-04至2026-10-07）" in handling["summary"]
    assert "截止2026-10-10 24:00" in handling["summary"] and handling["matches_stored"]
