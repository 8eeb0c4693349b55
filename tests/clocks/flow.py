"""Drive tickets through the real services at chosen instants, and read what the monitor did."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from engine.clocks.monitor import MonitorSettings, monitor_pass
from engine.common.db import transaction
from engine.models import AuditLog, Outbox, SupervisionRequest, Ticket
from engine.tickets.lifecycle import complete_task, register
from tests.support.helpers import CITIZEN, REPLY, unit, user


def at(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


def received(db, ticket_type: str, when: str, unit_code: str = "HY-ZJJ") -> Ticket:
    """Register a 诉求 of ``ticket_type`` a minute before ``when`` and dispatch it at ``when`` (the unit's receipt)."""
    t = formed(db, ticket_type, when)
    dispatch(db, t, when, unit_code)
    return fresh(db, t)


def formed(db, ticket_type: str, when: str) -> Ticket:
    """Register and accept a 诉求 at ``when``: it waits for dispatch (the office's Art. 9 clock starts)."""
    with transaction(db.session):
        t, _, _ = register(db.session, user(db.session, "agent"),
                           {**CITIZEN, "ticket_type": ticket_type, "scope": "accept"}, at(when))
    return t


def dispatch(db, t: Ticket, when: str, unit_code: str = "HY-ZJJ") -> None:
    act(db, "dispatcher", t, "dispatch", when, lead_unit=unit(db.session, unit_code).id)


def act(db, username: str, t: Ticket, task: str, when: str, **data) -> None:
    with transaction(db.session):
        complete_task(db.session, user(db.session, username), t.id, task, data, at(when))


def sign(db, t: Ticket, when: str) -> None:
    act(db, "receiver", t, "sign", when, decision="sign")


def reply(db, t: Ticket, when: str) -> None:
    act(db, "handler", t, "reply", when, **REPLY)


def fresh(db, t: Ticket) -> Ticket:
    db.session.expire_all()
    return db.session.get(Ticket, t.id)


def run_monitor(db, when: str, settings: MonitorSettings | None = None):
    with transaction(db.session):
        result = monitor_pass(db.session, at(when), settings)
    db.session.expire_all()
    return result


def crossings(db, t: Ticket) -> list[tuple[str, str, str]]:
    """(action, stage, threshold instant in +08:00) of every monitor audit row of the ticket, in order."""
    rows = db.session.scalars(select(AuditLog).where(AuditLog.ticket_id == t.id, AuditLog.action.like("monitor_%"))
                              .order_by(AuditLog.at, AuditLog.id)).all()
    return [(r.action, r.detail["stage"], iso8(at(r.detail["threshold_at"]))) for r in rows]


def notices(db, t: Ticket) -> list[Outbox]:
    return list(db.session.scalars(select(Outbox).where(Outbox.ticket_id == t.id).order_by(Outbox.id)))


def supervision(db, t: Ticket) -> list[SupervisionRequest]:
    return list(db.session.scalars(select(SupervisionRequest).where(SupervisionRequest.ticket_id == t.id)))


def iso8(value: datetime | None) -> str | None:
    """An instant as ISO-8601 in +08:00, the way the tests write expectations."""
    return value.astimezone(at("2026-01-01T00:00+08:00").tzinfo).isoformat() if value else None
