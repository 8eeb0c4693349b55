"""Time-limit rules (DOMAIN.md §4) and the clocks computed from them."""
from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime, time, timedelta
from enum import Enum

import pytest

from engine.clocks.calendar_seed import chinesecalendar_names, chinesecalendar_overrides
from engine.domain.calendar import TZ, WorkingCalendar
from engine.domain.timelimits import (
    HEYUAN_DEFAULT,
    TICKET_TYPE_LABELS,
    TICKET_TYPES,
    RuleSet,
    acceptance_clock,
    dispatch_clock,
    evaluation_clock,
    handling_clock,
    monitoring_level,
    span_text,
    supervision_clock,
)

WEDNESDAY = datetime(2026, 3, 4, 10, tzinfo=TZ)  # no holiday until Qingming (2026-04-04…06)
US = timedelta(microseconds=1)


def end_of(d: date) -> datetime:
    return datetime.combine(d + timedelta(days=1), time(), TZ).astimezone(UTC)


def package_calendar() -> WorkingCalendar:
    overrides, years = chinesecalendar_overrides()
    return WorkingCalendar(overrides, years, names=chinesecalendar_names())


# -- the rule set ------------------------------------------------------------------------------------------------


def test_default_rules_are_domain_table():
    table = {code: HEYUAN_DEFAULT.types[code] for code in TICKET_TYPES}
    numbers = {code: (t.limit, t.warning_after, t.yellow_after, t.red_after) for code, t in table.items()}
    assert numbers == {
        "consult": (2, 1, 2, 3),
        "help": (3, 2, 5, 6),
        "complaint": (10, 9, 10, 11),
        "suggestion": (10, 9, 10, 11),
        "report": (10, 9, 10, 11),
        "economic": (30, 29, 30, 31),
    }
    acc = HEYUAN_DEFAULT.acceptance
    assert (acc.warning_after, acc.yellow_after, acc.red_after) == (1, 2, 3)
    assert HEYUAN_DEFAULT.return_window == 1
    assert HEYUAN_DEFAULT.supervision_reply == 2
    assert (HEYUAN_DEFAULT.dispatch, HEYUAN_DEFAULT.dispatch_several_units) == (1, 2)
    assert HEYUAN_DEFAULT.evaluation_window == 3
    assert HEYUAN_DEFAULT.types["help"].limit + HEYUAN_DEFAULT.types["help"].max_extension == 5
    assert all(t.max_extension <= t.limit for t in table.values())
    assert dict(TICKET_TYPE_LABELS) == {
        "consult": "咨询", "help": "求助", "complaint": "投诉", "suggestion": "建议", "report": "举报",
        "economic": "经济违法",
    }


def test_rules_round_trip_through_json():
    data = json.loads(json.dumps(HEYUAN_DEFAULT.to_dict()))
    again = RuleSet.from_dict(data)
    assert again == HEYUAN_DEFAULT
    assert again.to_dict() == HEYUAN_DEFAULT.to_dict()
    assert hash(again) == hash(HEYUAN_DEFAULT)


def _broken(change) -> dict:
    data = copy.deepcopy(HEYUAN_DEFAULT.to_dict())
    change(data)
    return data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["types"].pop("economic"), "types is missing economic"),
        (lambda d: d["types"].__setitem__("praise", d["types"]["consult"]), "types has unknown keys praise"),
        (lambda d: d["types"]["consult"].__setitem__("warning_after", 2), "warning < yellow < red"),
        (lambda d: d["types"]["help"].__setitem__("red_after", 5), "warning < yellow < red"),
        (lambda d: d["types"]["complaint"].__setitem__("limit", 0), "types.complaint.limit must be between 1"),
        (lambda d: d["types"]["complaint"].__setitem__("limit", "10"), "whole number"),
        (lambda d: d["types"]["complaint"].__setitem__("limit", True), "whole number"),
        (lambda d: d["types"]["complaint"].__setitem__("yellow_after", 9), "warning < yellow < red"),
        (lambda d: d["types"]["complaint"].__setitem__("limit", 12), "warning_after < limit <= yellow_after"),
        (lambda d: d["types"]["consult"].__setitem__("max_extension", 3), "may not exceed the type's own limit 2"),
        (lambda d: d["types"]["consult"].pop("red_after"), "types.consult is missing red_after"),
        (lambda d: d["types"]["consult"].__setitem__("orange_after", 4), "unknown keys orange_after"),
        (lambda d: d["acceptance"].__setitem__("red_after", 1), "acceptance: thresholds must rise"),
        (lambda d: d.__setitem__("dispatch_several_units", 0), "dispatch_several_units must be between"),
        (lambda d: d.__setitem__("dispatch", 3), "may not be shorter than dispatch"),
        (lambda d: d.__setitem__("evaluation_window", 400), "evaluation_window must be between 1 and 366"),
        (lambda d: d.pop("supervision_reply"), "rule set is missing supervision_reply"),
        (lambda d: d.__setitem__("colour", "red"), "unknown keys colour"),
        (lambda d: d.__setitem__("schema", 99), "unsupported rule set schema"),
        (lambda d: d.__setitem__("types", []), "types must be a mapping"),
    ],
)
def test_rule_set_validation(change, message):
    with pytest.raises(ValueError, match=message):
        RuleSet.from_dict(_broken(change))


def test_rule_set_is_immutable():
    with pytest.raises(TypeError):
        HEYUAN_DEFAULT.types["consult"] = HEYUAN_DEFAULT.types["help"]


# -- handling clocks ------------------------------------------------------------------------------------------------

# Received Wed 2026-03-04 10:00: last days of (warning, due, yellow, red).
EXPECTED = {
    "consult": (date(2026, 3, 5), date(2026, 3, 6), date(2026, 3, 6), date(2026, 3, 9)),
    "help": (date(2026, 3, 6), date(2026, 3, 9), date(2026, 3, 11), date(2026, 3, 12)),
    "complaint": (date(2026, 3, 17), date(2026, 3, 18), date(2026, 3, 18), date(2026, 3, 19)),
    "suggestion": (date(2026, 3, 17), date(2026, 3, 18), date(2026, 3, 18), date(2026, 3, 19)),
    "report": (date(2026, 3, 17), date(2026, 3, 18), date(2026, 3, 18), date(2026, 3, 19)),
    # 30 WD crosses Qingming: Monday 2026-04-06 is off.
    "economic": (date(2026, 4, 15), date(2026, 4, 16), date(2026, 4, 16), date(2026, 4, 17)),
}


@pytest.mark.parametrize("ticket_type", TICKET_TYPES)
def test_handling_thresholds_per_type(ticket_type):
    clock = handling_clock(package_calendar(), HEYUAN_DEFAULT, ticket_type, WEDNESDAY)
    warning, due, yellow, red = EXPECTED[ticket_type]
    assert clock.stage == "handling" and clock.ticket_type == ticket_type
    assert (clock.warning, clock.due, clock.yellow, clock.red) == (end_of(warning), end_of(due), end_of(yellow),
                                                                  end_of(red))
    assert clock.due_day == due
    assert clock.start == WEDNESDAY and clock.start.tzinfo is UTC
    assert not clock.provisional


def test_domain_example_consult():
    clock = handling_clock(package_calendar(), HEYUAN_DEFAULT, "consult", WEDNESDAY)
    assert clock.due == datetime(2026, 3, 7, tzinfo=TZ)  # Fri 24:00
    assert clock.warning == datetime(2026, 3, 6, tzinfo=TZ)  # Thu 24:00
    assert clock.red == datetime(2026, 3, 10, tzinfo=TZ)  # Mon 24:00


def test_economic_skips_qingming():
    clock = handling_clock(package_calendar(), HEYUAN_DEFAULT, "economic", WEDNESDAY)
    assert date(2026, 4, 6) in clock.skipped
    assert "清明假期（2026-04-04至2026-04-06）" in clock.explain()["summary"]


def test_str_enum_ticket_types_are_accepted():
    class Kind(str, Enum):
        COMPLAINT = "complaint"

    clock = handling_clock(package_calendar(), HEYUAN_DEFAULT, Kind.COMPLAINT, WEDNESDAY)
    assert clock.ticket_type == "complaint" and type(clock.ticket_type) is str
    with pytest.raises(ValueError, match="unknown ticket type"):
        handling_clock(package_calendar(), HEYUAN_DEFAULT, "praise", WEDNESDAY)


def test_extension_moves_due_and_thresholds():
    cal = package_calendar()
    plain = handling_clock(cal, HEYUAN_DEFAULT, "complaint", WEDNESDAY)
    extended = handling_clock(cal, HEYUAN_DEFAULT, "complaint", WEDNESDAY, extension_days=5)
    # The original due extended by 5 working days.
    assert extended.due_day == cal.add_working_days_from_date(plain.due_day, 5).last_day == date(2026, 3, 25)
    assert extended.warning == end_of(date(2026, 3, 24))  # 1 WD before the new deadline
    assert extended.yellow == extended.due  # at it
    assert extended.red == end_of(date(2026, 3, 26))  # 1 WD after
    assert extended.extension_days == 5
    summary = extended.explain()["summary"]
    assert "经批准延期5个工作日，共15个工作日" in summary and "截止2026-03-25 24:00" in summary


def test_help_extension_is_capped_at_five_days_in_total():
    cal = package_calendar()
    plain = handling_clock(cal, HEYUAN_DEFAULT, "help", WEDNESDAY)
    extended = handling_clock(cal, HEYUAN_DEFAULT, "help", WEDNESDAY, extension_days=2)
    assert extended.due == plain.yellow  # 5 WD: the yellow card of the unextended ticket
    assert extended.red == plain.red
    with pytest.raises(ValueError, match="at most 2 working days"):
        handling_clock(cal, HEYUAN_DEFAULT, "help", WEDNESDAY, extension_days=3)


def test_extension_limits():
    cal = package_calendar()
    with pytest.raises(ValueError, match="at most 10 working days"):
        handling_clock(cal, HEYUAN_DEFAULT, "complaint", WEDNESDAY, extension_days=11)
    with pytest.raises(ValueError, match="negative"):
        handling_clock(cal, HEYUAN_DEFAULT, "complaint", WEDNESDAY, extension_days=-1)
    with pytest.raises(TypeError, match="whole number"):
        handling_clock(cal, HEYUAN_DEFAULT, "complaint", WEDNESDAY, extension_days=1.5)
    assert handling_clock(cal, HEYUAN_DEFAULT, "complaint", WEDNESDAY, extension_days=10).due_day == date(2026, 4, 1)


def test_redo_restarts_from_redo_dispatch_without_extension():
    cal = package_calendar()
    redo_at = datetime(2026, 9, 29, 15, 30, tzinfo=TZ)
    clock = handling_clock(cal, HEYUAN_DEFAULT, "consult", redo_at, redo=True)
    assert clock.redo and clock.extension_days == 0
    assert clock.due_day == date(2026, 10, 8)  # 09-30, then National Day, then 10-08
    info = clock.explain()
    assert info["redo"] is True
    assert info["summary"].startswith("重办：自重办派单时2026-09-29 15:30起重新计算")
    with pytest.raises(ValueError, match="may not be extended"):
        handling_clock(cal, HEYUAN_DEFAULT, "consult", redo_at, redo=True, extension_days=1)


def test_naive_start_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        handling_clock(package_calendar(), HEYUAN_DEFAULT, "consult", datetime(2026, 3, 4, 10))


# -- other stages ---------------------------------------------------------------------------------------------------


def test_acceptance_clock():
    clock = acceptance_clock(package_calendar(), HEYUAN_DEFAULT, WEDNESDAY)
    assert clock.stage == "acceptance" and clock.ticket_type is None
    assert clock.due == end_of(date(2026, 3, 5))  # the 1-WD return window
    assert clock.warning == end_of(date(2026, 3, 5))
    assert clock.yellow == end_of(date(2026, 3, 6))
    assert clock.red == end_of(date(2026, 3, 9))
    assert "逾期不得退回" in clock.explain()["summary"]


def test_dispatch_evaluation_supervision_clocks():
    cal = package_calendar()
    assert dispatch_clock(cal, HEYUAN_DEFAULT, WEDNESDAY).due == end_of(date(2026, 3, 5))
    several = dispatch_clock(cal, HEYUAN_DEFAULT, WEDNESDAY, several_units=True)
    assert several.due == end_of(date(2026, 3, 6))
    evaluation = evaluation_clock(cal, HEYUAN_DEFAULT, WEDNESDAY)
    assert evaluation.due == end_of(date(2026, 3, 9))
    assert "未评价" in evaluation.explain()["summary"]
    supervision = supervision_clock(cal, HEYUAN_DEFAULT, WEDNESDAY)
    assert supervision.due == end_of(date(2026, 3, 6))
    for clock in (several, evaluation, supervision):
        assert clock.warning is clock.yellow is clock.red is None
        assert monitoring_level(clock, clock.due + timedelta(days=30)) == "normal"


# -- monitoring ----------------------------------------------------------------------------------------------------


def test_monitoring_level_steps():
    clock = handling_clock(package_calendar(), HEYUAN_DEFAULT, "consult", WEDNESDAY)
    assert monitoring_level(clock, WEDNESDAY) == "normal"
    assert monitoring_level(clock, clock.warning - US) == "normal"
    assert monitoring_level(clock, clock.warning) == "warning"
    assert monitoring_level(clock, clock.yellow - US) == "warning"
    assert monitoring_level(clock, clock.yellow) == "yellow"
    assert monitoring_level(clock, clock.red - US) == "yellow"
    assert monitoring_level(clock, clock.red) == "red"
    assert monitoring_level(clock, clock.red + timedelta(days=100)) == "red"
    with pytest.raises(ValueError, match="timezone-aware"):
        monitoring_level(clock, datetime(2026, 3, 6))


def test_monitoring_level_agrees_with_elapsed_days():
    cal = package_calendar()
    clock = handling_clock(cal, HEYUAN_DEFAULT, "help", WEDNESDAY)
    rules = HEYUAN_DEFAULT.types["help"]
    now = WEDNESDAY
    while now < clock.red + timedelta(days=2):
        elapsed = cal.working_days_elapsed(WEDNESDAY, now)
        expected = ("red" if elapsed >= rules.red_after else "yellow" if elapsed >= rules.yellow_after
                    else "warning" if elapsed >= rules.warning_after else "normal")
        assert monitoring_level(clock, now) == expected, now
        now += timedelta(hours=5)


# -- explanations ----------------------------------------------------------------------------------------------------


def test_explain_national_day():
    clock = handling_clock(package_calendar(), HEYUAN_DEFAULT, "complaint", datetime(2026, 9, 30, 10, tzinfo=TZ))
    info = clock.explain()
    json.dumps(info)  # plain values only
    assert info["due_local"] == "2026-10-20 24:00"
    assert info["rule"]["limit"] == 10 and info["extension_days"] == 0 and info["redo"] is False
    assert info["skipped"][:7] == [f"2026-10-0{day}" for day in range(1, 8)]
    assert info["skipped_holidays"]["2026-10-01"] == "国庆节"
    assert info["summary"] == (
        "自2026-09-30 10:00起算（受理当日不计），按投诉类办理时限10个工作日，"
        "跳过国庆节假期（2026-10-01至2026-10-07）、周末（2026-10-11）、周末（2026-10-17至2026-10-18），"
        "截止2026-10-20 24:00"
    )


def test_clock_reaching_unentered_year_is_provisional():
    cal = package_calendar()
    # Due 2026-12-31 is known, but the red card (3 WD) lands on 2027-01-01.
    clock = handling_clock(cal, HEYUAN_DEFAULT, "consult", datetime(2026, 12, 29, 10, tzinfo=TZ))
    assert clock.due_day == date(2026, 12, 31)
    assert clock.red == end_of(date(2027, 1, 1))
    assert clock.provisional and clock.provisional_years == (2027,)
    summary = clock.explain()["summary"]
    assert "2027年节假日安排尚未录入，相关时间暂按周末计算，为暂定" in summary
    assert not handling_clock(cal, HEYUAN_DEFAULT, "consult", datetime(2026, 12, 1, 10, tzinfo=TZ)).provisional


@pytest.mark.parametrize(("seconds", "said"), [
    (3 * 86400 + 5 * 3600 + 59, "3天5小时"), (2 * 86400, "2天"), (-(2 * 86400 + 10 * 3600), "2天10小时"),
    (5 * 3600 + 7 * 60 + 30, "5小时7分"), (4 * 3600, "4小时0分"), (59 * 60 + 59, "59分"), (20, "0分")])
def test_a_length_of_time_is_said_as_people_say_it(seconds, said):
    """Time left, time overdue and lateness all read the same on every page: the sign of the span is the caller's
    (剩余 / 已超期 / 逾期), the words are this one formatter's."""
    assert span_text(seconds) == said
