"""The form-key → handler registry: each handler checks meaning, records facts, returns routing data."""
from __future__ import annotations

from datetime import datetime
from typing import Callable

from sqlalchemy.orm import Session

from engine.models import Ticket
from engine.workflow import ReadyTask

from .actors import Actor

Result = tuple[dict, str, dict]
HANDLERS: dict[str, Callable[..., Result]] = {}


def handler(form_key: str):
    """Register a handler for a form key ("" is the fallback for tasks that declare their own fields)."""
    def deco(fn):
        HANDLERS[form_key] = fn
        return fn
    return deco


def handle(session: Session, actor: Actor, ticket: Ticket, task: ReadyTask, data: dict, now: datetime) -> Result:
    fn = HANDLERS.get(task.form_key or "") or HANDLERS[""]
    return fn(session, actor, ticket, task, data, now)


def form_keys() -> set[str]:
    """Form keys that have a handler (the fallback excluded)."""
    return {k for k in HANDLERS if k}
