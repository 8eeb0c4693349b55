"""Two real scheduler processes (``flask --app web scheduler``); the leader is killed with SIGKILL in the middle of
a pass; the other takes over within one lease and every threshold's notices reach the SMS/voice provider once.

The provider is a local HTTP server the real HTTP gateway posts to; it answers after a few milliseconds, so a pass
over the overdue tickets takes seconds and the kill lands inside it. A notice whose send was under way when the
leader died is sent again by the new leader with the same ``request_id`` (the provider's idempotency key): the
provider sees every request id, each notice is recorded sent once, and no notice is lost.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from engine.models import AuditLog, JobLease, Outbox
from tests.support.server import LOGS, ROOT, free_port, server_env
from web.clocks.scheduler import AdvisoryLock, LeaseLock

from .test_scheduler import due_tickets

TICKETS = 25
LEASE, INTERVAL = 3, 1


class Provider(ThreadingHTTPServer):
    """The SMS and voice provider: records each request id with the time it arrived."""

    def __init__(self):
        self.received: list[tuple[float, str]] = []
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", free_port()), _Handler)


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - http.server's name
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        time.sleep(0.005)
        with self.server.lock:
            self.server.received.append((time.monotonic(), body["request_id"]))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"code": 0}')

    def log_message(self, *args):
        pass


def start_scheduler(url: str, name: str, provider: Provider) -> subprocess.Popen:
    env = server_env(url, HOTLINE_SCHEDULER_INTERVAL=str(INTERVAL), HOTLINE_SCHEDULER_LEASE_SECONDS=str(LEASE),
                     HOTLINE_NOTIFY_GATEWAY="http", HOTLINE_NOTIFY_RETRY_BASE_SECONDS="1",
                     HOTLINE_SMS_GATEWAY_URL=f"http://127.0.0.1:{provider.server_port}/sms",
                     HOTLINE_VOICE_GATEWAY_URL=f"http://127.0.0.1:{provider.server_port}/voice")
    LOGS.mkdir(parents=True, exist_ok=True)
    with open(LOGS / f"scheduler-{name}.log", "ab") as log:
        return subprocess.Popen([sys.executable, "-m", "flask", "--app", "web", "scheduler"], cwd=ROOT, env=env,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def named(database_url: str, name: str) -> str:
    """The database URL with an application name, so PostgreSQL can tell which process holds the lock."""
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":
        url = url.update_query_dict({"application_name": f"scheduler_{name}"})
    return url.render_as_string(hide_password=False)


def open_files(pid: int) -> set[str]:
    """The files a process has open now. A descriptor closed (or the process gone) while they are read is skipped:
    the scheduler opens and closes files as it starts."""
    found = set()
    try:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                found.add(os.path.realpath(fd, strict=True))
            except OSError:
                continue
    except OSError:
        pass
    return found


def wait(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"not within {timeout} s: {what}")


def test_killing_the_leader_mid_pass_loses_and_repeats_no_notice(db, database_url):
    pg = db.engine.dialect.name == "postgresql"
    # The test holds the lead while it builds the tickets and both schedulers start, so the pass begins with both
    # running and over tickets that no longer change.
    gate = AdvisoryLock(db.engine) if pg else LeaseLock(db.engine, holder="test", ttl=timedelta(minutes=5))
    assert gate.acquire()
    due_tickets(db, TICKETS)  # overdue since 2026-11-25: warning, yellow and red at once, and red cards
    provider = Provider()
    threading.Thread(target=provider.serve_forever, daemon=True).start()
    procs = {name: start_scheduler(named(database_url, name), name, provider) for name in ("a", "b")}
    db_file = None if pg else str(Path(make_url(database_url).database).resolve())

    def running(name: str) -> bool:
        if pg:
            db.session.rollback()  # PostgreSQL keeps one snapshot of pg_stat_activity per transaction
            return bool(db.session.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :n"),
                                          {"n": f"scheduler_{name}"}))
        return db_file in open_files(procs[name].pid)

    def leader() -> str | None:
        db.session.rollback()
        if pg:
            app = db.session.scalar(text(
                "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE l.locktype = 'advisory' AND l.granted AND a.datname = current_database()"))
            # the leader names its lock session ``hotline-scheduler host:pid`` (what the operator's page shows)
            pid = int(app.rsplit(":", 1)[1]) if app and app.startswith("hotline-scheduler ") else None
        else:
            holder = db.session.scalar(select(JobLease.holder).where(JobLease.name == "clock_jobs"))
            pid = int(holder.split(":")[1]) if holder else None
        return next((n for n, p in procs.items() if p.pid == pid), None)

    def pending() -> int:
        db.session.rollback()
        return db.session.scalar(select(func.count()).select_from(Outbox).where(Outbox.status == "pending"))

    try:
        wait(lambda: all(running(n) for n in procs), 60, "both schedulers running")
        time.sleep(INTERVAL + 0.5)  # each has tried for the lead at least once, and found it taken
        gate.release()  # now one of them leads and finds everything overdue at once
        first = wait(leader, 30, "a leader")
        wait(lambda: len(provider.received) >= 20 and pending() > 0, 60, "the leader sending, notices pending")
        os.kill(procs[first].pid, signal.SIGKILL)
        killed_at = time.monotonic()
        procs[first].wait(10)
        sent_before = len(provider.received)
        second = next(n for n in procs if n != first)
        wait(lambda: leader() == second, 30, "the other scheduler taking the lead")
        takeover = time.monotonic() - killed_at
        resumed = wait(lambda: next((t for t, _ in provider.received[sent_before:] if t > killed_at), None), 30,
                       "the other scheduler sending") - killed_at
        wait(lambda: pending() == 0, 60, "every notice sent by the new leader")
    finally:
        for p in procs.values():
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
                p.wait(10)
        provider.shutdown()
        gate.release()
    rows = db.session.scalars(select(Outbox)).all()
    by_request = Counter(rid for _, rid in provider.received)
    ids = {f"hotline-outbox-{r.id}" for r in rows}
    assert len(rows) >= TICKETS * 10 and all(r.status == "sent" and r.attempts == 1 for r in rows)
    assert set(by_request) == ids  # every notice reached the provider, nothing else did
    resent = [rid for rid, n in by_request.items() if n > 1]
    assert len(resent) <= 1 and all(by_request[rid] == 2 for rid in resent)  # only the one in flight at the kill
    crossings = Counter(db.session.execute(select(AuditLog.ticket_id, AuditLog.action)
                                           .where(AuditLog.action.like("monitor_%"))).all())
    assert len(crossings) == TICKETS * 3 and set(crossings.values()) == {1}  # each threshold once per ticket
    assert takeover <= LEASE + INTERVAL + 1
    print(f"\nscheduler kill ({db.engine.dialect.name}): leader killed after {sent_before} of {len(rows)} notices; "
          f"the other took the lead in {takeover:.1f} s (lease {LEASE} s, tick {INTERVAL} s) and sent again after "
          f"{resumed:.1f} s; {len(rows)} notices sent once each, "
          f"{len(resent)} resent with the same request id")
