"""One dispatch round: the lead unit and the co-handling units a ticket goes to, written as assignment rows.

Dispatch (派单) and the two joint-review decisions that name the units (审定决定, 市政府决定) record a round the same
way, so the ticket page, the unit inbox and the assessment read one kind of row whoever decided.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, case, func, insert, select, update
from sqlalchemy.orm import Session

from engine.models import Assignment, Ticket, Unit

from .actors import Actor
from .driver import execute as write
from .driver import rows

# Built once: dispatch is on the hot path of every ticket.
# The last round and whether any unit still holds the ticket, in one read.
_ROUNDS = select(func.max(Assignment.round), func.max(case((Assignment.active.is_(True), 1), else_=0))).where(
    Assignment.ticket_id == bindparam("ticket_id"))
_DEACTIVATE = (update(Assignment).where(Assignment.ticket_id == bindparam("b_ticket_id"), Assignment.active.is_(True))
               .values(active=False))
# Assignment rows are written as plain rows: nothing reads them back through the session in the action that adds
# them, and the unit of work at commit would cost several times the statement.
_INSERT = insert(Assignment.__table__)


def new_round(session: Session, ticket: Ticket) -> int:
    """End the current round (no unit holds the ticket until the next one) and return the next round's number.
    A ticket dispatched for the first time has nothing to end: one read, no write."""
    last, held = rows(session, _ROUNDS, {"ticket_id": ticket.id})[0]
    if held:
        deactivate(session, ticket)
    return (last or 0) + 1


def deactivate(session: Session, ticket: Ticket) -> None:
    """End the current round: no unit holds the ticket until the next one."""
    session.execute(_DEACTIVATE, {"b_ticket_id": ticket.id})


def assign(session: Session, ticket: Ticket, actor: Actor, lead: Unit, cos: list[Unit], rnd: int,
           now: datetime) -> None:
    """Add the lead and co-handling units of round ``rnd``."""
    write(session, _INSERT, [
        {"ticket_id": ticket.id, "unit_id": u.id, "role": role, "round": rnd, "active": True, "dispatched_at": now,
         "dispatched_by_id": actor.user_id}
        for u, role in [(lead, "lead"), *((c, "co") for c in cos)]])


def dispatch_round(session: Session, ticket: Ticket, actor: Actor, lead: Unit, cos: list[Unit],
                   now: datetime) -> int:
    """Send the ticket to ``lead`` and ``cos`` in a new round (the old one ends); return the round number."""
    rnd = new_round(session, ticket)
    assign(session, ticket, actor, lead, cos, rnd, now)
    ticket.lead_unit_id, ticket.county_office_id = lead.id, None
    return rnd
