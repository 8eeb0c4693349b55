"""The clock jobs and the rule that exactly one process per deployment runs them.

Every tick the runner first makes sure it is the leader — a session-level PostgreSQL advisory lock held on a
connection of its own, or on SQLite a lease row in ``job_lease`` — and only then runs the monitor pass, the closing
of return windows (视同接受, which leaves the sign task open), 未评价, the side-process pass and the outbox drain.
Each step is idempotent on its own as well: rows are locked and re-checked, so even two leaders send a notice once.
"""
from __future__ import annotations

import atexit
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask
from sqlalchemy import insert, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from engine import jobs
from engine.clocks import calendar_admin, monitor
from engine.common import ServiceError, transaction
from engine.domain.similarity import SurgeRule
from engine.models import CalendarYear, JobLease
from engine.notices import emergency
from engine.notices import outbox as notify
from engine.oversight import RepeatRule

from ..extensions import db

log = logging.getLogger("hotline.scheduler")

JOB_NAME = "clock_jobs"
BACKFILL_BATCH = 2000
PROVISIONAL_SWEEPS = 3  # ticks after the entered years change (ticks are a minute apart; caches lag ≤ 30 s)
# pg_try_advisory_lock takes a bigint; this one spells "12345CLK" so it will not collide by accident.
ADVISORY_KEY = int.from_bytes(b"12345CLK", "big") & 0x7FFF_FFFF_FFFF_FFFF

# Settings this module reads (app config first, then the environment as HOTLINE_<NAME>, then these defaults).
NOTIFY_DEFAULTS: dict[str, Any] = {
    "NOTIFY_GATEWAY": "dev",  # 'dev' records what would be sent; 'http' uses the adapters below
    "NOTIFY_OFFICE_NAME": None,  # the SMS signature ({office}); None: the city office's name (engine.notices.sign)
    "NOTIFY_TEMPLATES": {},  # overrides of engine.notices.outbox.DEFAULT_TEMPLATES, by event key
    "NOTIFY_TIMEOUT_SECONDS": 5,
    "NOTIFY_MAX_ATTEMPTS": 8,
    "NOTIFY_RETRY_BASE_SECONDS": 60, "NOTIFY_RETRY_MAX_SECONDS": 3600,
    "SMS_GATEWAY_URL": None, "SMS_GATEWAY_TOKEN": None, "SMS_GATEWAY_APP_ID": None, "SMS_GATEWAY_SIGN": None,
    "SMS_GATEWAY_TEMPLATE_IDS": {},
    "VOICE_GATEWAY_URL": None, "VOICE_GATEWAY_TOKEN": None, "VOICE_GATEWAY_APP_ID": None,
    "VOICE_GATEWAY_TEMPLATE_IDS": {},
    **emergency.SETTINGS,  # 12345 ↔ 110 (Art. 6(2)): the linkage platform's gateway (engine/notices/emergency.py)
    "MONITOR_OFFICE_PHONES": (),  # phones told when dispatch runs late; empty = the city office's dispatchers
    "MONITOR_CHANNELS": {"warning": ("voice", "sms"), "yellow": ("voice", "sms"), "red": ("voice", "sms")},
    "MONITOR_BATCH_SIZE": 1000,
    "SCHEDULER_LEASE_SECONDS": 180,  # SQLite lease; renewed every tick
    # Art. 18(3): this many tickets on the same matter within this many days open a supervision.
    "SUPERVISION_REPEAT_COUNT": 3,
    "SUPERVISION_REPEAT_DAYS": 30,
    # 集中反映 (issue 21): this many similar tickets at one street or town within this many minutes alert the office.
    "SURGE_COUNT": 5,
    "SURGE_MINUTES": 120,
}


def setting(config: Mapping[str, Any], name: str) -> Any:
    if name in config:
        return config[name]
    env = os.environ.get(f"HOTLINE_{name}")
    return env if env is not None else NOTIFY_DEFAULTS[name]


def _phones(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = value.split(",")
    return tuple(p.strip() for p in value or () if p and p.strip())


def monitor_settings(config: Mapping[str, Any]) -> monitor.MonitorSettings:
    """Build the monitor's settings from the app config.

    :raises ValueError: for a bad template or channel.
    """
    templates = {**notify.DEFAULT_TEMPLATES, **(setting(config, "NOTIFY_TEMPLATES") or {})}
    notify.check_templates(templates)
    channels = {level: tuple(kinds) for level, kinds in setting(config, "MONITOR_CHANNELS").items()}
    for level, kinds in channels.items():
        if level not in ("warning", "yellow", "red") or not set(kinds) <= {"sms", "voice"}:
            raise ValueError(f"MONITOR_CHANNELS: bad entry {level!r}: {kinds!r}")
    return monitor.MonitorSettings(channels=channels, templates=templates,
                                   office_phones=_phones(setting(config, "MONITOR_OFFICE_PHONES")),
                                   office_name=setting(config, "NOTIFY_OFFICE_NAME"),
                                   batch_size=int(setting(config, "MONITOR_BATCH_SIZE")))


def retry_policy(config: Mapping[str, Any]) -> notify.RetryPolicy:
    return notify.RetryPolicy(max_attempts=int(setting(config, "NOTIFY_MAX_ATTEMPTS")),
                              base_seconds=float(setting(config, "NOTIFY_RETRY_BASE_SECONDS")),
                              max_seconds=float(setting(config, "NOTIFY_RETRY_MAX_SECONDS")))


def gateways(config: Mapping[str, Any]) -> dict[str, notify.Gateway]:
    return emergency.with_emergency({name: setting(config, name) for name in NOTIFY_DEFAULTS})


# -- one leader per deployment -----------------------------------------------------------------------------------


class LeaderLock(Protocol):
    def acquire(self) -> bool: ...

    def release(self) -> None: ...


class AdvisoryLock:
    """A PostgreSQL session-level advisory lock on a dedicated connection; held until released or disconnected."""

    def __init__(self, engine: Engine, key: int = ADVISORY_KEY) -> None:
        self.engine, self.key = engine, key
        self.conn = None
        self._mutex = threading.Lock()

    def acquire(self) -> bool:
        """Return True while this process holds the lock (taking it when free)."""
        with self._mutex:
            if self.conn is not None:
                try:
                    self.conn.exec_driver_sql("SELECT 1")
                    return True
                except DBAPIError:
                    # The connection died, and the server released the lock with it: compete again.
                    log.warning("lost the scheduler lock connection; competing for leadership again")
                    self._close()
            conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            try:
                got = conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}).scalar()
            except DBAPIError:
                conn.close()
                raise
            if got:
                # Name the session, so `current_leader` (run-jobs, another scheduler) can say who holds the lock.
                conn.execute(text("SELECT set_config('application_name', :name, false)"), {"name": holder_name()})
                self.conn = conn
                log.info("this process is now the scheduler leader (advisory lock %s)", self.key)
                return True
            conn.close()
            return False

    def release(self) -> None:
        with self._mutex:
            if self.conn is not None:
                try:
                    self.conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
                except DBAPIError:
                    pass
                self._close()

    def _close(self) -> None:
        try:
            self.conn.invalidate()  # never hand a lock-holding connection back to the pool
        finally:
            self.conn = None


class LeaseLock:
    """A lease row in ``job_lease`` (SQLite, or any database without advisory locks): one holder until expiry.

    The leader renews it every tick; a crashed leader's lease runs out after ``ttl`` and another process takes over.
    Real time, not the app's clock, measures the lease.
    """

    def __init__(self, engine: Engine, name: str = JOB_NAME, ttl: timedelta = timedelta(seconds=180),
                 holder: str | None = None, wall_clock: Callable[[], datetime] | None = None) -> None:
        self.engine, self.name, self.ttl = engine, name, ttl
        self.holder = holder or f"{holder_name()}:{uuid.uuid4().hex[:8]}"
        self.wall_clock = wall_clock or (lambda: datetime.now(UTC))

    def acquire(self) -> bool:
        now = self.wall_clock()
        with self.engine.begin() as conn:
            if conn.scalar(select(JobLease.name).where(JobLease.name == self.name)) is None:
                conn.execute(_insert_ignoring_duplicate(conn.dialect.name, self.name))
            taken = conn.execute(update(JobLease).where(
                JobLease.name == self.name,
                or_(JobLease.holder == self.holder, JobLease.holder.is_(None), JobLease.expires_at < now))
                .values(holder=self.holder, expires_at=now + self.ttl))
            return taken.rowcount == 1

    def release(self) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(JobLease).where(JobLease.name == self.name, JobLease.holder == self.holder)
                         .values(holder=None, expires_at=None))


def _insert_ignoring_duplicate(dialect: str, name: str):
    # Two processes may both find the row missing; the second insert must not fail.
    if dialect == "sqlite":
        return sqlite_insert(JobLease).values(name=name).on_conflict_do_nothing()
    if dialect == "postgresql":
        return pg_insert(JobLease).values(name=name).on_conflict_do_nothing()
    return insert(JobLease).values(name=name)


def holder_name() -> str:
    """This process as other processes see it in the lock: ``hotline-scheduler host:pid``."""
    return f"hotline-scheduler {os.uname().nodename}:{os.getpid()}"[:63]


def leader_lock(engine: Engine, lease_seconds: float = 180) -> LeaderLock:
    """The advisory lock on PostgreSQL, a lease elsewhere."""
    if engine.dialect.name == "postgresql":
        return AdvisoryLock(engine)
    return LeaseLock(engine, ttl=timedelta(seconds=lease_seconds))


# -- the jobs ------------------------------------------------------------------------------------------------------


class ClockRunner:
    """Run the clock jobs against one engine, as leader only; owns no Flask state, so tests can run two."""

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime], settings: monitor.MonitorSettings,
                 gateways: Mapping[str, notify.Gateway], policy: notify.RetryPolicy,
                 lock: LeaderLock | None = None, drain_batch: int = 200,
                 repeat_rule: RepeatRule = RepeatRule(), surge_rule: SurgeRule = SurgeRule()) -> None:
        self.engine, self.clock, self.settings = engine, clock, settings
        self.repeat_rule, self.surge_rule = repeat_rule, surge_rule
        self.gateways, self.policy = gateways, policy
        self.lock = lock or leader_lock(engine)
        self.sessions = sessionmaker(engine, expire_on_commit=False)
        self.drain_batch = drain_batch
        self._backfilled = False
        self._known_years: frozenset[int] | None = None
        self._sweeps_left = 0

    def tick(self) -> dict[str, Any] | None:
        """Run every job once if this process is the leader; return what was done, or None when it is not."""
        try:
            leader = self.lock.acquire()
        except DBAPIError:
            log.exception("could not reach the database to take the scheduler lock")
            return None
        if not leader:
            log.debug("another process is the scheduler leader; skipping this tick")
            return None
        return self.run_once()

    def run_once(self) -> dict[str, Any]:
        """Run every job once (the caller makes sure it is the leader)."""
        now = self.clock()
        done: dict[str, Any] = {"leader": True, "deemed": 0, "unevaluated": 0, "tickets": 0, "warning": 0,
                                "yellow": 0, "red": 0, "notices": 0, "supervision_requests": 0, "sent": 0,
                                "retry": 0, "failed": 0}
        session = self.sessions()
        try:
            if not self._backfilled:
                self._backfill(session, now)
            self._refresh_provisional(session, now)
            self._monitor(session, now, done)
            for key, find, act in (("deemed", jobs.overdue_signs, jobs.deem_accepted),
                                   ("unevaluated", jobs.overdue_evaluations, jobs.expire_evaluation)):
                for ticket_id in find(session, now):
                    try:
                        with transaction(session):
                            act(session, ticket_id, now)
                        done[key] += 1
                    except ServiceError as exc:
                        log.warning("clock job %s skipped ticket %s: %s", key, ticket_id, exc.log_en)
            # supervision from red cards and repeated reports, overdue supervisions, accountability candidates
            for name, step in jobs.side_process_steps(self.repeat_rule, self.settings.templates,
                                                         self.settings.office_name, self.surge_rule):
                try:
                    with transaction(session):
                        done[name] = step(session, now)
                except (ServiceError, DBAPIError) as exc:
                    log.warning("side-process step %s failed, retried next tick: %s", name, exc)
            self._drain(session, now, done)
        finally:
            session.close()
        return done

    def _backfill(self, session: Session, now: datetime) -> None:
        """Start monitoring tickets that predate the monitor (once per process)."""
        total = 0
        while True:
            with transaction(session):
                started = monitor.backfill(session, now, limit=BACKFILL_BATCH)
            total += started
            if started < BACKFILL_BATCH:
                break
        if total:
            log.info("monitoring started for %s open tickets that had no thresholds yet", total)
        self._backfilled = True

    def _refresh_provisional(self, session: Session, now: datetime) -> None:
        """After the entered years change (and at start), recompute what is still provisional, a few ticks running:
        a web worker's calendar cache may lag the import by up to 30 s."""
        with transaction(session):
            years = frozenset(session.scalars(select(CalendarYear.year)))
        if years != self._known_years:
            self._known_years, self._sweeps_left = years, PROVISIONAL_SWEEPS
        if self._sweeps_left:
            self._sweeps_left -= 1
            with transaction(session):
                moved = calendar_admin.refresh_provisional(session, monitor.MONITOR, now)
            if moved:
                log.info("recomputed %s provisional deadlines after the calendar changed", len(moved))

    def _monitor(self, session: Session, now: datetime, done: dict[str, Any]) -> None:
        """Run the pass one batch per transaction, so a catch-up after downtime never holds many row locks."""
        while True:
            with transaction(session):
                result = monitor.monitor_pass(session, now, self.settings, max_batches=1)
            done["tickets"] += result.tickets
            for level, count in result.crossings.items():
                done[level] += count
            done["notices"] += result.notices
            done["supervision_requests"] += result.supervision_requests
            if result.no_recipient:
                log.warning("no phone to notify for tickets %s", sorted(set(result.no_recipient))[:20])
            if result.tickets < self.settings.batch_size:
                return

    def _drain(self, session: Session, now: datetime, done: dict[str, Any]) -> None:
        """Send what is due, one notice per transaction, so each outcome is committed right after its send."""
        while True:
            ids = notify.due_ids(session, now, self.drain_batch)
            session.rollback()  # end the read transaction; each delivery gets its own
            progressed = False
            for outbox_id in ids:
                with transaction(session):
                    outcome = notify.deliver(session, outbox_id, self.gateways, now, self.policy)
                if outcome != "skipped":
                    done[outcome] += 1
                    progressed = True
            if len(ids) < self.drain_batch or not progressed:
                return

    def close(self) -> None:
        self.lock.release()


def runner_for(app: Flask) -> ClockRunner:
    """Build the runner from the app's config and engine (call inside an app context)."""
    config = app.config
    return ClockRunner(db.engine, clock=config["CLOCK"], settings=monitor_settings(config),
                       gateways=gateways(config), policy=retry_policy(config),
                       repeat_rule=RepeatRule(int(setting(config, "SUPERVISION_REPEAT_COUNT")),
                                              int(setting(config, "SUPERVISION_REPEAT_DAYS"))),
                       surge_rule=SurgeRule(int(setting(config, "SURGE_COUNT")), int(setting(config, "SURGE_MINUTES"))),
                       lock=leader_lock(db.engine, float(setting(config, "SCHEDULER_LEASE_SECONDS"))))


def run_clock_jobs(app: Flask) -> dict[str, Any]:
    """Run the jobs once (``flask run-jobs``), as leader only; another running scheduler makes this a no-op."""
    with app.app_context():
        runner = runner_for(app)
        try:
            done = runner.tick()
        finally:
            runner.close()
    if done is None:
        log.info("another process is the scheduler leader; run-jobs did nothing")
        return {"leader": False, "deemed": 0, "unevaluated": 0}
    return done


def start_scheduler(app: Flask, *, on_tick: Callable[[dict[str, Any] | None], None] | None = None
                    ) -> BackgroundScheduler:
    """Tick every SCHEDULER_INTERVAL_SECONDS in a background thread; ``on_tick`` hears each tick's result
    (None when another process leads)."""
    with app.app_context():
        runner = runner_for(app)

    def tick() -> None:
        done = runner.tick()
        if on_tick is not None:
            on_tick(done)

    sched = BackgroundScheduler(timezone="UTC")
    sched.add_job(tick, "interval", seconds=app.config["SCHEDULER_INTERVAL_SECONDS"], id=JOB_NAME,
                  max_instances=1, coalesce=True, next_run_time=datetime.now(UTC))
    sched.start()
    atexit.register(lambda: (sched.shutdown(wait=True), runner.close()))
    log.info("scheduler started, every %ss", app.config["SCHEDULER_INTERVAL_SECONDS"])
    return sched


def run_forever(app: Flask, *, on_tick: Callable[[dict[str, Any] | None], None] | None = None) -> None:
    start_scheduler(app, on_tick=on_tick)
    while True:
        time.sleep(3600)
