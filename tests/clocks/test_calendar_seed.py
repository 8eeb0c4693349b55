"""Seeding from chinesecalendar and parsing a year's notice typed in by the office."""
from __future__ import annotations

import re
from datetime import date, timedelta

import chinese_calendar
import pytest

from engine.clocks.calendar_seed import chinesecalendar_names, chinesecalendar_overrides, parse_year_notice
from engine.domain.calendar import WorkingCalendar


def test_package_years_and_2026_facts():
    overrides, years = chinesecalendar_overrides()
    assert years == list(range(2004, 2027))
    for day in range(1, 8):
        assert overrides[date(2026, 10, day)] is False
    for day in range(15, 24):
        assert overrides[date(2026, 2, day)] is False
    for made_up in (date(2026, 10, 10), date(2026, 2, 14), date(2026, 2, 28)):
        assert overrides[made_up] is True
    assert not any(d.year > 2026 for d in overrides)
    # The package refuses the first year it has no notice for.
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2027, 1, 1))


def test_calendar_agrees_with_package_on_every_day_it_covers():
    overrides, years = chinesecalendar_overrides()
    cal = WorkingCalendar(overrides, years)
    day = date(years[0], 1, 1)
    while day.year <= years[-1]:
        assert cal.is_working_day(day) == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)


def test_names_are_chinese():
    names = chinesecalendar_names()
    assert names[date(2026, 10, 1)] == "国庆节"
    assert names[date(2026, 10, 10)] == "国庆节"
    assert names[date(2026, 2, 14)] == "春节"
    assert names[date(2026, 4, 6)] == "清明"


def test_parse_mixed_formats():
    text = (
        "\ufeffdate,status\n"
        "# 2027 notice, test data\n"
        "\n"
        "2027-01-01,off\n"
        "2027-02-07 on\n"
        "2027-02-08\t休\n"
        "2027-02-20,班   # make-up Saturday\n"
        "2027/10/01 , 0\n"
        "2027-10-09 1\n"
        "2027-05-01，OFF\n"
    )
    assert parse_year_notice(text, 2027) == {
        date(2027, 1, 1): False,
        date(2027, 2, 7): True,
        date(2027, 2, 8): False,
        date(2027, 2, 20): True,
        date(2027, 10, 1): False,
        date(2027, 10, 9): True,
        date(2027, 5, 1): False,
    }


def test_parse_chinese_header_and_no_year():
    assert parse_year_notice("日期\t类型\n2030-01-01\t休\n") == {date(2030, 1, 1): False}


def test_previous_december_belongs_to_next_years_notice():
    # The 2019 notice moved 2018-12-29 to a working day and gave 2018-12-30/31 off.
    text = "2018-12-29,班\n2018-12-30,休\n2018-12-31,休\n2019-01-01,休\n"
    parsed = parse_year_notice(text, 2019)
    assert parsed[date(2018, 12, 29)] is True
    overrides, _ = chinesecalendar_overrides()
    assert all(overrides[d] == flag for d, flag in parsed.items())


@pytest.mark.parametrize(
    ("text", "message", "message_zh"),
    [
        ("2027-01-01,off\n2027-13-01,off\n", "line 2: '2027-13-01' is not a date",
         "第2行：“2027-13-01”不是有效日期（应为 YYYY-MM-DD）"),
        ("2027-01-01,off\n\n2027-01-02,maybe\n", "line 3: unknown status 'maybe'",
         "第3行：未知的类型“maybe”，请写 休/班、off/on 或 0/1"),
        ("2027-01-01\n", "line 1: expected a date and one status", "第1行：应为一个日期和一个类型（休/班、off/on 或 0/1），实有 1 项"),
        ("2027-01-01,off,元旦\n", "line 1: expected a date and one status", "第1行：应为一个日期和一个类型"),
        ("2027-01-01,off\n2027-01-01,on\n", "line 2: 2027-01-01 was already given on line 1",
         "第2行：2027-01-01 已在第1行写过"),
        ("2027-01-01,off\n2028-01-01,off\n", "line 2: 2028-01-01 is outside the year 2027", "第2行：2028-01-01 不在2027年内"),
        ("2026-11-30,off\n", "line 1: 2026-11-30 is outside the year 2027", "第1行：2026-11-30 不在2027年内"),
        ("# only a comment\n\n", "no dates", "文件中没有日期"),
        ("date,status\nday,kind\n2027-01-01,off\n", "line 2: 'day' is not a date", "第2行：“day”不是有效日期"),
        ("2027-01-01,off\nnotes,here\n", "line 2: 'notes' is not a date", "第2行：“notes”不是有效日期"),
    ],
)
def test_parse_rejects_bad_lines(text, message, message_zh):
    """Each refusal carries the English for the log and the Chinese for the page and the command line."""
    with pytest.raises(ValueError, match=message) as caught:
        parse_year_notice(text, 2027)
    assert caught.value.message_zh.startswith(message_zh)
    own_words = re.sub(r"“[^”]*”|YYYY-MM-DD|off/on", "", caught.value.message_zh)  # the file's text is quoted as is
    assert not re.search(r"[A-Za-z]{3,}", own_words)
