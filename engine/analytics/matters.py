"""Merged matters and dispatch suggestions in figures (issue 21): how many calls each matter had (并单: one matter,
many citizens), and how often dispatchers took a suggested unit, with the returns (退回) that followed.

Reads tickets, never changes them; periods are half-open ``[start, end)``.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.common import iso
from engine.domain.states import TicketStatus
from engine.models import Assignment, DispatchSuggestion, Ticket, Unit

from .metrics import check_period, in_period


def calls_and_matters(session: Session, start: datetime, end: datetime) -> dict:
    """Calls registered in the period, and the matters they make once merged tickets count with their main."""
    check_period(start, end)
    calls, merged = session.execute(select(func.count(), func.count(Ticket.main_ticket_id))
                                    .where(in_period(Ticket.created_at, start, end))).one()
    return {"calls": calls, "merged": merged, "matters": calls - merged}


def merged_matters(session: Session, start: datetime, end: datetime, limit: int = 50) -> list[dict]:
    """Main tickets with tickets merged into them registered in the period, most calls first: calls = 1 + merged."""
    check_period(start, end)
    counts = (select(Ticket.main_ticket_id.label("main_id"), func.count().label("n"),
                     func.max(Ticket.created_at).label("last"))
              .where(Ticket.main_ticket_id.is_not(None), in_period(Ticket.created_at, start, end))
              .group_by(Ticket.main_ticket_id).subquery())
    rows = session.execute(select(Ticket, counts.c.n, counts.c.last, Unit.name)
                           .join(counts, counts.c.main_id == Ticket.id)
                           .outerjoin(Unit, Unit.id == Ticket.lead_unit_id)
                           .order_by(counts.c.n.desc(), Ticket.id).limit(limit)).all()
    return [{"ticket_id": t.id, "number": t.number, "category": t.category, "address": t.address,
             "calls": n + 1, "first_at": iso(t.created_at), "last_at": iso(last), "unit": unit,
             "status_label": TicketStatus(t.status).label} for t, n, last, unit in rows]


def suggestion_adoption(session: Session, start: datetime, end: datetime) -> dict:
    """Of the dispatches in the period that had suggestions shown: how many took the first, one of the three, or
    the category's default unit, and how many of each kind the unit then returned (退回)."""
    check_period(start, end)
    returned = select(Assignment.id).where(
        Assignment.ticket_id == DispatchSuggestion.ticket_id, Assignment.round == DispatchSuggestion.dispatch_round,
        Assignment.unit_id == DispatchSuggestion.chosen_unit_id, Assignment.role == "lead",
        Assignment.returned_at.is_not(None)).exists()
    rows = session.execute(select(DispatchSuggestion.taken_rank,
                                  DispatchSuggestion.chosen_unit_id == DispatchSuggestion.default_unit_id, returned)
                           .where(DispatchSuggestion.dispatched_at.is_not(None),
                                  in_period(DispatchSuggestion.dispatched_at, start, end))).all()
    out = {"dispatches": len(rows), "top1": 0, "top3": 0, "default": 0, "other": 0,
           "returned_taken": 0, "returned_other": 0}
    for rank, was_default, was_returned in rows:
        taken = rank is not None
        out["top1"] += rank == 1
        out["top3"] += taken
        out["default"] += bool(was_default)
        out["other"] += not taken
        out["returned_taken" if taken else "returned_other"] += bool(was_returned)
    n = out["dispatches"]
    out["top1_rate"] = out["top1"] / n if n else None
    out["top3_rate"] = out["top3"] / n if n else None
    out["return_rate_taken"] = out["returned_taken"] / out["top3"] if out["top3"] else None
    out["return_rate_other"] = out["returned_other"] / out["other"] if out["other"] else None
    return out

