"""Where one ticket lifecycle's time goes, on SQLite and PostgreSQL.

Timers around the engine's calls, the blob's save and load, SQLAlchemy's three layers (the ORM's flush, the ORM's
query execution, Core's statement execution), the driver's statement calls and the commits. Each timer counts its
own time only: time spent in a timed call inside it (a statement inside a flush) goes to the inner timer. What no
timer covers is the product's own code (handlers, task rows, audit, clocks, same-matter index) and the session's
transaction handling. The statements the hot path sends straight to the driver (engine/common/driver.py) are timed
as one part, their parameters and the database's time together. The raw SpiffWorkflow loop of bench/lifecycle.py
is measured in the same run for scale, and the statements and commits of one lifecycle are counted.

On PostgreSQL it first splits the wall time of a lifecycle into this process's CPU, the server's CPU (read from /proc)
and the time neither works (round trips, WAL flushes), before any timer is put in.

Usage: .venv/bin/python bench/lifecycle_split.py [--no-postgres]
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy.engine import Connection  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bench import lifecycle as L  # noqa: E402
from bench.scratchdb import heading  # noqa: E402
from engine.common import driver  # noqa: E402
from engine.workflow import runtime  # noqa: E402

SPENT: Counter = Counter()
CALLS: Counter = Counter()
_STACK: list[float] = []


def timed(owner, name: str, part: str) -> None:
    """Replace ``owner.name`` by a wrapper adding its own wall-clock time (less that of timed calls inside it) to
    ``SPENT[part]``."""
    fn = getattr(owner, name)

    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        _STACK.append(0.0)
        try:
            return fn(*args, **kwargs)
        finally:
            inner = _STACK.pop()
            spent = time.perf_counter() - started
            SPENT[part] += spent - inner
            CALLS[part] += 1
            if _STACK:
                _STACK[-1] += spent
    setattr(owner, name, wrapper)


DRIVER = "driver path: the hot path's fixed statements (parameters, driver and server)"
PARTS = [
    (runtime.Instance, "complete", "SpiffWorkflow: run the tasks"),
    (runtime.Runtime, "start", "SpiffWorkflow: start"),
    (runtime.Instance, "ready_tasks", "SpiffWorkflow: read the ready tasks"),
    (runtime.Runtime, "load", "blob: load"),
    (runtime.Runtime, "dump", "blob: dump"),
    (Session, "_flush", "SQLAlchemy ORM: unit of work (flush)"),
    (Session, "_execute_internal", "SQLAlchemy ORM: queries (building objects from rows)"),
    (Connection, "_execute_clauseelement", "SQLAlchemy Core: statements (cache, parameters, results)"),
    (driver, "execute", DRIVER),
    (driver, "rows", DRIVER),
]


def measure(label: str, url: str, n: int = 60) -> None:
    engine, Session_ = L.prepare(url)
    timed(engine.dialect, "do_commit", "database: commits")
    timed(engine.dialect, "do_execute", "database: statements (driver and server)")
    timed(engine.dialect, "do_executemany", "database: statements (driver and server)")
    try:
        L.product_loop(Session_, 10)
        best = None
        for _ in range(3):
            SPENT.clear()
            CALLS.clear()
            t0 = time.perf_counter()
            L.product_loop(Session_, n)
            total = time.perf_counter() - t0
            if best is None or total < best[0]:
                best = (total, dict(SPENT), dict(CALLS))
        raw = L.raw_loop(90, stock_scripts=True)
    finally:
        engine.dispose()
    total, parts, calls = best
    statements = (calls.get("database: statements (driver and server)", 0) + calls.get(DRIVER, 0)) / n
    commits = calls.get("database: commits", 0) / n
    print(f"{label}: {total * 1000 / n:.2f} ms per lifecycle ({statements:.0f} statements, {commits:.0f} commits); "
          f"raw loop {1000 / raw:.2f} ms")
    rest = total
    for part, seconds in sorted(parts.items()):
        print(f"  {seconds * 1000 / n:6.2f} ms  {part}")
        rest -= seconds
    print(f"  {rest * 1000 / n:6.2f} ms  the rest: the product's own code (handlers, task rows, audit, clocks, "
          f"same-matter index) and the session's transactions", flush=True)


def where_the_wall_goes(engine, Session_, n: int) -> None:
    """PostgreSQL: one lifecycle's wall time as this process's CPU, the server's CPU (its backends, read from /proc:
    the server runs on this machine) and the time neither works, which is waiting: the round trips' latency and
    the commits' WAL flush. An empty round trip and a commit of one row are timed on the same connection, in the
    same run, for scale. Best of three rounds, by wall time."""
    from sqlalchemy import text

    L.product_loop(Session_, 10)
    best = None
    for _ in range(3):
        with engine.connect() as conn:
            backends = conn.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
                                    ).scalars().all()
        server0, client0, wall0 = sum(map(backend_cpu, backends)), time.process_time(), time.perf_counter()
        L.product_loop(Session_, n)
        wall, client = time.perf_counter() - wall0, time.process_time() - client0
        server = sum(map(backend_cpu, backends)) - server0
        if best is None or wall < best[0]:
            best = (wall, client, server)
    wall, client, server = (x * 1000 / n for x in best)
    empty, commit = round_trips(engine)
    raw = 1000 / max(L.raw_loop(90, stock_scripts=True) for _ in range(3))
    print(f"PostgreSQL, where a lifecycle's wall time goes (best of three rounds of {n}): {wall:.2f} ms; raw loop "
          f"{raw:.2f} ms (best of three), so 0.33 of its rate would be {raw / 0.33:.2f} ms")
    print(f"  {client:6.2f} ms  this process's CPU (the engine, the product, SQLAlchemy, psycopg)")
    print(f"  {server:6.2f} ms  the server's CPU (its backends: planning, executing, writing the WAL)")
    print(f"  {wall - client - server:6.2f} ms  neither works: waiting on the round trips and on the commits' WAL "
          f"flush")
    print(f"  for scale, timed on the same server now: a round trip of SELECT 1 {empty * 1e6:.0f} µs, the commit "
          f"of a one-row insert {commit * 1e6:.0f} µs", flush=True)


def round_trips(engine) -> tuple[float, float]:
    """Seconds of a ``SELECT 1`` round trip inside a transaction, and of the commit of a one-row insert (medians of
    500)."""
    import statistics

    raw = engine.raw_connection()
    try:
        conn = raw.driver_connection
        conn.execute("CREATE TEMP TABLE round_trip (v integer) ON COMMIT DELETE ROWS")
        conn.commit()
        empty, commit = [], []
        for _ in range(500):
            conn.execute("INSERT INTO round_trip VALUES (1)")  # with the BEGIN before it
            t0 = time.perf_counter()
            conn.execute("SELECT 1")
            t1 = time.perf_counter()
            conn.commit()
            t2 = time.perf_counter()
            empty.append(t1 - t0)
            commit.append(t2 - t1)
    finally:
        raw.invalidate()
    return statistics.median(empty), statistics.median(commit)


def backend_cpu(pid: int) -> float:
    """User + system CPU seconds of a local process (0 when it cannot be read)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    print(" ".join(heading("One lifecycle, split")), flush=True)
    if "--no-postgres" not in sys.argv:  # first, before the timers below are put in
        url, drop = L.pg_database()
        try:
            engine, Session_ = L.prepare(url)
            try:
                where_the_wall_goes(engine, Session_, 60)
            finally:
                engine.dispose()
        finally:
            drop()
    for owner, name, part in PARTS:
        timed(owner, name, part)
    with tempfile.TemporaryDirectory() as tmp:
        measure("SQLite", f"sqlite:///{tmp}/split.db")
    if "--no-postgres" not in sys.argv:
        url, drop = L.pg_database()
        try:
            measure("PostgreSQL", url)
        finally:
            drop()


if __name__ == "__main__":
    if "--help" in sys.argv or "-h" in sys.argv:
        print(__doc__)
    else:
        main()
