"""Settings the hotline office changes itself (``office_setting`` rows): read with a default, write with an audit."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from engine.models import OfficeSetting

from .actors import Actor
from .audit import write_audit


def get_setting(session: Session, key: str) -> dict | None:
    """The stored value of ``key``, or None when the office never set it."""
    row = session.get(OfficeSetting, key)
    return dict(row.value) if row is not None else None


def put_setting(session: Session, actor: Actor, key: str, value: dict, now: datetime) -> None:
    """Store ``value`` under ``key`` and write a ``setting_change`` audit row with the value before and after."""
    row = session.get(OfficeSetting, key)
    before = dict(row.value) if row is not None else None
    if row is None:
        row = OfficeSetting(key=key, value=value, updated_at=now, updated_by=actor.label[:120])
        session.add(row)
    else:
        row.value, row.updated_at, row.updated_by = value, now, actor.label[:120]
    write_audit(session, None, actor, "setting_change", None, None, now, key=key, previous=before, value=value)
