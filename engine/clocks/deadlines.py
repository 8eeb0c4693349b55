"""The clocks of one ticket, recomputed from the instants they started at: for recomputation and explanations.

A ticket stores each clock's result (due instant and thresholds) in indexed columns; what it does not store is
recomputed from the audit trail: the instant the ticket entered 待派单 or 待回访评价 starts those clocks, and an
``extension_approve`` row (written by :func:`engine.clocks.monitor.apply_extension`) holds an approved extension.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from engine.common import calendar as shared_calendar
from engine.common import rules_for
from engine.domain import timelimits as tl
from engine.domain.calendar import WorkingCalendar
from engine.models import AuditLog, CalendarDay, CalendarYear, Ticket
from engine.models import RuleSet as RuleSetRow

from .calendar_seed import chinesecalendar_names

# Which clock runs while a ticket is in a state (DOMAIN.md §4): the office's dispatch clock (Art. 9) while it
# waits for dispatch, the acceptance clock while the unit has not signed for it, the handling clock until the
# office accepts the reply. Any other state runs no monitored clock.
STAGE_BY_STATUS = {
    "dispatching": "dispatch",
    "county_dispatching": "dispatch",
    "signing": "acceptance",
    "co_handling": "handling",
    "handling": "handling",
    "reviewing": "handling",
}
EXTENSION_ACTION = "extension_approve"

# The stored columns of each clock: (due column, (warning, yellow, red) columns or None).
COLUMNS: dict[str, tuple[str, tuple[str, str, str] | None]] = {
    "dispatch": ("dispatch_due", None),
    "acceptance": ("accept_due", ("accept_warning_at", "accept_yellow_at", "accept_red_at")),
    "handling": ("handling_due", ("handling_warning_at", "handling_yellow_at", "handling_red_at")),
    "evaluation": ("eval_due", None),
}


def running_stage(status: str) -> str | None:
    """Return the monitored clock ('dispatch', 'acceptance', 'handling') that runs in ``status``, if any."""
    return STAGE_BY_STATUS.get(status)


def store_clock(ticket: Ticket, clock: tl.Clock) -> None:
    """Copy a clock's due instant and thresholds into the ticket's columns."""
    due_col, levels = COLUMNS[clock.stage]
    setattr(ticket, due_col, clock.due)
    if levels is not None:
        for col, value in zip(levels, (clock.warning, clock.yellow, clock.red), strict=True):
            setattr(ticket, col, value)


@dataclass(frozen=True)
class TicketClocks:
    """Every clock a ticket has started, recomputed with a given calendar (None where it never started)."""

    dispatch: tl.Clock | None
    acceptance: tl.Clock | None
    handling: tl.Clock | None
    evaluation: tl.Clock | None

    def present(self) -> list[tl.Clock]:
        return [c for c in (self.dispatch, self.acceptance, self.handling, self.evaluation) if c is not None]

    def provisional_now(self, status: str) -> bool:
        """Tell whether a deadline that still matters in ``status`` lies in a year nobody entered."""
        stage = running_stage(status)
        if stage == "dispatch":
            return bool(self.dispatch and self.dispatch.provisional)
        if stage in ("acceptance", "handling"):
            return any(c.provisional for c in (self.acceptance, self.handling) if c is not None)
        if status == "evaluating":
            return bool(self.evaluation and self.evaluation.provisional)
        return False


@dataclass(frozen=True)
class ClockFacts:
    """What a ticket's columns do not hold: when its dispatch and evaluation clocks started, its extension."""

    dispatch_start: datetime | None
    evaluation_start: datetime | None
    extension_days: int


def clock_facts(session: Session, tickets: list[Ticket]) -> dict[int, ClockFacts]:
    """Read the facts of many tickets from the audit trail in two queries."""
    ids = [t.id for t in tickets]
    if not ids:
        return {}
    # A clock starts when the ticket entered the state: the audit row of the step that moved it there.
    starts = session.execute(
        select(AuditLog.ticket_id, AuditLog.after_status, func.max(AuditLog.at))
        .where(AuditLog.ticket_id.in_(ids), AuditLog.after_status.in_(("dispatching", "evaluating")),
               AuditLog.before_status != AuditLog.after_status)
        .group_by(AuditLog.ticket_id, AuditLog.after_status)).all()
    started = {(tid, status): at for tid, status, at in starts}
    extensions: dict[int, list[tuple[datetime, dict]]] = {}
    for tid, at, detail in session.execute(select(AuditLog.ticket_id, AuditLog.at, AuditLog.detail).where(
            AuditLog.ticket_id.in_(ids), AuditLog.action == EXTENSION_ACTION).order_by(AuditLog.id)):
        extensions.setdefault(tid, []).append((at, detail or {}))
    out = {}
    for t in tickets:
        # Only an extension of the current handling clock counts; a redo restarts the clock without one.
        current = [d for at, d in extensions.get(t.id, ()) if t.handling_started_at and at >= t.handling_started_at]
        out[t.id] = ClockFacts(started.get((t.id, "dispatching")), started.get((t.id, "evaluating")),
                               int(current[-1].get("days") or 0) if current else 0)
    return out


def extension_days(session: Session, ticket: Ticket) -> int:
    """Return the working days of the extension approved on the current handling clock (0 without one)."""
    return clock_facts(session, [ticket])[ticket.id].extension_days


def compute_clocks(session: Session, ticket: Ticket, cal: WorkingCalendar, rules: tl.RuleSet | None = None, *,
                   facts: ClockFacts | None = None, running_only: bool = False) -> TicketClocks:
    """Recompute the clocks the ticket has started with ``cal`` and the ticket's own rule set.

    With ``running_only`` only the clocks that still matter in the ticket's state are computed (the others are
    history and keep their stored values).
    """
    rules = rules or rules_for(session, ticket.rule_set_id)
    facts = facts or clock_facts(session, [ticket])[ticket.id]
    stage = running_stage(ticket.status)
    wanted = {"dispatch", "acceptance", "handling", "evaluation"}
    if running_only:
        wanted = {"dispatch"} if stage == "dispatch" else {"acceptance", "handling"} if stage else set()
        if ticket.status == "evaluating":
            wanted = {"evaluation"}
    dispatch = evaluation = acceptance = handling = None
    if "dispatch" in wanted and ticket.dispatch_due is not None and facts.dispatch_start is not None:
        dispatch = tl.dispatch_clock(cal, rules, facts.dispatch_start, several_units=ticket.return_count > 0)
    if "acceptance" in wanted and ticket.received_at is not None:
        acceptance = tl.acceptance_clock(cal, rules, ticket.received_at)
    if "handling" in wanted and ticket.handling_started_at is not None:
        handling = tl.handling_clock(cal, rules, ticket.ticket_type, ticket.handling_started_at,
                                     extension_days=facts.extension_days, redo=ticket.redo_count > 0)
    if "evaluation" in wanted and ticket.eval_due is not None and facts.evaluation_start is not None:
        evaluation = tl.evaluation_clock(cal, rules, facts.evaluation_start)
    return TicketClocks(dispatch, acceptance, handling, evaluation)


# -- the calendar with holiday names, for explanations ---------------------------------------------------------

_named: tuple[Any, WorkingCalendar] | None = None


def named_calendar(session: Session) -> WorkingCalendar:
    """Return the shared calendar plus the holiday names the chinesecalendar package gives for its years."""
    global _named
    base = shared_calendar(session)
    if _named is not None and _named[0] is base:
        return _named[1]
    seeded = set(session.scalars(select(CalendarDay.day).where(CalendarDay.note == "chinesecalendar")))
    names = {d: n for d, n in chinesecalendar_names().items() if d in seeded}
    cal = WorkingCalendar(base.overrides, base.known_years, names)
    _named = (base, cal)
    return cal


# -- explanations ------------------------------------------------------------------------------------------------

_STORED_LABELS = {"dispatch": "派单时限", "acceptance": "签收时限", "handling": "办理时限",
                  "evaluation": "回访评价期限"}


def explain_ticket_clocks(session: Session, ticket: Ticket) -> list[dict[str, Any]]:
    """Explain every clock the ticket has started ("为什么是这个时限"), in the order they started.

    Each entry is :meth:`engine.domain.timelimits.Clock.explain` plus the rule-set version, whether the clock runs
    now, the monitoring level it reached and the deadline stored on the ticket (which the explanation must match).
    """
    cal = named_calendar(session)
    rules_row = session.get(RuleSetRow, ticket.rule_set_id)
    clocks = compute_clocks(session, ticket, cal)
    running = running_stage(ticket.status)
    entered = {y for y in session.scalars(select(CalendarYear.year))}
    out = []
    for clock in sorted(clocks.present(), key=lambda c: (c.start, list(COLUMNS).index(c.stage))):
        info = clock.explain()
        due_col, _ = COLUMNS[clock.stage]
        stored = getattr(ticket, due_col)
        info.update({
            "title": _STORED_LABELS[clock.stage],
            "rule_set_id": ticket.rule_set_id,
            "rule_set_version": rules_row.version if rules_row else None,
            "running": clock.stage == running,
            "level": ticket.monitor_level if clock.stage == ticket.monitor_stage else None,
            "level_label": tl.LEVEL_LABELS.get(ticket.monitor_level) if clock.stage == ticket.monitor_stage else None,
            "stored_due": stored.isoformat() if stored else None,
            "matches_stored": stored == clock.due,
            "unentered_years": sorted(set(clock.provisional_years) - entered),
        })
        info["summary"] += f"（时限规则第{info['rule_set_version']}版）"
        out.append(info)
    return out


def open_ticket_filter(cutoff: datetime):
    """SQL condition: an open ticket with a stored deadline or threshold at or after ``cutoff``."""
    cols = [Ticket.dispatch_due, Ticket.accept_due, Ticket.handling_due, Ticket.eval_due, Ticket.accept_red_at,
            Ticket.handling_red_at, Ticket.next_threshold_at]
    return and_(Ticket.status.notin_(("refused", "archived")), or_(*(c >= cutoff for c in cols)))
