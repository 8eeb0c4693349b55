"""The clocks time-limit rules produce (DOMAIN.md §4): computed with a
:class:`~engine.domain.calendar.WorkingCalendar`, explaining themselves in plain JSON-able values.

The rules themselves live in :mod:`engine.domain.rules`; their names are re-exported here for callers.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from engine.domain.calendar import TZ, WorkingCalendar, local_date
from engine.domain.rules import (  # noqa: F401  (re-exported)
    HEYUAN_DEFAULT,
    LEVEL_LABELS,
    LEVELS,
    RULESET_SCHEMA,
    STAGE_LABELS,
    STAGES,
    TICKET_TYPE_LABELS,
    TICKET_TYPES,
    RuleSet,
    Thresholds,
    TypeLimits,
    _canonical_type,
)

# -- clocks ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Clock:
    """The deadline and monitoring instants of one stage of one ticket (all aware UTC, or None)."""

    stage: str
    start: datetime
    due: datetime
    warning: datetime | None
    yellow: datetime | None
    red: datetime | None
    provisional: bool
    ticket_type: str | None = None
    rule_values: tuple[tuple[str, int], ...] = ()  # the numbers used, e.g. (("limit", 10), ("warning_after", 9))
    due_day: date | None = None  # the last working day of the period
    skipped: tuple[date, ...] = ()  # non-working days passed over between receipt and due_day
    skipped_names: tuple[tuple[date, str], ...] = field(default=(), repr=False)
    provisional_years: tuple[int, ...] = ()
    extension_days: int = 0
    redo: bool = False

    def explain(self) -> dict[str, Any]:
        """Return how this clock was computed, as JSON-able values with a Chinese ``summary``."""
        names = dict(self.skipped_names)
        return {
            "stage": self.stage,
            "stage_label": STAGE_LABELS[self.stage],
            "ticket_type": self.ticket_type,
            "ticket_type_label": TICKET_TYPE_LABELS.get(self.ticket_type) if self.ticket_type else None,
            "start": self.start.isoformat(),
            "start_local": _local_minute(self.start),
            "receipt_date": local_date(self.start).isoformat(),
            "rule": dict(self.rule_values),
            "extension_days": self.extension_days,
            "redo": self.redo,
            "due": self.due.isoformat(),
            "due_local": local_end(self.due),
            "warning": _iso(self.warning),
            "yellow": _iso(self.yellow),
            "red": _iso(self.red),
            "skipped": [d.isoformat() for d in self.skipped],
            "skipped_holidays": {d.isoformat(): name for d, name in sorted(names.items())},
            "provisional": self.provisional,
            "provisional_years": list(self.provisional_years),
            "summary": self._summary(names),
        }

    def _summary(self, names: Mapping[date, str]) -> str:
        rules = dict(self.rule_values)
        if self.stage == "handling":
            days = rules["limit"] + self.extension_days
            what = f"按{TICKET_TYPE_LABELS[self.ticket_type]}类办理时限{rules['limit']}个工作日"
            if self.extension_days:
                what += f"，经批准延期{self.extension_days}个工作日，共{days}个工作日"
        else:
            what = _STAGE_SUMMARY[self.stage].format(days=rules["days"])
        parts = [f"自{_local_minute(self.start)}起算（受理当日不计）"]
        if self.redo:
            parts[0] = f"重办：自重办派单时{_local_minute(self.start)}起重新计算（当日不计，不得延期）"
        parts.append(what)
        if self.skipped:
            parts.append("跳过" + "、".join(_describe_runs(self.skipped, names)))
        parts.append(f"截止{local_end(self.due)}")
        text = "，".join(parts)
        if self.provisional:
            years = "、".join(f"{y}年" for y in self.provisional_years)
            text += f"（{years}节假日安排尚未录入，相关时间暂按周末计算，为暂定）"
        return text


_STAGE_SUMMARY = {
    "acceptance": "按签收退回期限{days}个工作日（逾期不得退回，视同接受）",
    "dispatch": "按派单时限{days}个工作日",
    "evaluation": "按回访评价期限{days}个工作日（逾期记为未评价）",
    "supervision": "按督办答复时限{days}个工作日",
}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _local_minute(instant: datetime) -> str:
    return instant.astimezone(TZ).strftime("%Y-%m-%d %H:%M")


def local_end(instant: datetime | None) -> str:
    """Write a deadline or period end in Beijing time as people read it: 00:00 of the next day is 24:00 of the last
    day (2026-11-14 00:00 → 2026-11-13 24:00); another time is written as it is; nothing is an empty string.

    The one formatter of period ends: pages (the ``due`` filter), notices, PDFs' facts and exports all write with it.
    """
    if instant is None:
        return ""
    local = instant.astimezone(TZ)
    if local.time() == datetime.min.time():
        return f"{local - timedelta(days=1):%Y-%m-%d} 24:00"
    return f"{local:%Y-%m-%d %H:%M}"


def span_text(seconds: float) -> str:
    """A length of time as people say it on a page: 「2天3小时」 from a day up (「2天」 on the hour), else 「3小时5分」,
    else 「5分」. The one formatter of time left, time overdue and lateness."""
    minutes = int(abs(seconds)) // 60
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}天{hours}小时" if hours else f"{days}天"
    return f"{hours}小时{mins}分" if hours else f"{mins}分"


def _describe_runs(days: tuple[date, ...], names: Mapping[date, str]) -> list[str]:
    """Group consecutive skipped days and name each run, e.g. 国庆节假期（2026-10-01至2026-10-07）."""
    runs: list[list[date]] = []
    for d in days:
        if runs and (d - runs[-1][-1]).days == 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    out = []
    for run in runs:
        span = run[0].isoformat() if len(run) == 1 else f"{run[0].isoformat()}至{run[-1].isoformat()}"
        run_names = [names[d] for d in run if d in names]
        if run_names:
            label = f"{run_names[0]}假期"
        elif all(d.weekday() >= 5 for d in run):
            label = "周末"
        else:
            label = "休息日"
        out.append(f"{label}（{span}）")
    return out


def _clock(
    cal: WorkingCalendar,
    stage: str,
    start: datetime,
    due_days: int,
    thresholds: tuple[int, int, int] | None,
    rule_values: tuple[tuple[str, int], ...],
    **extra: Any,
) -> Clock:
    receipt = local_date(start)
    due = cal.add_working_days_from_date(receipt, due_days)
    points = [due]
    warning = yellow = red = None
    if thresholds is not None:
        w, y, r = (cal.add_working_days_from_date(receipt, n) for n in thresholds)
        points += [w, y, r]
        warning, yellow, red = w.end, y.end, r.end
    years = sorted({year for p in points for year in p.provisional_years})
    names = tuple((d, name) for d in due.skipped if (name := cal.day_name(d)) is not None)
    return Clock(
        stage=stage,
        start=start.astimezone(UTC),
        due=due.end,
        warning=warning,
        yellow=yellow,
        red=red,
        provisional=bool(years),
        rule_values=rule_values,
        due_day=due.last_day,
        skipped=due.skipped,
        skipped_names=names,
        provisional_years=tuple(years),
        **extra,
    )


def handling_clock(
    cal: WorkingCalendar,
    rules: RuleSet,
    ticket_type: str,
    start: datetime,
    *,
    extension_days: int = 0,
    redo: bool = False,
) -> Clock:
    """Compute the handling clock from the unit's receipt (or the redo dispatch) instant.

    With an approved extension the deadline moves ``extension_days`` working days and the thresholds follow it:
    warning ``extension_warning_before`` WD before, yellow at it, red ``extension_red_after`` WD after.

    :raises ValueError: for an unknown type, a naive ``start``, an extension beyond the type's cap, or a redo
        with an extension.
    """
    code = _canonical_type(ticket_type)
    limits = rules.types[code]
    if isinstance(extension_days, bool) or not isinstance(extension_days, int):
        raise TypeError(f"extension_days must be a whole number of working days, got {extension_days!r}")
    if extension_days < 0:
        raise ValueError(f"extension_days may not be negative, got {extension_days}")
    if redo and extension_days:
        raise ValueError("a redo (重办) may not be extended")
    if extension_days > limits.max_extension:
        raise ValueError(
            f"an extension for {code} may add at most {limits.max_extension} working days, got {extension_days}"
        )
    rule_values: tuple[tuple[str, int], ...] = (
        ("limit", limits.limit),
        ("warning_after", limits.warning_after),
        ("yellow_after", limits.yellow_after),
        ("red_after", limits.red_after),
        ("max_extension", limits.max_extension),
    )
    if extension_days:
        total = limits.limit + extension_days
        # Clamp so a zero-day "warning before" or a 1-day total never asks for day 0.
        thresholds = (max(1, total - rules.extension_warning_before), total, total + rules.extension_red_after)
        rule_values += (
            ("extension_warning_before", rules.extension_warning_before),
            ("extension_red_after", rules.extension_red_after),
        )
    else:
        total = limits.limit
        thresholds = (limits.warning_after, limits.yellow_after, limits.red_after)
    return _clock(
        cal, "handling", start, total, thresholds, rule_values,
        ticket_type=code, extension_days=extension_days, redo=redo,
    )


def acceptance_clock(cal: WorkingCalendar, rules: RuleSet, start: datetime) -> Clock:
    """Compute the sign-for (签收) clock: due at the end of the return window, with the acceptance thresholds.

    :raises ValueError: for a naive ``start``.
    """
    acc = rules.acceptance
    rule_values = (
        ("days", rules.return_window),
        ("warning_after", acc.warning_after),
        ("yellow_after", acc.yellow_after),
        ("red_after", acc.red_after),
    )
    thresholds = (acc.warning_after, acc.yellow_after, acc.red_after)
    return _clock(cal, "acceptance", start, rules.return_window, thresholds, rule_values)


def dispatch_clock(cal: WorkingCalendar, rules: RuleSet, start: datetime, several_units: bool = False) -> Clock:
    """Compute the dispatch (派单) clock from the instant the ticket was formed.

    :raises ValueError: for a naive ``start``.
    """
    days = rules.dispatch_several_units if several_units else rules.dispatch
    return _clock(cal, "dispatch", start, days, None, (("days", days),))


def evaluation_clock(cal: WorkingCalendar, rules: RuleSet, start: datetime) -> Clock:
    """Compute the evaluation (回访评价) window; past it the ticket is recorded as 未评价.

    :raises ValueError: for a naive ``start``.
    """
    return _clock(cal, "evaluation", start, rules.evaluation_window, None, (("days", rules.evaluation_window),))


def supervision_clock(cal: WorkingCalendar, rules: RuleSet, start: datetime) -> Clock:
    """Compute the supervision (督办) reply clock.

    :raises ValueError: for a naive ``start``.
    """
    return _clock(cal, "supervision", start, rules.supervision_reply, None, (("days", rules.supervision_reply),))


def monitoring_level(clock: Clock, now: datetime) -> str:
    """Return 'normal', 'warning', 'yellow' or 'red' for ``now`` against the clock's thresholds.

    :raises ValueError: when ``now`` is naive.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"now must be timezone-aware, got naive {now.isoformat()}")
    if clock.red is not None and now >= clock.red:
        return "red"
    if clock.yellow is not None and now >= clock.yellow:
        return "yellow"
    if clock.warning is not None and now >= clock.warning:
        return "warning"
    return "normal"
