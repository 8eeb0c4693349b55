"""What "consistent" means after a crash or a race, checked ticket by ticket from the database alone."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.domain.calendar import TZ
from engine.models import AuditLog, DocumentCounter, IssuedDocument, TaskProjection, Ticket
from engine.tickets import load_instance
from engine.tickets.lifecycle import _derive_status


def problems(session: Session) -> list[str]:
    """Every inconsistency found: a blob that does not load, ready tasks and projection rows that differ, a
    projection row without its task, a status its ready tasks do not give, a ticket without its number or its
    registration, a document number skipped or given twice."""
    found: list[str] = []
    rows = defaultdict(set)
    for p in session.scalars(select(TaskProjection).where(TaskProjection.supervision_id.is_(None))):
        rows[p.ticket_id].add(p.task_uuid)
    registered = set(session.scalars(select(AuditLog.ticket_id).where(AuditLog.action == "register")))
    tickets = session.scalars(select(Ticket).order_by(Ticket.id)).all()
    for t in tickets:
        where = f"ticket {t.id} ({t.number})"
        if t.number != f"HL{t.created_at.astimezone(TZ):%Y%m%d}{t.id:06d}":
            found.append(f"{where}: number does not match its id and day")
        if t.id not in registered:
            found.append(f"{where}: no registration in the audit log")
        try:
            inst = load_instance(session, t)
        except Exception as exc:  # noqa: BLE001 - any failure to load is the finding
            found.append(f"{where}: blob does not load: {type(exc).__name__}: {exc}")
            continue
        ready = inst.ready_tasks()
        if {r.uuid for r in ready} != rows.pop(t.id, set()):
            found.append(f"{where}: projection rows differ from the ready tasks {[r.bpmn_id for r in ready]}")
        expected = _derive_status(t, inst, ready)
        if t.status != expected.value:
            found.append(f"{where}: status {t.status}, ready tasks say {expected.value}")
    for ticket_id in rows:
        found.append(f"projection rows of ticket {ticket_id}, which does not exist")
    seqs = defaultdict(list)
    for kind, year, seq in session.execute(select(IssuedDocument.kind, IssuedDocument.year, IssuedDocument.seq)):
        seqs[(kind, year)].append(seq)
    counters = {(c.kind, c.year): c.last_seq for c in session.scalars(select(DocumentCounter))}
    for key in set(seqs) | set(counters):
        got = sorted(seqs.get(key, []))
        if got != list(range(1, counters.get(key, 0) + 1)):
            found.append(f"document numbers of {key}: {got[:5]}… (counter {counters.get(key)})")
    return found


def ticket_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Ticket))
