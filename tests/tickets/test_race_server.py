"""The race of issue 16 through a real server with several worker processes: four people complete the same task
at the same moment; exactly one succeeds and the three others get 409 with the Chinese message, on SQLite (the
write lock taken at the start of the action) as on PostgreSQL (the row lock). Nothing is half-written."""
from __future__ import annotations

import threading

import requests
from sqlalchemy import select

from engine.models import AuditLog, Unit
from tests.support.consistency import problems
from tests.support.helpers import CITIZEN
from tests.support.server import Server, token

ROUNDS = 20
RACERS = 4
CONFLICT = "该任务已被处理或已失效，请刷新后重试"


def test_four_simultaneous_completions_give_one_200_and_three_409(db, database_url):
    units = [u.id for u in db.session.scalars(select(Unit).where(Unit.code.in_(["HY-ZJJ", "HY-RSJ", "HY-GAJ",
                                                                                 "HY-JTYSJ"])))]
    server = Server(database_url, workers=RACERS, threads=1, name="race").start()
    outcomes: list[tuple[int, str]] = []
    try:
        agent, dispatcher = token(server.url, "agent"), token(server.url, "dispatcher")
        http = [requests.Session() for _ in range(RACERS)]  # one connection per racer, opened before the race
        for s in http:
            s.get(f"{server.url}/api/v1/meta", timeout=10)
        for _ in range(ROUNDS):
            r = requests.post(f"{server.url}/api/v1/tickets", json={**CITIZEN, "scope": "accept"}, headers=agent,
                              timeout=30)
            tid = r.json()["ticket"]["id"]
            barrier = threading.Barrier(RACERS)
            got: list[tuple[int, str]] = []

            def race(i: int, tid=tid, barrier=barrier, got=got) -> None:
                barrier.wait()
                resp = http[i].post(f"{server.url}/api/v1/tickets/{tid}/tasks/dispatch", headers=dispatcher,
                                    json={"lead_unit": units[i % len(units)]}, timeout=60)
                got.append((resp.status_code, resp.json().get("error", {}).get("message", "")))

            threads = [threading.Thread(target=race, args=(i,)) for i in range(RACERS)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
            outcomes.extend(got)
            assert sorted(got) == [(200, "")] + [(409, CONFLICT)] * (RACERS - 1), got
    finally:
        server.stop()
    db.session.rollback()
    dispatches = db.session.scalars(select(AuditLog.ticket_id).where(AuditLog.action == "dispatch")).all()
    assert len(dispatches) == ROUNDS == len(set(dispatches))  # one dispatch per ticket, none half-written
    assert problems(db.session) == []
    print(f"\nrace through {RACERS} workers ({db.engine.dialect.name}): {len(outcomes)} requests, "
          f"{sum(1 for s, _ in outcomes if s == 200)} × 200, {sum(1 for s, _ in outcomes if s == 409)} × 409, "
          f"{sum(1 for s, _ in outcomes if s >= 500)} × 5xx")
