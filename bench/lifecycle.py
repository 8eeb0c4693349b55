"""Complete ticket lifecycles per second through the service layer (no HTTP), on SQLite and PostgreSQL,
against the raw SpiffWorkflow loop (spec by reference, save/load around every user task) measured in the
same run on the same diagram with the same task data.

The raw loop and the product run in alternation, round by round, and the ratio is taken within each round, so
that the load of the machine moving between rounds does not tilt it.

Four rows, each interleaved with its own raw rounds: the service layer on SQLite and on PostgreSQL, the API
through Flask's test client on SQLite, the API over real HTTP to gunicorn -w 4 on PostgreSQL (bench/api_lifecycle.py).

Usage: .venv/bin/python bench/lifecycle.py [--quick] [--no-postgres]
"""
from __future__ import annotations

import gc
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select  # noqa: E402

from bench import api_lifecycle as api  # noqa: E402
from bench.scratchdb import create_scratch_database, heading  # noqa: E402
from engine.common.actors import Actor  # noqa: E402
from engine.common.context import reset_caches  # noqa: E402
from engine.common.db import make_engine, session_factory, transaction  # noqa: E402
from engine.demo.seed import seed_reference, seed_units, seed_users  # noqa: E402
from engine.models import Base, Unit  # noqa: E402
from engine.process.setup import bundled_files, seed_defaults  # noqa: E402
from engine.tickets.lifecycle import complete_task, register  # noqa: E402
from engine.workflow import Runtime, parse_bundle  # noqa: E402

QUICK = "--quick" in sys.argv
# Many short rounds: the load of a shared machine moves within seconds, and a median of many short rounds holds.
RUNS = 3 if QUICK else 11
PG_ADMIN = os.environ.get("HOTLINE_BENCH_PG", "postgresql+psycopg://root@127.0.0.1:5432/postgres")
CITIZEN = {"channel": "phone", "citizen_name": "张三丰", "citizen_phone": "13800001234", "address": "源城区永和路18号",
           "content": "小区东侧工地每晚22点后仍在施工，噪音扰民，请依法查处。" * 3, "ticket_type": "complaint",
           "category": "城乡建设/噪音扰民", "scope": "accept"}
REPLY = {"department": "市住房和城乡建设局建筑管理科", "handler_name": "李工",
         "result": "经现场核查，已责令停止夜间施工。" * 3,
         "basis": "《中华人民共和国噪声污染防治法》第四十三条", "contact_method": "电话联系诉求人告知结果"}
# The same routing data the raw loop feeds the engine directly.
NOW = datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc)
RAW_STEPS = [("decide_scope", {"scope": "accept", "ticket_type": "complaint"}),
             ("dispatch", {"lead_unit": 7, "co_units": [], "via_county": None}), ("sign", {"sign_decision": "sign"}),
             ("reply", {}), ("review", {"review_decision": "accept"}),
             ("evaluate", {"intake_rating": "satisfied", "handling_rating": "satisfied"})]


def raw_loop(n: int, *, stock_scripts: bool = False) -> float:
    """Lifecycles/s of the bare engine: dump/load JSON around every user task, spec by reference, with the
    library's own serializer.

    ``stock_scripts``: the library's own script engine (plain ``eval``), as the reference probe measured it;
    otherwise the product's RestrictedPython engine with its compiled-code cache (faster).
    """
    bundle = parse_bundle(bundled_files(), "raw")
    rt = Runtime(lambda ref: bundle)
    if stock_scripts:
        from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine

        from engine.workflow.serializer import make_serializer

        stock = PythonScriptEngine()
        rt.serializer = make_serializer(lambda ref: bundle, stock)
        rt.start = _stock_start(bundle, stock)
    # The library's own serializer (spec by reference), not the product's faster path to the same bytes.
    ser = rt.serializer
    from engine.workflow.runtime import Instance

    t0 = time.perf_counter()
    for _ in range(n):
        blob = ser.serialize_json(rt.start("raw", {"ticket_type": "complaint", "channel": "phone"}).wf)
        for bpmn_id, data in RAW_STEPS:
            inst = Instance(ser.deserialize_json(blob), bundle)
            task = next(t for t in inst.ready_tasks() if t.bpmn_id == bpmn_id)
            inst.complete(task.uuid, data)
            blob = ser.serialize_json(inst.wf)
        assert ser.deserialize_json(blob).is_completed()
    return n / (time.perf_counter() - t0)


def _stock_start(bundle, engine):
    from SpiffWorkflow.bpmn.workflow import BpmnWorkflow

    from engine.workflow.runtime import Instance

    def start(ref, data):
        wf = BpmnWorkflow(bundle.spec, bundle.subprocess_specs, script_engine=engine)
        wf.task_tree.data.update(data)
        wf.do_engine_steps()
        return Instance(wf, bundle)
    return start


def prepare(url: str):
    reset_caches()
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    Session = session_factory(engine)
    now = NOW
    with Session() as s, transaction(s):
        seed_defaults(s, now)
        units = seed_units(s)
        seed_users(s, units, now)
        seed_reference(s, units, now)
    return engine, Session


def product_loop(Session, n: int) -> float:
    with Session() as s:
        from engine.models import User
        users = {u.username: Actor.of_user(u) for u in s.scalars(select(User))}
        lead = s.scalar(select(Unit.id).where(Unit.code == "HY-ZJJ"))
    now = NOW
    steps = [("dispatcher", "dispatch", {"lead_unit": lead}), ("receiver", "sign", {"decision": "sign"}),
             ("handler", "reply", REPLY), ("reviewer", "review", {"decision": "accept"}),
             ("agent", "evaluate",
              {"intake_rating": "satisfied", "handling_rating": "satisfied", "method": "callback"})]
    t0 = time.perf_counter()
    with Session() as s:
        for _ in range(n):
            with transaction(s):
                ticket, _code, _ = register(s, users["agent"], CITIZEN, now)
                tid = ticket.id
            for i, (who, task, data) in enumerate(steps):
                with transaction(s):
                    step = complete_task(s, users[who], tid, task, data, now + timedelta(minutes=i + 1))
            assert step.ticket.status == "archived"
    return n / (time.perf_counter() - t0)


def median(vals):
    vals = sorted(vals)
    return statistics.median(vals), vals[0], vals[-1]


def pg_database():
    return create_scratch_database(PG_ADMIN)


def rounds(product, n_raw: int, n_prod: int, *, fast_loop: bool = True) -> dict[str, list[float]]:
    """``RUNS`` rounds, each: the raw loop (stock engine), the product (``product(n)`` -> lifecycles/s), the raw
    loop with the compiled engine (``fast_loop``).

    Interleaved so that a change in the machine's load between rounds (other processes, frequency scaling) hits
    the baseline and the product alike; each round yields its own ratio and the medians are reported.
    """
    out = {"raw": [], "fast": [], "product": [], "ratio": [], "ratio_fast": [], "ratio_cpu": []}
    for _ in range(RUNS):
        gc.collect()
        c0 = time.process_time()
        raw = raw_loop(n_raw, stock_scripts=True)
        c1 = time.process_time()
        gc.collect()
        c2 = time.process_time()
        prod = product(n_prod)
        c3 = time.process_time()
        out["raw"].append(raw)
        out["product"].append(prod)
        out["ratio"].append(prod / raw)
        # This process's CPU time only: less moved by other work on the machine, but it leaves out the database
        # server's and gunicorn's time, so it is reported for the in-process SQLite rows only.
        out["ratio_cpu"].append((n_prod / (c3 - c2)) / (n_raw / (c1 - c0)))
        if fast_loop:
            gc.collect()
            fast = raw_loop(n_raw)
            out["fast"].append(fast)
            out["ratio_fast"].append(prod / fast)
    return out


def report(label: str, res: dict[str, list[float]], target: float, cpu: bool = False) -> tuple:
    raw, prod, ratio = median(res["raw"]), median(res["product"]), median(res["ratio"])
    print(f"{label}: {RUNS} interleaved rounds, median [min..max]")
    print(f"  raw SpiffWorkflow loop (spec by ref, JSON save/load per user task, stock script engine): "
          f"{raw[0]:7.1f} lifecycles/s [{raw[1]:.1f}..{raw[2]:.1f}]  <- the baseline")
    if res["fast"]:
        fast = median(res["fast"])
        print(f"  same loop with the product's compiled RestrictedPython engine:                          "
              f"{fast[0]:7.1f} lifecycles/s [{fast[1]:.1f}..{fast[2]:.1f}]")
    print(f"  product:                                                                                "
          f"{prod[0]:7.1f} lifecycles/s [{prod[1]:.1f}..{prod[2]:.1f}]  ({1000 / prod[0] / 6:.2f} ms per action)")
    per_round = " ".join(f"{r:.3f}" for r in res["ratio"])
    line = f"  ratio product / raw loop, per round: {per_round}; median {ratio[0]:.3f} (target >= {target:.2f})"
    if res["ratio_fast"]:
        rf = median(res["ratio_fast"])
        line += f"; to the compiled-engine loop {rf[0]:.3f}"
    if cpu:
        line += f"; by this process's CPU time {median(res['ratio_cpu'])[0]:.3f}"
    print(line, flush=True)
    return label, ratio[0], median(res["ratio_cpu"])[0] if cpu else None, target


def service_row(label: str, url: str, n_raw: int, n_prod: int, target: float):
    engine, Session = prepare(url)
    try:
        product_loop(Session, 10)
        return report(f"service layer, {label}", rounds(lambda n: product_loop(Session, n), n_raw, n_prod),
                      target, cpu=label == "SQLite")
    finally:
        engine.dispose()


def api_row(label: str, url: str, call, n_raw: int, n_prod: int, target: float, cpu: bool = False):
    from engine.demo.content import DEMO_PASSWORD

    engine = make_engine(url)
    with engine.connect() as conn:
        lead = conn.scalar(select(Unit.id).where(Unit.code == "HY-ZJJ"))
    engine.dispose()
    toks = api.tokens(call, DEMO_PASSWORD)
    api.api_loop(call, toks, CITIZEN, REPLY, lead, 5)
    res = rounds(lambda n: api.api_loop(call, toks, CITIZEN, REPLY, lead, n), n_raw, n_prod, fast_loop=False)
    return report(label, res, target, cpu)


def main() -> None:
    n_raw, n_prod = (60, 20) if QUICK else (90, 30)
    raw_loop(20)
    raw_loop(20, stock_scripts=True)
    print(" ".join(heading("Ticket lifecycles")), flush=True)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        sqlite_url = f"sqlite:///{tmp}/bench.db"
        rows.append(service_row("SQLite", sqlite_url, n_raw, n_prod, 0.50))
        call = api.test_client_call(sqlite_url, NOW)
        rows.append(api_row("API through Flask's test client, SQLite", sqlite_url, call, n_raw, n_prod, 0.40,
                            cpu=True))
        if "--no-postgres" not in sys.argv:
            url, drop = pg_database()
            try:
                rows.append(service_row("PostgreSQL", url, n_raw, n_prod, 0.33))
                server = api.Gunicorn(url)
                try:
                    rows.append(api_row("API over real HTTP, gunicorn -w 4, PostgreSQL", url, server.call, n_raw,
                                        n_prod // 2, 0.22))
                finally:
                    server.stop()
            finally:
                drop()
    print("| path | ratio to raw loop, wall clock (median of rounds) | same, this process's CPU time | target |")
    print("|---|---|---|---|")
    for label, ratio, cpu, target in rows:
        print(f"| {label} | {ratio:.3f} | {'—' if cpu is None else f'{cpu:.3f}'} | ≥ {target:.2f} |")


if __name__ == "__main__":
    if "--help" in sys.argv or "-h" in sys.argv:
        print(__doc__)
    else:
        main()
