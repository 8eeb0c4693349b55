"""Who may see a ticket and act on a task, and the citizen's query code; shared by the verbs and the read models."""
from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import exists, or_, select

from engine.domain.calendar import TZ
from engine.domain.roles import Role
from engine.models import Assignment, TaskProjection, Ticket, Unit

from .actors import Actor


def hash_query_code(ticket_id: int, code: str) -> str:
    return hashlib.sha256(f"{ticket_id}:{code}".encode()).hexdigest()


def can_act(actor: Actor, proj: TaskProjection) -> bool:
    if actor.kind == "system":
        return True
    if actor.kind == "citizen":  # only after the caller verified the ticket number and query code
        return proj.bpmn_id == "evaluate"
    if actor.kind != "user" or actor.role is None or proj.role != actor.role.value:
        return False
    return proj.unit_id is None or proj.unit_id == actor.unit_id


def iso(dt: datetime | None) -> str | None:
    return dt.astimezone(TZ).isoformat() if dt else None


def visible_filter(actor: Actor):
    """A SQL condition restricting tickets to what the actor may see (Art. 26: a unit sees its own)."""
    if actor.kind == "system" or (actor.role is not None and actor.role.is_office):
        return True
    if actor.role == Role.COUNTY_DISPATCHER:
        member = select(Unit.id).where(Unit.parent_id == actor.unit_id)
        return or_(Ticket.county_office_id == actor.unit_id,
                   exists().where(Assignment.ticket_id == Ticket.id, Assignment.unit_id.in_(member)))
    if actor.role is not None and actor.role.is_unit and actor.unit_id:
        # Its own tickets, and a ticket while the unit has a task on it (a department consulted in a joint review).
        return or_(exists().where(Assignment.ticket_id == Ticket.id, Assignment.unit_id == actor.unit_id),
                   exists().where(TaskProjection.ticket_id == Ticket.id, TaskProjection.unit_id == actor.unit_id))
    return False
