"""Where an API request's wall time goes over real HTTP to gunicorn on PostgreSQL (the fourth row of
bench/lifecycle.py), split by process before any timer is put in: this process's CPU (the client: http.client and
JSON), the gunicorn workers' CPU (every worker's, read from /proc: the request's parsing, Flask, the token check,
the service call, and the workers that wake for a connection another one takes), the master's, the PostgreSQL
backends' CPU, and the time in which none of them works (waiting on the network, the WAL flush or a core).

The same lifecycle through the service layer alone, on the same database in the same run, is split the same way
for scale, and so is the raw SpiffWorkflow loop. With ``-w 1`` as well as ``-w 4`` the workers' CPU shows what the
idle workers cost: gunicorn's sync workers all wait in ``select()`` on the one listening socket, so every new
connection wakes each idle worker, and all but one find nothing to accept.

Usage: .venv/bin/python bench/http_split.py [lifecycles per round, default 40]
"""
from __future__ import annotations

import sys
import time
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, select, text  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

from bench import api_lifecycle as api  # noqa: E402
from bench import lifecycle as L  # noqa: E402
from bench.lifecycle_split import backend_cpu  # noqa: E402
from bench.scratchdb import heading  # noqa: E402
from engine.demo.content import DEMO_PASSWORD  # noqa: E402
from engine.models import Unit  # noqa: E402

ROUNDS = 3


def children(pid: int) -> list[int]:
    """The child processes of a local process (gunicorn's workers)."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def backends(engine) -> list[int]:
    """The database's backends now, asked on a connection of its own (the pool's would leave itself out)."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        return conn.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
                            ).scalars().all()


def cpu_now(workers: list[int], master: int | None, pg: list[int]) -> dict[str, float]:
    """CPU seconds so far of each group of processes."""
    return {"workers": sum(map(backend_cpu, workers)), "master": backend_cpu(master or -1),
            "server": sum(map(backend_cpu, pg)), "client": time.process_time()}


def split(loop, engine, workers: list[int], master: int | None, n: int) -> dict[str, float]:
    """Best of ``ROUNDS`` rounds of ``loop(n)`` by wall time: milliseconds per request (six a lifecycle) of each
    process's CPU and of the wall."""
    best = None
    for _ in range(ROUNDS):
        pg = backends(engine)
        before = cpu_now(workers, master, pg)
        t0 = time.perf_counter()
        loop(n)
        wall = time.perf_counter() - t0
        spent = {k: v - before[k] for k, v in cpu_now(workers, master, pg).items()}
        spent["wall"] = wall
        if best is None or wall < best["wall"]:
            best = spent
    return {k: v * 1000 / (6 * n) for k, v in best.items()}


def show(label: str, ms: dict[str, float]) -> None:
    busy = ms["client"] + ms["workers"] + ms["master"] + ms["server"]
    print(f"{label}: {ms['wall']:.2f} ms a request (wall, best of {ROUNDS} rounds)")
    print(f"  {ms['client']:6.2f} ms  this process's CPU")
    if ms["workers"] or ms["master"]:
        print(f"  {ms['workers']:6.2f} ms  gunicorn workers' CPU (all of them)")
        print(f"  {ms['master']:6.2f} ms  gunicorn master's CPU")
    print(f"  {ms['server']:6.2f} ms  PostgreSQL backends' CPU")
    rest = ms["wall"] - busy
    what = "no process works: waiting on the network, the WAL flush or a core" if rest >= 0 else \
        "negative: the processes ran at once on the two cores for that long"
    print(f"  {rest:6.2f} ms  {what}", flush=True)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 40
    print(" ".join(heading("API over HTTP, a request split by process")), flush=True)
    url, drop = L.pg_database()
    try:
        engine, Session_ = L.prepare(url)
        probe = create_engine(url, poolclass=NullPool)  # a connection of its own for the backends' list
        with engine.connect() as conn:
            lead = conn.scalar(select(Unit.id).where(Unit.code == "HY-ZJJ"))
        L.product_loop(Session_, 10)
        show("service layer alone, PostgreSQL (per action)",
             split(lambda k: L.product_loop(Session_, k), probe, [], None, n))
        for count in (4, 1):
            server = api.Gunicorn(url, workers=count)
            try:
                toks = api.tokens(server.call, DEMO_PASSWORD)
                api.api_loop(server.call, toks, L.CITIZEN, L.REPLY, lead, 4 * count)  # every worker warm
                workers = children(server.proc.pid)
                loop = partial(api.api_loop, server.call, toks, L.CITIZEN, L.REPLY, lead)
                show(f"API over HTTP, gunicorn -w {count} ({len(workers)} workers)",
                     split(loop, probe, workers, server.proc.pid, n))
            finally:
                server.stop()
        engine.dispose()
        probe.dispose()
    finally:
        drop()
    raw = max(L.raw_loop(90, stock_scripts=True) for _ in range(ROUNDS))
    print(f"raw SpiffWorkflow loop: {1000 / raw / 6:.2f} ms an action (best of {ROUNDS}); 0.22 of its rate allows "
          f"{1000 / raw / 6 / 0.22:.2f} ms a request, 0.33 allows {1000 / raw / 6 / 0.33:.2f} ms an action")


if __name__ == "__main__":
    if "--help" in sys.argv or "-h" in sys.argv:
        print(__doc__)
    else:
        main()
