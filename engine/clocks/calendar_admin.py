"""The office enters a year's State Council holiday notice; every open deadline is then recomputed.

A deadline reaching into a year nobody entered was counted with weekends only and marked provisional (DOMAIN.md
§4); entering the year replaces that year's days, marks it entered and moves every open ticket's clocks, with an
audit row on each ticket whose deadline moved.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, delete, func, select, update
from sqlalchemy.orm import Session, defer

from engine.common import Actor, Invalid, write_audit
from engine.common import calendar as shared_calendar
from engine.domain.calendar import TZ, WorkingCalendar
from engine.domain.states import STATUS_LABELS, TicketStatus
from engine.knowledge import flags as knowledge_flags
from engine.models import AuditLog, CalendarDay, CalendarYear, TaskProjection, Ticket

from .deadlines import COLUMNS, ClockFacts, clock_facts, compute_clocks, named_calendar, open_ticket_filter, store_clock
from .monitor import reschedule

# Columns a recomputation may move; the audit row lists those that did.
CLOCK_COLUMNS = ("dispatch_due", "accept_due", "handling_due", "eval_due", "accept_warning_at", "accept_yellow_at",
                 "accept_red_at", "handling_warning_at", "handling_yellow_at", "handling_red_at")
DUE_COLUMNS = tuple(due for due, _ in COLUMNS.values())


@dataclass
class ImportResult:
    """What entering one year's notice did."""

    year: int
    off_days: int
    on_days: int
    replaced: bool  # the year had been entered before
    moved: list[int] = field(default_factory=list)  # tickets whose deadlines moved
    checked: int = 0  # open tickets looked at
    flags_moved: list[int] = field(default_factory=list)  # open knowledge-base flags whose fix clocks moved


def load_calendar(session: Session) -> WorkingCalendar:
    """Build a calendar from what this session sees now (uncommitted changes included), bypassing the cache."""
    overrides = dict(session.execute(select(CalendarDay.day, CalendarDay.working)).all())
    return WorkingCalendar(overrides, session.scalars(select(CalendarYear.year)).all())


def import_year(session: Session, year: int, days: dict[date, bool], source: str, actor: Actor, now: datetime
                ) -> ImportResult:
    """Replace ``year``'s holidays and make-up days with ``days``, mark it entered and recompute open deadlines.

    ``days`` comes from :func:`engine.clocks.calendar_seed.parse_year_notice`; entries in the December before ``year``
    (a notice may move those) replace what that December had for those dates only.

    :raises Invalid: for a year out of range or a date outside ``year`` and its preceding December.
    """
    if not 2000 <= year <= 2100:
        raise Invalid("年份须在2000至2100之间", f"calendar import for year {year}")
    stray = sorted(d for d in days if d.year != year and not (d.year == year - 1 and d.month == 12))
    if stray:
        raise Invalid(f"{stray[0].isoformat()}不在{year}年内", f"calendar import for {year} has {stray[0]}")
    replaced = session.get(CalendarYear, year) is not None
    session.execute(delete(CalendarDay).where(CalendarDay.day >= date(year, 1, 1),
                                              CalendarDay.day <= date(year, 12, 31)))
    session.flush()
    note = source[:60]
    for day, working in sorted(days.items()):
        session.merge(CalendarDay(day=day, working=working, note=note))
    entry = session.get(CalendarYear, year)
    if entry is None:
        session.add(CalendarYear(year=year, source=note, entered_at=now))
    else:
        entry.source, entry.entered_at = note, now
    session.flush()
    result = ImportResult(year=year, off_days=sum(1 for w in days.values() if not w),
                          on_days=sum(1 for w in days.values() if w), replaced=replaced)
    write_audit(session, None, actor, "calendar_import", None, None, now, year=year, source=note,
                off_days=result.off_days, on_days=result.on_days, replaced=replaced)
    cutoff = datetime(year - 1, 12, 1, tzinfo=TZ)
    cal = load_calendar(session)
    result.checked, result.moved = recompute_open_deadlines(session, cal, actor, now, cutoff=cutoff,
                                                            reason={"year": year})
    result.flags_moved = knowledge_flags.recompute_open_flags(session, cal, actor, now, reason={"year": year})
    return result


def recompute_open_deadlines(session: Session, cal: WorkingCalendar, actor: Actor, now: datetime, *,
                             cutoff: datetime | None = None, condition=None, reason: dict | None = None,
                             batch: int = 500) -> tuple[int, list[int]]:
    """Recompute the clocks of open tickets with a deadline at or after ``cutoff``; return (checked, moved ids).

    Each moved ticket gets its new columns, its ready tasks' due times, its pending threshold (levels already
    reached are kept) and one ``deadline_recomputed`` audit row listing every instant that moved.
    """
    if condition is None:
        condition = open_ticket_filter(cutoff) if cutoff else Ticket.status.notin_(("refused", "archived"))
    checked, moved = 0, []
    last_id = 0
    while True:
        tickets = session.scalars(select(Ticket).options(defer(Ticket.workflow_state), defer(Ticket.content))
                                  .where(condition, Ticket.id > last_id).order_by(Ticket.id)
                                  .limit(batch).with_for_update()).all()
        if not tickets:
            break
        facts = clock_facts(session, tickets)
        for ticket in tickets:
            checked += 1
            if _recompute_one(session, ticket, cal, facts[ticket.id], actor, now, reason or {}):
                moved.append(ticket.id)
        last_id = tickets[-1].id
    session.flush()
    return checked, moved


def refresh_provisional(session: Session, actor: Actor, now: datetime) -> list[int]:
    """Recompute open tickets still marked provisional with the calendar as stored now; return those that moved.

    An import recomputes every open deadline, but a worker whose calendar cache was a few seconds stale may have
    started a clock with the old calendar meanwhile; the scheduler runs this after the entered years change.
    """
    condition = and_(Ticket.deadline_provisional.is_(True), Ticket.status.notin_(("refused", "archived")))
    cal = load_calendar(session)
    moved = recompute_open_deadlines(session, cal, actor, now, condition=condition,
                                     reason={"reason": "calendar_entered"})[1]
    knowledge_flags.recompute_open_flags(session, cal, actor, now, only_provisional=True,
                                         reason={"reason": "calendar_entered"})
    return moved


def _recompute_one(session: Session, ticket: Ticket, cal: WorkingCalendar, facts: ClockFacts, actor: Actor,
                   now: datetime, reason: dict) -> bool:
    before = {col: getattr(ticket, col) for col in CLOCK_COLUMNS}
    was_provisional = ticket.deadline_provisional
    clocks = compute_clocks(session, ticket, cal, facts=facts, running_only=True)
    for clock in clocks.present():
        store_clock(ticket, clock)
    ticket.deadline_provisional = clocks.provisional_now(ticket.status)
    changes = {col: [_iso(before[col]), _iso(getattr(ticket, col))] for col in CLOCK_COLUMNS
               if before[col] != getattr(ticket, col)}
    if not changes and was_provisional == ticket.deadline_provisional:
        return False
    for col in DUE_COLUMNS:
        old, new = before[col], getattr(ticket, col)
        if old is not None and new != old:
            # A ready task carries the due time it was given; move exactly those that carried the old one.
            session.execute(update(TaskProjection).where(TaskProjection.ticket_id == ticket.id,
                                                         TaskProjection.due_at == old).values(due_at=new))
    reschedule(ticket)
    write_audit(session, ticket.id, actor, "deadline_recomputed", ticket.status, ticket.status, now,
                **reason, changes=changes, provisional=ticket.deadline_provisional,
                was_provisional=was_provisional)
    return True


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(TZ).isoformat() if value else None


# The source the installation writes for the years the chinesecalendar package ships (engine.process.setup).
BUILTIN_SOURCE = "chinesecalendar"


def source_label(source: str | None) -> str:
    """Where a year's days came from, in the office's words: the built-in State Council data or the office's entry."""
    if not source:
        return ""
    if source == BUILTIN_SOURCE:
        return "国务院节假日安排（内置数据）"
    return f"热线办录入：{source}"


def year_view(session: Session, year: int) -> dict[str, Any]:
    """Return one year as entered: whether it is, its source, its holidays (off) and make-up days (on)."""
    entry = session.get(CalendarYear, year)
    rows = session.execute(select(CalendarDay.day, CalendarDay.working, CalendarDay.note)
                           .where(CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31))
                           .order_by(CalendarDay.day)).all()
    cal = named_calendar(session)
    days = [{"day": d, "working": w, "weekday": "一二三四五六日"[d.weekday()], "name": cal.day_name(d) or "",
             "note": note or ""} for d, w, note in rows]
    ordinals = range(date(year, 1, 1).toordinal(), date(year, 12, 31).toordinal() + 1)
    working = sum(1 for o in ordinals if cal.is_working_day(date.fromordinal(o)))
    return {"year": year, "entered": entry is not None, "source": entry.source if entry else None,
            "source_text": source_label(entry.source if entry else None),
            "entered_at": entry.entered_at if entry else None, "off": [d for d in days if not d["working"]],
            "on": [d for d in days if d["working"]], "working_days": working}


def entered_years(session: Session) -> list[dict[str, Any]]:
    """Return every entered year with its source, newest first."""
    return [{"year": y.year, "source": y.source, "source_text": source_label(y.source), "entered_at": y.entered_at}
            for y in session.scalars(select(CalendarYear).order_by(CalendarYear.year.desc()))]


def provisional_tickets(session: Session, limit: int = 50) -> tuple[int, list[dict[str, Any]]]:
    """Return how many open tickets have provisional deadlines, and the first ``limit`` of them (admin warning)."""
    condition = and_(Ticket.deadline_provisional.is_(True), Ticket.status.notin_(("refused", "archived")))
    count = session.scalar(select(func.count()).select_from(Ticket).where(condition)) or 0
    rows = session.scalars(select(Ticket).where(condition).order_by(Ticket.handling_due, Ticket.id).limit(limit))
    out = []
    for t in rows:
        due = next((getattr(t, c) for c in ("handling_due", "accept_due", "dispatch_due", "eval_due")
                    if getattr(t, c) is not None), None)
        out.append({"id": t.id, "number": t.number, "status_label": STATUS_LABELS[TicketStatus(t.status)],
                    "due": due})
    return int(count), out


def last_import(session: Session, year: int) -> AuditLog | None:
    """Return the audit row of the latest import of ``year``."""
    rows = session.scalars(select(AuditLog).where(AuditLog.action == "calendar_import", AuditLog.ticket_id.is_(None))
                           .order_by(AuditLog.id.desc()).limit(20))
    return next((r for r in rows if (r.detail or {}).get("year") == year), None)


def refresh_shared_calendar(session: Session) -> None:
    """Reload this process's calendar cache after an import has been committed."""
    shared_calendar(session, force=True)
