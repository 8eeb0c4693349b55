"""One dispatch round: the lead unit and the co-handling units a ticket goes to, written as assignment rows.

Dispatch (派单) and the two joint-review decisions that name the units (审定决定, 市政府决定) record a round the same
way, so the ticket page, the unit inbox and the assessment read one kind of row whoever decided.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from engine.models import Assignment, Ticket, Unit

from .actors import Actor

# Built once: dispatch is on the hot path of every ticket.
_MAX_ROUND = select(func.max(Assignment.round)).where(Assignment.ticket_id == bindparam("ticket_id"))
_DEACTIVATE = (update(Assignment).where(Assignment.ticket_id == bindparam("b_ticket_id"), Assignment.active.is_(True))
               .values(active=False))


def next_round(session: Session, ticket: Ticket) -> int:
    return (session.scalar(_MAX_ROUND, {"ticket_id": ticket.id}) or 0) + 1


def deactivate(session: Session, ticket: Ticket) -> None:
    """End the current round: no unit holds the ticket until the next one."""
    session.execute(_DEACTIVATE, {"b_ticket_id": ticket.id})


def assign(session: Session, ticket: Ticket, actor: Actor, lead: Unit, cos: list[Unit], rnd: int,
           now: datetime) -> None:
    """Add the lead and co-handling units of round ``rnd``."""
    session.add(Assignment(ticket_id=ticket.id, unit_id=lead.id, role="lead", round=rnd, dispatched_at=now,
                           dispatched_by_id=actor.user_id))
    for u in cos:
        session.add(Assignment(ticket_id=ticket.id, unit_id=u.id, role="co", round=rnd, dispatched_at=now,
                               dispatched_by_id=actor.user_id))


def dispatch_round(session: Session, ticket: Ticket, actor: Actor, lead: Unit, cos: list[Unit],
                   now: datetime) -> int:
    """Send the ticket to ``lead`` and ``cos`` in a new round (the old one ends); return the round number."""
    deactivate(session, ticket)
    rnd = next_round(session, ticket)
    assign(session, ticket, actor, lead, cos, rnd, now)
    ticket.lead_unit_id, ticket.county_office_id = lead.id, None
    return rnd
