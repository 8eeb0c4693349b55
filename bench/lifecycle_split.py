"""Where one ticket lifecycle's time goes, on SQLite and PostgreSQL: timers around the engine's calls, the blob's
save and load, the driver's statement calls and the commits; the rest is SQLAlchemy's Python side and the product's
own handlers. The raw SpiffWorkflow loop of bench/lifecycle.py is measured in the same run for scale.

Usage: .venv/bin/python bench/lifecycle_split.py [--no-postgres]
"""
from __future__ import annotations

import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event  # noqa: E402

from bench import lifecycle as L  # noqa: E402
from bench.scratchdb import heading  # noqa: E402
from engine.workflow import runtime  # noqa: E402

SPENT: Counter = Counter()


def timed(owner, name: str, part: str) -> None:
    """Replace ``owner.name`` by a wrapper adding its wall-clock time to ``SPENT[part]``."""
    fn = getattr(owner, name)

    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            SPENT[part] += time.perf_counter() - started
    setattr(owner, name, wrapper)


def measure(label: str, url: str, n: int = 60) -> None:
    engine, Session = L.prepare(url)
    timed(engine.dialect, "do_commit", "commits")
    started: list[float] = []

    @event.listens_for(engine, "before_cursor_execute")
    def before(*_):
        started.append(time.perf_counter())

    @event.listens_for(engine, "after_cursor_execute")
    def after(*_):
        SPENT["statements in the driver and the server"] += time.perf_counter() - started.pop()

    try:
        L.product_loop(Session, 10)
        best = None
        for _ in range(3):
            SPENT.clear()
            t0 = time.perf_counter()
            L.product_loop(Session, n)
            total = time.perf_counter() - t0
            if best is None or total < best[0]:
                best = (total, dict(SPENT))
        raw = L.raw_loop(90, stock_scripts=True)
    finally:
        engine.dispose()
    total, parts = best
    print(f"{label}: {total * 1000 / n:.2f} ms per lifecycle; raw loop {1000 / raw:.2f} ms")
    rest = total
    for part, seconds in sorted(parts.items()):
        print(f"  {seconds * 1000 / n:6.2f} ms  {part}")
        rest -= seconds
    print(f"  {rest * 1000 / n:6.2f} ms  the rest: SQLAlchemy's Python side and the product's handlers, task rows, "
          f"audit, same-matter index", flush=True)


def main() -> None:
    timed(runtime.Instance, "complete", "SpiffWorkflow: run the tasks")
    timed(runtime.Runtime, "start", "SpiffWorkflow: start")
    timed(runtime.Runtime, "load", "blob: load")
    timed(runtime.Runtime, "dump", "blob: dump")
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
    main()
