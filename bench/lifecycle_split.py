"""Where one ticket lifecycle's time goes, on SQLite and PostgreSQL.

Timers around the engine's calls, the blob's save and load, SQLAlchemy's three layers (the ORM's flush, the ORM's
query execution, Core's statement execution), the driver's statement calls and the commits. Each timer counts its
own time only: time spent in a timed call inside it (a statement inside a flush) goes to the inner timer. What no
timer covers is the product's own code (handlers, task rows, audit, clocks, same-matter index) and the session's
transaction handling. The statements the hot path sends straight to the driver (engine/common/driver.py) are timed
as one part, their parameters and the database's time together. The raw SpiffWorkflow loop of bench/lifecycle.py
is measured in the same run for scale, and the statements and commits of one lifecycle are counted.

Usage: .venv/bin/python bench/lifecycle_split.py [--no-postgres]
"""
from __future__ import annotations

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


def main() -> None:
    for owner, name, part in PARTS:
        timed(owner, name, part)
    print(" ".join(heading("One lifecycle, split")), flush=True)
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
