"""Working-day calendar: counting rule, 2026 notice, unentered years, and the fast path against a plain loop."""
from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

import pytest

from engine.clocks.calendar_seed import chinesecalendar_overrides, parse_year_notice
from engine.domain.calendar import TZ, Deadline, WorkingCalendar, local_date


def sh(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=TZ)


def end_of(d: date) -> datetime:
    """24:00 of ``d`` in Asia/Shanghai, in UTC."""
    return datetime.combine(d + timedelta(days=1), time(), TZ).astimezone(UTC)


def package_calendar() -> WorkingCalendar:
    overrides, years = chinesecalendar_overrides()
    return WorkingCalendar(overrides, years)


def reference_add(overrides, known_years, start: datetime, n: int) -> Deadline:
    """Walk day by day: the obviously-correct version the fast path must match."""
    receipt = start.astimezone(TZ).date()
    day, counted, skipped, years = receipt, 0, [], set()
    while counted < n:
        day += timedelta(days=1)
        years.add(day.year)
        if overrides.get(day, day.weekday() < 5):
            counted += 1
        else:
            skipped.append(day)
    missing = tuple(sorted(y for y in years if y not in known_years))
    return Deadline(end_of(day), day, tuple(skipped), bool(missing), missing)


# -- the counting rule (DOMAIN.md §4) ---------------------------------------------------------------------------


def test_domain_example_wednesday_10am():
    cal = package_calendar()
    received = sh(2026, 3, 4, 10)  # a Wednesday with no holiday near
    assert received.weekday() == 2
    two = cal.add_working_days(received, 2)
    assert two.last_day == date(2026, 3, 6)  # Friday
    assert two.end == sh(2026, 3, 7)  # Fri 24:00 = Sat 00:00 +08:00
    assert two.end.tzinfo is UTC and two.end == datetime(2026, 3, 6, 16, tzinfo=UTC)
    assert cal.add_working_days(received, 1).end == sh(2026, 3, 6)  # Thu 24:00
    assert cal.add_working_days(received, 3).end == sh(2026, 3, 10)  # Mon 24:00
    assert cal.add_working_days(received, 3).skipped == (date(2026, 3, 7), date(2026, 3, 8))
    assert not two.provisional and two.provisional_years == ()


def test_receipt_at_2359_counts_from_next_day_and_0000_is_that_days_receipt():
    cal = package_calendar()
    tuesday_late = sh(2026, 3, 3, 23, 59)
    wednesday_midnight = sh(2026, 3, 4, 0, 0)
    assert cal.add_working_days(tuesday_late, 1).last_day == date(2026, 3, 4)
    assert cal.add_working_days(wednesday_midnight, 1).last_day == date(2026, 3, 5)
    # The same instants given in UTC land on the same Shanghai dates.
    assert cal.add_working_days(datetime(2026, 3, 3, 15, 59, tzinfo=UTC), 1).last_day == date(2026, 3, 4)
    assert cal.add_working_days(datetime(2026, 3, 3, 16, 0, tzinfo=UTC), 1).last_day == date(2026, 3, 5)
    assert local_date(datetime(2026, 3, 3, 16, 0, tzinfo=UTC)) == date(2026, 3, 4)


def test_start_must_be_aware_and_n_positive():
    cal = package_calendar()
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.add_working_days(datetime(2026, 3, 4, 10), 2)
    with pytest.raises(ValueError, match="at least 1"):
        cal.add_working_days(sh(2026, 3, 4, 10), 0)
    with pytest.raises(ValueError, match="at least 1"):
        cal.add_working_days(sh(2026, 3, 4, 10), -3)
    with pytest.raises(TypeError):
        cal.add_working_days(sh(2026, 3, 4, 10), 1.5)
    with pytest.raises(TypeError):
        cal.add_working_days_from_date(sh(2026, 3, 4, 10), 1)
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.working_days_elapsed(sh(2026, 3, 4), datetime(2026, 3, 9))


# -- the 2026 notice, loaded through chinesecalendar ----------------------------------------------------------------


def test_2026_national_day():
    cal = package_calendar()
    for day in range(1, 8):
        assert not cal.is_working_day(date(2026, 10, day))
    assert cal.is_working_day(date(2026, 10, 10))  # make-up Saturday
    assert cal.is_working_day(date(2026, 10, 8))
    assert not cal.is_working_day(date(2026, 10, 11))
    deadline = cal.add_working_days(sh(2026, 9, 30, 10), 3)
    assert deadline.last_day == date(2026, 10, 10)
    assert deadline.skipped == tuple(date(2026, 10, day) for day in range(1, 8))
    assert cal.next_working_day(date(2026, 9, 30)) == date(2026, 10, 8)
    assert cal.next_working_day(date(2026, 10, 9)) == date(2026, 10, 10)


def test_2026_spring_festival():
    cal = package_calendar()
    for day in range(15, 24):
        assert not cal.is_working_day(date(2026, 2, day))
    assert cal.is_working_day(date(2026, 2, 14)) and cal.is_working_day(date(2026, 2, 28))
    friday = sh(2026, 2, 13, 16)
    assert cal.add_working_days(friday, 1).last_day == date(2026, 2, 14)
    two = cal.add_working_days(friday, 2)
    assert two.last_day == date(2026, 2, 24)
    assert two.skipped == tuple(date(2026, 2, day) for day in range(15, 24))
    assert cal.add_working_days(sh(2026, 2, 27, 9), 1).last_day == date(2026, 2, 28)


def test_received_on_a_holiday_or_a_make_up_saturday():
    cal = package_calendar()
    on_holiday = cal.add_working_days(sh(2026, 10, 3, 15), 1)
    assert on_holiday.last_day == date(2026, 10, 8)
    assert on_holiday.skipped == tuple(date(2026, 10, day) for day in range(4, 8))
    # The make-up Saturday is a working day, but as the receipt day it is still not counted.
    on_make_up = cal.add_working_days(sh(2026, 10, 10, 9), 1)
    assert on_make_up.last_day == date(2026, 10, 12)
    assert on_make_up.skipped == (date(2026, 10, 11),)


# -- years nobody has entered --------------------------------------------------------------------------------------


def test_deadline_in_unentered_2027_is_provisional_then_recomputed():
    overrides, years = chinesecalendar_overrides()
    assert 2027 not in years
    cal = WorkingCalendar(overrides, years)
    received = sh(2026, 12, 30, 10)  # Wednesday
    before = cal.add_working_days(received, 3)
    # Weekends only: 2026-12-31 Thu, 2027-01-01 Fri (treated as working), 2027-01-04 Mon.
    assert cal.is_working_day(date(2027, 1, 1))
    assert before.last_day == date(2027, 1, 4)
    assert before.provisional and before.provisional_years == (2027,)

    # Test data standing in for a 2027 notice (not the real one).
    notice = parse_year_notice("2027-01-01,off\n2027-01-02,off\n2027-01-03,off\n", 2027)
    cal_2027 = WorkingCalendar({**overrides, **notice}, [*years, 2027])
    after = cal_2027.add_working_days(received, 3)
    assert after.last_day == date(2027, 1, 5)
    assert not after.provisional and after.provisional_years == ()
    assert after.end != before.end
    assert date(2027, 1, 1) in after.skipped


def test_provisional_only_when_counted_days_reach_the_unknown_year():
    cal = package_calendar()
    assert not cal.add_working_days(sh(2026, 12, 29, 10), 2).provisional  # ends 2026-12-31
    from_new_years_eve = cal.add_working_days(sh(2026, 12, 31, 10), 1)  # the receipt day itself is known
    assert from_new_years_eve.last_day == date(2027, 1, 1)
    assert from_new_years_eve.provisional_years == (2027,)
    assert cal.is_known_year(2026) and not cal.is_known_year(2027)
    long_one = cal.add_working_days(sh(2026, 12, 1, 10), 400)
    assert long_one.provisional_years == (2027, 2028)


# -- elapsed days and other helpers --------------------------------------------------------------------------------


def test_working_days_elapsed_matches_deadlines():
    cal = package_calendar()
    received = sh(2026, 3, 4, 10)
    assert cal.working_days_elapsed(received, sh(2026, 3, 4, 23, 59)) == 0
    assert cal.working_days_elapsed(received, sh(2026, 3, 5, 23, 59)) == 0
    assert cal.working_days_elapsed(received, sh(2026, 3, 6, 0, 0)) == 1
    assert cal.working_days_elapsed(received, sh(2026, 3, 9, 12)) == 2  # the weekend adds nothing
    assert cal.working_days_elapsed(received, sh(2026, 3, 1)) == 0  # now before start

    rng = random.Random(12345)
    for _ in range(500):
        start = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randrange(2 * 365 * 24 * 60))
        n = rng.randint(1, 40)
        end = cal.add_working_days(start, n).end
        assert cal.working_days_elapsed(start, end) == n
        assert cal.working_days_elapsed(start, end - timedelta(microseconds=1)) == n - 1


def test_overrides_must_be_dates_and_questions_take_dates():
    with pytest.raises(TypeError):
        WorkingCalendar({datetime(2026, 1, 1): False}, [2026])
    cal = WorkingCalendar({}, [])
    with pytest.raises(TypeError):
        cal.is_working_day(datetime(2026, 1, 1))
    assert cal.is_working_day(date(2026, 1, 1))  # no notice entered: a plain Thursday
    assert not cal.is_working_day(date(2026, 1, 3))


def test_calendar_is_not_changed_by_later_edits_of_its_input():
    overrides = {date(2026, 3, 5): False}
    cal = WorkingCalendar(overrides, [2026])
    overrides[date(2026, 3, 5)] = True
    assert not cal.is_working_day(date(2026, 3, 5))


# -- the fast path against the loop --------------------------------------------------------------------------------


def _compare(overrides, known, starts_and_ns):
    cal = WorkingCalendar(overrides, known)
    for start, n in starts_and_ns:
        assert cal.add_working_days(start, n) == reference_add(overrides, known, start, n), (start, n)


def test_fast_path_matches_reference_on_the_package_calendar():
    overrides, years = chinesecalendar_overrides()
    rng = random.Random(2026)
    base = datetime(2003, 6, 1, tzinfo=UTC)
    cases = [
        (base + timedelta(minutes=rng.randrange(26 * 365 * 24 * 60)), rng.choice((1, 2, 3, 5, 6, 9, 10, 11, 30, 31)))
        for _ in range(3000)
    ]
    cases += [(base + timedelta(days=rng.randrange(26 * 365)), rng.randint(100, 800)) for _ in range(50)]
    _compare(overrides, frozenset(years), cases)


def test_fast_path_matches_reference_on_random_overrides():
    rng = random.Random(7)
    overrides = {}
    for _ in range(1500):
        day = date(2020, 1, 1) + timedelta(days=rng.randrange(10 * 365))
        overrides[day] = rng.random() < 0.4
    known = frozenset(rng.sample(range(2019, 2031), 6))
    cases = [
        (datetime(2019, 12, 1, tzinfo=TZ) + timedelta(minutes=rng.randrange(11 * 365 * 24 * 60)), rng.randint(1, 60))
        for _ in range(3000)
    ]
    # Year ends and leap days, where the per-year arrays meet.
    for year in range(2019, 2030):
        for month, day in ((12, 30), (12, 31), (1, 1), (2, 28)):
            for n in (1, 2, 3, 250, 260):
                cases.append((sh(year, month, day, 12), n))
    cases.append((sh(2024, 2, 29, 12), 1))
    _compare(overrides, known, cases)
