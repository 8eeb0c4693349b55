"""How long ``seed-demo`` takes at its default size, against plain ticket lifecycles measured in the same run.

Baseline: the same services driving tickets straight from registration to archive (register with the scope
decision, dispatch, sign, reply, review, evaluate) with nothing else going on. The demo's year does that plus its
timing model, the scheduler's steps after every working day, supervisions, knowledge uploads and fixes. The ratio
(demo time ÷ its tickets' worth of baseline lifecycles) says what the simulation adds; the CPU ratio holds when
other work on the machine slows the wall clock. Wall time is what a newcomer waits for (``make run``); on an idle
machine it is about the CPU time. SQLite, fresh files, one process.

Usage: .venv/bin/python bench/demo.py [--tickets N] [--record]
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.scratchdb import heading  # noqa: E402
from engine.common.context import reset_caches  # noqa: E402

BASELINE = 200
TICKETS = int(sys.argv[sys.argv.index("--tickets") + 1]) if "--tickets" in sys.argv else None
NOW = datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc)


def app_for(path: str):
    from web import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SCHEDULER_ENABLED": False})


def baseline(path: str) -> tuple[float, float]:
    """Wall and CPU seconds per plain lifecycle (six actions) through the services."""
    from sqlalchemy import select

    from engine.common import Actor, transaction
    from engine.demo.seed import seed_reference, seed_units, seed_users
    from engine.models import User
    from engine.tickets import complete_task, register
    from web.cli import init_database
    from web.extensions import db

    app = app_for(path)
    with app.app_context():
        init_database()
        with transaction(db.session):
            units = seed_units(db.session)
            seed_users(db.session, units, NOW)
            seed_reference(db.session, units, NOW)
        people = {u.username: Actor.of_user(u) for u in db.session.scalars(select(User))}
        data = {"channel": "phone", "citizen_name": "张三丰", "citizen_phone": "13800001234", "address": "永和路18号",
                "content": "小区东侧工地每晚22点后仍在施工，噪音扰民，请依法查处。", "ticket_type": "complaint",
                "category": "城乡建设/噪音扰民", "scope": "accept"}
        reply = {"department": "建筑管理科", "handler_name": "李工", "result": "已责令停止夜间施工。",
                 "basis": "《噪声污染防治法》", "contact_method": "电话"}
        started, cpu = time.perf_counter(), time.process_time()
        t = NOW - timedelta(days=30)
        for _ in range(BASELINE):
            with transaction(db.session):
                ticket, _, _ = register(db.session, people["agent"], data, t)
                for who, task, extra in (("dispatcher", "dispatch", {"lead_unit": units["HY-ZJJ"].id}),
                                         ("receiver", "sign", {"decision": "sign"}), ("handler", "reply", reply),
                                         ("reviewer", "review", {"decision": "accept"}),
                                         ("agent", "evaluate", {"intake_rating": "satisfied",
                                                                "handling_rating": "satisfied", "method": "sms"})):
                    t += timedelta(minutes=7)
                    complete_task(db.session, people[who], ticket.id, task, extra, t)
        per = ((time.perf_counter() - started) / BASELINE, (time.process_time() - cpu) / BASELINE)
        db.session.remove()
        db.engine.dispose()
    return per


def demo(path: str) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds and tickets of ``seed_demo`` at its default size (or ``--tickets``)."""
    from sqlalchemy import func, select

    from engine.demo import seed_demo
    from engine.models import Ticket
    from web.cli import init_database
    from web.extensions import db

    app = app_for(path)
    with app.app_context():
        init_database()
        wall, cpu = time.perf_counter(), time.process_time()
        seed_demo(db.session, NOW, **({"tickets": TICKETS} if TICKETS else {}))
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        n = db.session.scalar(select(func.count()).select_from(Ticket))
        db.session.remove()
        db.engine.dispose()
    return wall, cpu, n


def main() -> None:
    lines = heading("seed-demo at its default size (issue 23)")
    with tempfile.TemporaryDirectory() as tmp:
        reset_caches()
        per, per_cpu = baseline(os.path.join(tmp, "baseline.db"))
        reset_caches()
        wall, cpu, n = demo(os.path.join(tmp, "demo.db"))
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    lines += [
        "`bench/demo.py`: `seed_demo` (the code behind `flask seed-demo`) on a fresh SQLite file, against plain",
        "lifecycles (six actions each) through the same services on another fresh file, in the same run.",
        "",
        "| measure | value |",
        "|---|---|",
        f"| baseline: one plain lifecycle ({BASELINE} in a row), wall / CPU "
        f"| {per * 1000:.1f} / {per_cpu * 1000:.1f} ms |",
        f"| `seed_demo`: tickets registered | {n} |",
        f"| `seed_demo`: wall time | {wall:.1f} s |",
        f"| `seed_demo`: CPU time of the process | {cpu:.1f} s |",
        f"| ratio, CPU: demo ÷ ({n} × baseline lifecycle) | {cpu / (n * per_cpu):.2f} |",
        f"| ratio, wall: demo ÷ ({n} × baseline lifecycle) | {wall / (n * per):.2f} |",
        "",
        f"Load average when it ended: {load}.",
    ]
    print("\n".join(lines))
    if "--record" in sys.argv:
        with open(Path(__file__).with_name("RESULTS.md"), "a", encoding="utf-8") as f:
            f.write("\n" + "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
