"""engine/common/driver.py: the action hot path's writes go straight to the driver and store exactly what Core
stores; a refused write fails as Core's would and loses nothing else; what the driver path cannot carry goes to Core.
"""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from engine.common import AUDIT_INSERT, Actor, audit_values, driver
from engine.common.db import session_factory, transaction
from engine.models import AuditLog, Ticket, Unit
from engine.tickets.rowlock import lock_ticket_with_tasks

from ..clocks.flow import received

NOW = datetime(2026, 11, 25, 2, 30, 15, 123456, tzinfo=UTC)


def _stored(db, ids: list[int]) -> list[tuple]:
    """The audit rows as the database holds them (the driver's own values: date text on SQLite, JSON text)."""
    rows = db.session.connection().exec_driver_sql(
        "SELECT ticket_id, actor_id, actor_label, action, before_status, after_status, CAST(detail AS TEXT), "
        "CAST(at AS TEXT) FROM audit_log WHERE id IN (%s) ORDER BY id" % ",".join(str(i) for i in ids)).all()
    return [tuple(r) for r in rows]


def test_an_audit_row_written_through_the_driver_is_stored_as_core_stores_it(db):
    t = received(db, "complaint", "2026-11-25T10:00:00+08:00")
    actor = Actor.system("系统（时限监控）")
    cases = [audit_values(t.id, actor, "sign", "dispatched", "handling", NOW, late=True, unit="市住建局"),
             audit_values(t.id, actor, "reply", "handling", "reviewing", NOW)]  # no detail: stored as NULL JSON
    ids = []
    for values in cases:
        for write in (lambda v: db.session.connection().execute(AUDIT_INSERT, v),
                      lambda v: driver.execute(db.session, AUDIT_INSERT, v)):
            before = db.session.scalar(select(AuditLog.id).order_by(AuditLog.id.desc()).limit(1)) or 0
            write(values)
            ids.append(db.session.scalar(select(AuditLog.id).where(AuditLog.id > before)))
    stored = _stored(db, ids)
    assert stored[0] == stored[1] and stored[2] == stored[3]
    assert stored[0][2] == "系统（时限监控）" and '"late": true' in stored[0][6]
    read = db.session.scalars(select(AuditLog).where(AuditLog.id.in_(ids)).order_by(AuditLog.id)).all()
    assert [r.at for r in read] == [NOW] * 4  # an aware UTC instant back, to the microsecond
    assert read[1].detail == {"late": True, "unit": "市住建局"} and read[3].detail is None


def test_a_refused_write_fails_as_cores_would_and_the_transaction_can_go_on(db):
    t = received(db, "consult", "2026-11-25T10:00:00+08:00")
    actor = Actor.system("系统（时限监控）")
    with pytest.raises(IntegrityError):  # no such ticket: the foreign key refuses the row
        driver.execute(db.session, AUDIT_INSERT, audit_values(t.id + 1000, actor, "sign", None, None, NOW))
    db.session.rollback()
    driver.execute(db.session, AUDIT_INSERT, audit_values(t.id, actor, "sign", None, None, NOW))
    db.session.commit()
    assert db.session.scalar(select(AuditLog.action).where(AuditLog.ticket_id == t.id, AuditLog.at == NOW)) == "sign"
    assert db.session.get(Ticket, t.id) is not None  # the refused row took nothing else with it


def test_what_the_driver_path_cannot_carry_is_written_by_core(db):
    """A Python-side default, a RETURNING and an expanding list are Core's: they are planned out and still run."""
    probe = Table("driver_probe", MetaData(), Column("id", Integer, primary_key=True),
                  Column("note", String(20), default="默认"), Column("n", Integer))
    probe.create(db.session.connection())
    defaulted, returning = insert(probe), insert(probe).returning(probe.c.id)
    expanding = probe.delete().where(probe.c.n.in_([2]))
    try:
        driver.execute(db.session, defaulted, {"n": 1})  # "note" comes from the column's default
        driver.execute(db.session, returning, {"n": 2, "note": "给定"})
        driver.execute(db.session, expanding, {})
        assert db.session.execute(select(probe.c.note, probe.c.n)).all() == [("默认", 1)]
        dialect = db.engine.dialect.name
        assert [driver._PLANS[(id(stmt), dialect, names, False)] for stmt, names in
                [(defaulted, ("n",)), (returning, ("n", "note")), (expanding, ())]] == [driver._UNSUPPORTED] * 3
    finally:
        db.session.rollback()
        db.session.execute(text("DROP TABLE IF EXISTS driver_probe"))
        db.session.commit()


def test_a_ticket_the_session_holds_is_read_again_under_the_lock(db):
    """Another worker changed the ticket after this session read it: the action works on the locked row's values,
    on the object the session already holds, with nothing pending to write back."""
    t = received(db, "complaint", "2026-11-25T10:00:00+08:00")
    held = db.session.get(Ticket, t.id)
    assert held.lead_unit.name == "河源市住房和城乡建设局" and held.return_count == 0
    other = session_factory(db.engine)()
    with transaction(other):
        police = other.scalar(select(Unit.id).where(Unit.code == "HY-GAJ"))
        other.execute(update(Ticket).where(Ticket.id == t.id).values(lead_unit_id=police, return_count=1))
    other.close()
    locked, tasks, merged = lock_ticket_with_tasks(db.session, t.id)
    assert locked is held
    assert (held.return_count, held.lead_unit.name) == (1, "河源市公安局")
    assert not db.session.dirty and not merged
    assert [p.bpmn_id for p in tasks] == ["sign"] and tasks[0].ready_at.tzinfo is not None
    db.session.rollback()


def test_a_write_on_a_fresh_connection_is_kept_by_its_commit(db):
    """A connection on which nothing ran yet: the write opens its transaction as Core's would, so commit keeps it."""
    t = received(db, "consult", "2026-11-25T10:00:00+08:00")
    with db.engine.connect() as conn:
        driver.execute(conn, AUDIT_INSERT, audit_values(t.id, Actor.system("系统（时限监控）"), "sign", None, None, NOW))
        conn.commit()
    with db.engine.connect() as conn:
        assert conn.scalar(select(AuditLog.action).where(AuditLog.ticket_id == t.id, AuditLog.at == NOW)) == "sign"
