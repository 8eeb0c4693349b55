"""One scheduler per deployment: the lease (SQLite) and the advisory lock (PostgreSQL); two schedulers against
one PostgreSQL database send every notice exactly once."""
from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from engine.clocks.monitor import MonitorSettings
from engine.common.db import make_engine
from engine.models import AuditLog, Outbox, Supervision, SupervisionRequest
from engine.notices.outbox import DevGateway, RetryPolicy
from web.clocks.scheduler import AdvisoryLock, ClockRunner, LeaseLock, run_clock_jobs

from ..conftest import PG
from .flow import at, received, sign


class Wall:
    def __init__(self):
        self.now = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)

    def __call__(self):
        return self.now


def test_lease_has_one_holder_until_released_or_expired(db):
    wall = Wall()
    a = LeaseLock(db.engine, holder="a", ttl=timedelta(seconds=60), wall_clock=wall)
    b = LeaseLock(db.engine, holder="b", ttl=timedelta(seconds=60), wall_clock=wall)
    assert a.acquire() and not b.acquire()
    wall.now += timedelta(seconds=50)
    assert a.acquire() and not b.acquire()  # renewed by the holder
    wall.now += timedelta(seconds=61)
    assert b.acquire() and not a.acquire()  # a stopped renewing: b takes over
    b.release()
    assert a.acquire()


def test_run_jobs_command_still_reports_deemed_and_unevaluated(app, db):
    t = received(db, "consult", "2026-11-25T10:00:00+08:00")
    app.config["CLOCK"].set("2026-11-27T00:01:00+08:00")
    result = app.test_cli_runner().invoke(args=["run-jobs"])
    assert result.exit_code == 0 and "视同接受 1 件" in result.stdout
    assert db.session.scalar(select(func.count()).select_from(Outbox).where(Outbox.ticket_id == t.id)) > 0
    assert db.session.scalar(select(func.count()).select_from(Outbox).where(Outbox.status == "pending")) == 0


class Recorder(DevGateway):
    """A development gateway shared by the threads of one scheduler, counting what it sent."""

    def __init__(self):
        super().__init__()
        self._lock = threading.Lock()

    def send(self, message):
        with self._lock:
            super().send(message)


def make_runner(url: str, when: datetime, lock_factory, recorder: Recorder):
    engine = make_engine(url, pool_size=3)
    runner = ClockRunner(engine, clock=lambda: when, settings=MonitorSettings(batch_size=7),
                         gateways={"sms": recorder, "voice": recorder}, policy=RetryPolicy(), lock=lock_factory(engine))
    return engine, runner


def race(runners, rounds: int, use_lock: bool = True) -> list[list]:
    """Start every runner's ticks at the same moment, ``rounds`` times, and collect what each did."""
    results = [[] for _ in runners]
    barrier = threading.Barrier(len(runners))
    errors = []

    def work(i, runner):
        try:
            for _ in range(rounds):
                barrier.wait(10)
                results[i].append(runner.tick() if use_lock else runner.run_once())
        except Exception as exc:  # noqa: BLE001 -- reported below
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=work, args=(i, r)) for i, r in enumerate(runners)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    assert not errors, errors
    return results


def due_tickets(db, n: int) -> list:
    tickets = []
    for _ in range(n):
        t = received(db, "consult", "2026-11-25T10:00:00+08:00")
        sign(db, t, "2026-11-25T11:00:00+08:00")
        tickets.append(t)
    return tickets


@pytest.mark.postgres
@pytest.mark.skipif(not PG, reason="two schedulers with advisory locks need PostgreSQL")
def test_two_schedulers_on_postgresql_send_each_notice_once(db, database_url):
    tickets = due_tickets(db, 12)
    when = at("2026-12-01T08:00:00+08:00")  # every ticket crossed warning, yellow and red while both were down
    recorders = [Recorder(), Recorder()]
    made = [make_runner(database_url, when, AdvisoryLock, rec) for rec in recorders]
    runners = [r for _, r in made]
    try:
        results = race(runners, rounds=4)
        leaders = [i for i, rs in enumerate(results) if any(r is not None for r in rs)]
        assert len(leaders) == 1, results  # exactly one process ran the jobs, every round
        assert all(r is None for r in results[1 - leaders[0]])

        sent = Counter(m.outbox_id for rec in recorders for m in rec.sent)
        rows = db.session.scalars(select(Outbox)).all()
        clock_rows = [r for r in rows if not r.template.startswith("supervision.")]
        assert len(clock_rows) == 12 * 10 and set(sent) == {r.id for r in rows}  # 2 + 4 + 4 notices per ticket
        # every red card opened a supervision whose unit leader was told once as well
        assert len(rows) - len(clock_rows) == db.session.scalar(select(func.count()).select_from(Supervision))
        assert set(sent.values()) == {1}
        assert all(r.status == "sent" for r in rows)
        assert db.session.scalar(select(func.count()).select_from(SupervisionRequest)) == 12
        assert db.session.scalar(select(func.count()).select_from(AuditLog)
                                 .where(AuditLog.action.like("monitor_%"))) == 36

        # The leader stops; the other one takes over on its next tick, and nothing is sent twice.
        runners[leaders[0]].close()
        follower = runners[1 - leaders[0]]
        assert follower.tick() is not None
        assert Counter(m.outbox_id for rec in recorders for m in rec.sent) == sent
    finally:
        for engine, runner in made:
            runner.close()
            engine.dispose()
    assert len(tickets) == 12


@pytest.mark.postgres
@pytest.mark.skipif(not PG, reason="concurrent writers need PostgreSQL")
def test_even_two_leaders_would_send_each_notice_once(db, database_url):
    """Defence in depth: with the lock bypassed, row locks and re-checks still make every notice go out once."""
    due_tickets(db, 15)
    when = at("2026-12-01T08:00:00+08:00")
    recorders = [Recorder(), Recorder()]
    made = [make_runner(database_url, when, AdvisoryLock, rec) for rec in recorders]
    try:
        race([r for _, r in made], rounds=3, use_lock=False)
        sent = Counter(m.outbox_id for rec in recorders for m in rec.sent)
        rows = db.session.scalars(select(Outbox)).all()
        assert set(sent) == {r.id for r in rows} and set(sent.values()) == {1}
        assert len([r for r in rows if not r.template.startswith("supervision.")]) == 15 * 10
        assert db.session.scalar(select(func.count()).select_from(AuditLog)
                                 .where(AuditLog.action.like("monitor_%"))) == 45
    finally:
        for engine, runner in made:
            runner.close()
            engine.dispose()


def test_run_clock_jobs_is_a_no_op_when_another_process_leads(app, db):
    other = LeaseLock(db.engine, holder="someone-else", ttl=timedelta(minutes=5)) if not PG else AdvisoryLock(db.engine)
    assert other.acquire()
    try:
        assert run_clock_jobs(app) == {"leader": False, "deemed": 0, "unevaluated": 0}
    finally:
        other.release()
    assert run_clock_jobs(app)["leader"] is True


@pytest.mark.postgres
@pytest.mark.skipif(not PG, reason="advisory locks are PostgreSQL's")
def test_a_scheduler_of_another_database_on_the_same_server_is_not_our_leader(db, database_url):
    """Two cities (or a city and its training copy) on one PostgreSQL server each have their own leader: the lock
    taken in the other database neither blocks ours nor is named as ours."""
    from web.clocks.leadership import current_leader

    from ..conftest import _create_pg_database

    other_url, drop = _create_pg_database(database_url)
    other_engine = make_engine(other_url)
    theirs, ours = AdvisoryLock(other_engine), AdvisoryLock(db.engine)
    try:
        assert theirs.acquire()
        assert current_leader(other_engine)  # the other city sees its own leader
        assert current_leader(db.engine) is None  # we see none: not the other city's
        assert ours.acquire()  # and we can lead at the same time
        assert current_leader(db.engine) == current_leader(other_engine)  # both named after this process
    finally:
        ours.release()
        theirs.release()
        other_engine.dispose()
        drop()
