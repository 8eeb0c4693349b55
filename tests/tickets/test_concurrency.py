"""Two people completing the same task at the same moment: one wins, the other gets a clear conflict — on
PostgreSQL by the row lock, on SQLite by the write lock taken at the start of the action (BEGIN IMMEDIATE)."""
from __future__ import annotations

import threading
import time
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.common.db import transaction
from engine.common.errors import Conflict
from engine.models import AuditLog, Ticket
from engine.tickets.lifecycle import complete_task, register
from tests.support.helpers import CITIZEN, unit, user


def test_two_concurrent_completions_of_one_task(db):
    now = datetime.fromisoformat("2026-11-25T10:00:00+08:00")
    with transaction(db.session):
        t, _, _ = register(db.session, user(db.session, "agent"), {**CITIZEN, "scope": "accept"}, now)
    tid = t.id
    engine = db.engine
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt(lead_unit: int) -> None:
        with Session(engine) as s:
            actor = user(s, "dispatcher")
            s.rollback()
            barrier.wait()
            try:
                with transaction(s):
                    complete_task(s, actor, tid, "dispatch", {"lead_unit": lead_unit}, now)
                    # hold the lock a moment so the other request really waits on it
                    time.sleep(0.3)
                outcomes.append("ok")
            except Conflict as exc:
                outcomes.append(exc.message_zh)

    units = [unit(db.session, code).id for code in ("HY-ZJJ", "HY-RSJ")]
    threads = [threading.Thread(target=attempt, args=(u,)) for u in units]
    for th in threads:
        th.start()
    for th in threads:
        th.join(10)
    assert sorted(outcomes) == sorted(["ok", "该任务已被处理或已失效，请刷新后重试"])
    db.session.expire_all()
    ticket = db.session.get(Ticket, tid)
    assert ticket.status == "signing"
    dispatches = db.session.scalar(select(func.count()).select_from(AuditLog)
                                   .where(AuditLog.ticket_id == tid, AuditLog.action == "dispatch"))
    assert dispatches == 1
