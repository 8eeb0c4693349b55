"""Seed the working-day calendar from the `chinesecalendar` package and parse a year's notice typed in by the office.

The package ships the State Council notices up to its release year; later years are entered by the office as text.
"""
from __future__ import annotations

import re
from datetime import date

from chinese_calendar import constants as _cc

from engine.common import Invalid


def _package_years() -> list[int]:
    # The package itself accepts exactly min..max of its holiday keys and raises NotImplementedError outside.
    years = [d.year for d in _cc.holidays]
    return list(range(min(years), max(years) + 1))


def chinesecalendar_overrides() -> tuple[dict[date, bool], list[int]]:
    """Return every holiday (False) and make-up working day (True) the package knows, and the years it covers."""
    overrides: dict[date, bool] = {d: False for d in _cc.holidays}
    for d in _cc.workdays:
        if d in overrides:
            raise ValueError(f"chinesecalendar lists {d} both as a holiday and as a working day")
        overrides[d] = True
    return overrides, _package_years()


def chinesecalendar_names() -> dict[date, str]:
    """Return the Chinese holiday name (e.g. 国庆节) of every holiday and make-up day the package knows."""
    by_english = {member.value: member.chinese for member in _cc.Holiday}
    names = {d: by_english.get(value, value) for d, value in _cc.holidays.items()}
    names.update({d: by_english.get(value, value) for d, value in _cc.workdays.items()})
    return names


class NoticeError(Invalid, ValueError):
    """A bad holiday notice: ``message_zh`` for the page and the command line, the English text for the log."""

    code = "bad_notice"


_OFF = frozenset({"off", "休", "0"})
_ON = frozenset({"on", "班", "1"})
_DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_SPLIT = re.compile(r"[\s,，;；]+")


def _parse_date(text: str) -> date | None:
    match = _DATE.match(text)
    if not match:
        return None
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def parse_year_notice(text: str, year: int | None = None) -> dict[date, bool]:
    """Parse a holiday notice of ``DATE STATUS`` lines: True for a working day (on/班/1), off (off/休/0) False.

    Fields may be separated by commas, tabs or spaces; ``#`` starts a comment; blank lines and one header line
    (e.g. ``date,status``) before the first entry are ignored. With ``year`` given, dates must lie in that year —
    or in the December before it, since a notice may move days at the turn of the year (the 2019 notice made
    2018-12-29 a working day and 2018-12-30/31 holidays).

    :raises NoticeError: (a ValueError) naming the line number of the first bad line, or when no dates are found.
    """
    result: dict[date, bool] = {}
    seen_on: dict[date, int] = {}
    header_seen = False
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip().lstrip("\ufeff").strip()
        if not line:
            continue
        fields = [f for f in _SPLIT.split(line) if f]
        day = _parse_date(fields[0])
        if day is None:
            if not result and not header_seen and not fields[0][:1].isdigit():
                # A header such as "date,status" or "日期,类型", allowed once before the first entry.
                header_seen = True
                continue
            raise NoticeError(f"第{number}行：“{fields[0]}”不是有效日期（应为 YYYY-MM-DD）",
                              f"line {number}: {fields[0]!r} is not a date (expected YYYY-MM-DD)")
        if len(fields) != 2:
            raise NoticeError(
                f"第{number}行：应为一个日期和一个类型（休/班、off/on 或 0/1），实有 {len(fields)} 项",
                f"line {number}: expected a date and one status (off/on, 休/班, 0/1), got {len(fields)} fields")
        status = fields[1].lower()
        if status in _OFF:
            flag = False
        elif status in _ON:
            flag = True
        else:
            raise NoticeError(f"第{number}行：未知的类型“{fields[1]}”，请写 休/班、off/on 或 0/1",
                              f"line {number}: unknown status {fields[1]!r}; use off/on, 休/班 or 0/1")
        if year is not None and day.year != year and not (day.year == year - 1 and day.month == 12):
            raise NoticeError(f"第{number}行：{day.isoformat()} 不在{year}年内",
                              f"line {number}: {day.isoformat()} is outside the year {year}")
        if day in seen_on:
            raise NoticeError(f"第{number}行：{day.isoformat()} 已在第{seen_on[day]}行写过",
                              f"line {number}: {day.isoformat()} was already given on line {seen_on[day]}")
        seen_on[day] = number
        result[day] = flag
    if not result:
        raise NoticeError("文件中没有日期", "the notice contains no dates")
    return result
