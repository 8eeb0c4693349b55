"""Who may act on a task, and the citizen's query code; shared by the verbs and the read models."""
from __future__ import annotations

import hashlib

from engine.models import TaskProjection

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
