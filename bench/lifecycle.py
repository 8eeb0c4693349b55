"""Complete ticket lifecycles per second through the service layer (no HTTP), on SQLite and PostgreSQL,
against the raw SpiffWorkflow loop (spec by reference, save/load around every user task) measured in the
same run on the same diagram with the same task data.

The raw loop and the product run in alternation, round by round, and the ratio is taken within each round, so
that the load of the machine moving between rounds does not tilt it.

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

from bench.scratchdb import create_scratch_database  # noqa: E402
from engine.common.actors import Actor
from engine.common.context import reset_caches  # noqa: E402
from engine.common.db import make_engine, session_factory, transaction  # noqa: E402
from engine.demo.seed import seed_reference, seed_units, seed_users  # noqa: E402
from engine.models import Base, Unit  # noqa: E402
from engine.process.setup import bundled_files, seed_defaults  # noqa: E402
from engine.tickets.lifecycle import complete_task, register  # noqa: E402
from engine.workflow import Runtime, parse_bundle  # noqa: E402

QUICK = "--quick" in sys.argv
RUNS = 3 if QUICK else 5
PG_ADMIN = os.environ.get("HOTLINE_BENCH_PG", "postgresql+psycopg://root@127.0.0.1:5432/postgres")
CITIZEN = {"channel": "phone", "citizen_name": "张三丰", "citizen_phone": "13800001234", "address": "源城区永和路18号",
           "content": "小区东侧工地每晚22点后仍在施工，噪音扰民，请依法查处。" * 3, "ticket_type": "complaint",
           "category": "城乡建设/噪音扰民", "scope": "accept"}
REPLY = {"department": "市住房和城乡建设局建筑管理科", "handler_name": "李工",
         "result": "经现场核查，已责令停止夜间施工。" * 3,
         "basis": "《中华人民共和国噪声污染防治法》第四十三条", "contact_method": "电话联系诉求人告知结果"}
# The same routing data the raw loop feeds the engine directly.
RAW_STEPS = [("decide_scope", {"scope": "accept", "ticket_type": "complaint"}),
             ("dispatch", {"lead_unit": 7, "co_units": [], "via_county": None}), ("sign", {"sign_decision": "sign"}),
             ("reply", {}), ("review", {"review_decision": "accept"}),
             ("evaluate", {"intake_rating": "satisfied", "handling_rating": "satisfied"})]


def raw_loop(n: int, *, stock_scripts: bool = False) -> float:
    """Lifecycles/s of the bare engine: dump/load JSON around every user task, spec by reference.

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
    t0 = time.perf_counter()
    for _ in range(n):
        blob = rt.dump(rt.start("raw", {"ticket_type": "complaint", "channel": "phone"}))
        for bpmn_id, data in RAW_STEPS:
            inst = rt.load(blob)
            task = next(t for t in inst.ready_tasks() if t.bpmn_id == bpmn_id)
            inst.complete(task.uuid, data)
            blob = rt.dump(inst)
        assert rt.load(blob).is_completed()
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
    now = datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc)
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
    now = datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc)
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


def rounds(Session, n_raw: int, n_prod: int) -> dict[str, list[float]]:
    """``RUNS`` rounds, each: the raw loop (stock engine), the product, the raw loop with the compiled engine.

    Interleaved so that a change in the machine's load between rounds (other processes, frequency scaling) hits
    the baseline and the product alike; each round yields its own ratio and the medians are reported.
    """
    out = {"raw": [], "fast": [], "product": [], "ratio": [], "ratio_fast": []}
    for _ in range(RUNS):
        gc.collect()
        raw = raw_loop(n_raw, stock_scripts=True)
        gc.collect()
        prod = product_loop(Session, n_prod)
        gc.collect()
        fast = raw_loop(n_raw)
        out["raw"].append(raw)
        out["fast"].append(fast)
        out["product"].append(prod)
        out["ratio"].append(prod / raw)
        out["ratio_fast"].append(prod / fast)
    return out


def main() -> None:
    n_raw, n_prod = (100, 40) if QUICK else (300, 120)
    raw_loop(20)
    raw_loop(20, stock_scripts=True)
    targets = []
    with tempfile.TemporaryDirectory() as tmp:
        targets.append(("SQLite", f"sqlite:///{tmp}/bench.db", None))
        if "--no-postgres" not in sys.argv:
            url, drop = pg_database()
            targets.append(("PostgreSQL", url, drop))
        for label, url, drop in targets:
            try:
                engine, Session = prepare(url)
                product_loop(Session, 10)
                res = rounds(Session, n_raw, n_prod)
                engine.dispose()
            finally:
                if drop:
                    drop()
            raw, fast, prod = median(res["raw"]), median(res["fast"]), median(res["product"])
            ratio, ratio_fast = median(res["ratio"]), median(res["ratio_fast"])
            print(f"{label}: {RUNS} interleaved rounds, median [min..max]")
            print(f"  raw SpiffWorkflow loop (spec by ref, JSON save/load per user task, stock script engine): "
                  f"{raw[0]:7.1f} lifecycles/s [{raw[1]:.1f}..{raw[2]:.1f}]  <- the baseline")
            print(f"  same loop with the product's compiled RestrictedPython engine:                          "
                  f"{fast[0]:7.1f} lifecycles/s [{fast[1]:.1f}..{fast[2]:.1f}]")
            print(f"  product, service layer:                                                                 "
                  f"{prod[0]:7.1f} lifecycles/s [{prod[1]:.1f}..{prod[2]:.1f}]"
                  f"  ({1000 / prod[0] / 6:.2f} ms per action)")
            print(f"  ratio product / raw loop, per round: {ratio[0]:.3f} [{ratio[1]:.3f}..{ratio[2]:.3f}]"
                  f"  (to the compiled-engine loop {ratio_fast[0]:.3f} [{ratio_fast[1]:.3f}..{ratio_fast[2]:.3f}])")
    print("target: ratio >= 0.33 on SQLite")


if __name__ == "__main__":
    main()
