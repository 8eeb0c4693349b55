"""Deadline computations per second, and one monitor pass over 1,000,000 open tickets on PostgreSQL when nothing
is due and when 1,000 and 10,000 are due — against baselines measured in the same run.

Deadline baseline: the obvious loop (step day by day, ask the calendar whether each day is a working day).
Monitor baseline: the bare indexed SELECT of the same due rows, the floor any pass pays; for contrast, the scan
a monitor without stored thresholds would need (every open ticket's deadline compared with now).

The tickets go into a scratch PostgreSQL database created for the run (INSERT … SELECT generate_series) and
dropped afterwards. Results are appended to bench/RESULTS.md.

Usage: .venv/bin/python bench/monitor.py [--quick] [--tickets N] [--no-record]
"""
from __future__ import annotations

import os
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select, text  # noqa: E402

from bench.monitor_floor import floor_rows  # noqa: E402
from bench.scratchdb import create_scratch_database, heading  # noqa: E402
from engine.clocks.calendar_seed import chinesecalendar_overrides  # noqa: E402
from engine.clocks.monitor import MonitorSettings, monitor_pass  # noqa: E402
from engine.common.context import reset_caches  # noqa: E402
from engine.common.db import make_engine, session_factory, transaction  # noqa: E402
from engine.domain import timelimits as tl  # noqa: E402
from engine.domain.calendar import TZ, WorkingCalendar  # noqa: E402
from engine.models import ProcessVersion, RuleSet, Unit  # noqa: E402

if {"-h", "--help"} & set(sys.argv):
    print(__doc__)
    sys.exit(0)
QUICK = "--quick" in sys.argv
RECORD = "--no-record" not in sys.argv
TICKETS = int(sys.argv[sys.argv.index("--tickets") + 1]) if "--tickets" in sys.argv else 1_000_000
PG_ADMIN = os.environ.get("HOTLINE_BENCH_PG", "postgresql+psycopg://root@127.0.0.1:5432/postgres")
RESULTS = Path(__file__).with_name("RESULTS.md")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=TZ).astimezone(UTC)
lines: list[str] = []


def say(line: str = "") -> None:
    print(line, flush=True)
    lines.append(line)


# -- deadline computations ---------------------------------------------------------------------------------------


def naive_last_day(cal: WorkingCalendar, receipt: date, n: int) -> date:
    d, counted = receipt, 0
    while counted < n:
        d += timedelta(days=1)
        counted += cal.is_working_day(d)
    return d


def rate(fn, inputs, min_seconds: float) -> float:
    done, started = 0, time.perf_counter()
    while True:
        for args in inputs:
            fn(*args)
        done += len(inputs)
        elapsed = time.perf_counter() - started
        if elapsed >= min_seconds:
            return done / elapsed


def bench_deadlines() -> None:
    overrides, years = chinesecalendar_overrides()
    rng = random.Random(12345)
    base = datetime(2025, 1, 1, tzinfo=TZ)
    limits = [1, 2, 3, 10, 30]
    instants = [(base + timedelta(minutes=rng.randrange(0, 2 * 365 * 24 * 60)), rng.choice(limits))
                for _ in range(20_000)]
    seconds = 0.5 if QUICK else 2.0
    cal = WorkingCalendar(overrides, years)
    warm = rate(cal.add_working_days, instants, seconds)

    def uncached(start, n):
        cal._cache.clear()  # noqa: SLF001 -- measure the computation itself, not the memo
        return cal.add_working_days(start, n)

    cold = rate(uncached, instants, seconds)
    dates = [(s.astimezone(TZ).date(), n) for s, n in instants[:4000]]
    naive = rate(lambda d, n: naive_last_day(cal, d, n), dates, seconds)
    rules = tl.HEYUAN_DEFAULT
    types = list(tl.TICKET_TYPES)
    clock_inputs = [(s, types[i % len(types)]) for i, (s, _) in enumerate(instants)]
    clocks = rate(lambda s, ty: tl.handling_clock(cal, rules, ty, s), clock_inputs, seconds)
    for a, b in ((s, n) for s, n in dates[:500]):  # the fast path and the obvious loop agree
        assert cal.add_working_days_from_date(a, b).last_day == naive_last_day(cal, a, b)
    say("### Deadline computations (one process, no database)")
    say("| measure | per second | vs naive day-by-day loop |")
    say("|---|---|---|")
    say(f"| `add_working_days` (aware instant → Deadline), memo warm | {warm:,.0f} | {warm / naive:,.1f}× |")
    say(f"| `add_working_days`, memo cleared before every call | {cold:,.0f} | {cold / naive:,.1f}× |")
    say(f"| `handling_clock` (due + 预警/黄牌/红牌 + explanation data) | {clocks:,.0f} | {clocks / naive:,.1f}× |")
    say(f"| baseline: naive loop over `is_working_day` | {naive:,.0f} | 1.0× |")
    say(f"Target ≥ 200,000/s: {'met' if warm >= 200_000 else 'NOT met'} (warm), "
        f"{'met' if cold >= 200_000 else 'not met'} (memo cleared).")
    say()


# -- the monitor pass over a million open tickets --------------------------------------------------------------


def create_database() -> tuple[str, callable]:
    return create_scratch_database(PG_ADMIN)


def build_schema(url: str) -> None:
    from engine.demo.seed import seed_units, seed_users
    from web import create_app
    from web.cli import init_database
    from web.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SCHEDULER_ENABLED": False})
    with app.app_context():
        init_database()
        with transaction(db.session):
            units = seed_units(db.session)
            seed_users(db.session, units, NOW)
        db.session.remove()
        db.engine.dispose()


INSERT = """
INSERT INTO ticket (number, query_code_hash, channel, citizen_name, citizen_phone, content, ticket_type, status,
    redo_count, return_count, process_version_id, rule_set_id, workflow_state, created_at, updated_at,
    deadline_provisional, lead_unit_id, received_at, handling_started_at, accept_due, handling_due,
    accept_warning_at, accept_yellow_at, accept_red_at, handling_warning_at, handling_yellow_at, handling_red_at,
    monitor_stage, monitor_level, next_threshold_at)
SELECT 'BENCH' || g, md5(g::text), 'phone', '张三', '13800001234', '小区工地夜间施工噪音扰民，请依法查处。',
    'complaint', 'handling', 0, 0, :pv, :rs, '{}', t.r, t.r, false, (:units)[1 + g % :nunits], t.r, t.r,
    t.r + interval '1 day', t.r + interval '14 days',
    t.r + interval '1 day', t.r + interval '2 days', t.r + interval '3 days',
    t.r + interval '13 days', t.r + interval '14 days', t.r + interval '15 days',
    'handling', 'normal', t.r + interval '13 days'
FROM generate_series(1, :n) AS g,
     LATERAL (SELECT :now - (g % 9000) * interval '1 minute' AS r) AS t
"""


def load_tickets(engine, n: int) -> float:
    with engine.begin() as conn:
        pv = conn.scalar(select(ProcessVersion.id).where(ProcessVersion.active.is_(True)))
        rs = conn.scalar(select(RuleSet.id).where(RuleSet.active.is_(True)))
        units = list(conn.scalars(select(Unit.id).where(Unit.kind.in_(("city_department", "county_department",
                                                                         "county_government", "enterprise")))))
        started = time.perf_counter()
        conn.execute(text(INSERT), {"pv": pv, "rs": rs, "units": units, "nunits": len(units), "n": n, "now": NOW})
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE ticket"))
    return time.perf_counter() - started


def make_due(engine, count: int) -> None:
    """Move ``count`` tickets, spread over the table, to a warning threshold an hour ago."""
    step = max(1, TICKETS // count)
    with engine.begin() as conn:
        zjj = conn.scalar(select(Unit.id).where(Unit.code == "HY-ZJJ"))
        conn.execute(text("""UPDATE ticket SET handling_warning_at = :past, next_threshold_at = :past,
                                               monitor_level = 'normal', lead_unit_id = :unit
                             WHERE id IN (SELECT id FROM ticket ORDER BY id LIMIT :span)
                               AND id % CAST(:step AS bigint) = 0"""),
                     {"past": NOW - timedelta(hours=1), "unit": zjj, "span": count * step, "step": step})
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE ticket"))


def timed(session_maker, fn, runs: int, cpu: list | None = None) -> list[float]:
    """Run ``fn(session)`` in a transaction that is rolled back, ``runs`` times; return milliseconds.

    With ``cpu``, append (client, server) CPU milliseconds of each run: this process's, and the PostgreSQL
    backend's from /proc (the server runs on this machine); CPU time moves less with the machine's load.
    """
    out = []
    for _ in range(runs):
        session = session_maker()
        try:
            backend = session.execute(text("SELECT pg_backend_pid()")).scalar() if cpu is not None else None
            client, server = time.process_time(), backend_cpu(backend)
            started = time.perf_counter()
            fn(session)
            out.append((time.perf_counter() - started) * 1000)
            if cpu is not None:
                cpu.append(((time.process_time() - client) * 1000, (backend_cpu(backend) - server) * 1000))
        finally:
            session.rollback()
            session.close()
    return out


def backend_cpu(pid: int | None) -> float:
    """User + system CPU seconds of a local process (0 when unknown)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (OSError, TypeError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def ms(values: list[float]) -> str:
    return f"{statistics.median(values):,.2f} ms"


def bench_monitor() -> None:
    url, drop = create_database()
    engine = None
    try:
        build_schema(url)
        reset_caches()
        engine = make_engine(url, pool_size=2)
        load_seconds = load_tickets(engine, TICKETS)
        maker = session_factory(engine)
        settings = MonitorSettings()
        runs = 5 if QUICK else 20

        def bare_select(limit):
            return lambda s: s.execute(select(text("id")).select_from(text("ticket"))
                                       .where(text("next_threshold_at <= :now")).order_by(text("next_threshold_at"))
                                       .limit(limit), {"now": NOW}).all()

        def pass_(s):
            result = monitor_pass(s, NOW, settings)
            s.flush()
            return result

        def scan(s):
            # A monitor without a stored pending threshold reads every open ticket's clock and compares in Python.
            rows = s.execute(text("SELECT id, monitor_level, handling_warning_at, handling_yellow_at, handling_red_at "
                                  "FROM ticket WHERE status IN ('signing', 'co_handling', 'handling', 'reviewing')"))
            return [r.id for r in rows if r.handling_warning_at <= NOW and r.monitor_level == "normal"]

        # Nothing due.
        with maker() as s:
            sql = ("EXPLAIN SELECT id FROM ticket WHERE next_threshold_at <= :now ORDER BY next_threshold_at, id "
                   "LIMIT 1000 FOR UPDATE SKIP LOCKED")
            plan = "\n".join(r[0] for r in s.execute(text(sql), {"now": NOW}))
        timed(maker, pass_, 3)  # warm the caches (rules, units, plan)
        idle = timed(maker, pass_, runs)
        idle_base = timed(maker, bare_select(1000), runs)
        scans = timed(maker, scan, 1 if QUICK else 3)

        say(f"### One monitor pass over {TICKETS:,} open tickets (PostgreSQL {server_version(engine)})")
        say(f"Loaded with one INSERT … SELECT generate_series in {load_seconds:,.1f} s (plus VACUUM ANALYZE).")
        say("| case | median | baseline (bare indexed SELECT of the same rows) | ratio |")
        say("|---|---|---|---|")
        say(f"| nothing due | {ms(idle)} (p95 {percentile(idle, 95):,.2f} ms) | {ms(idle_base)} | "
            f"{statistics.median(idle) / statistics.median(idle_base):,.1f}× |")
        results = {}
        for count in (1_000, 10_000):
            make_due(engine, count)
            with maker() as s:
                due_now = s.execute(text("SELECT count(*) FROM ticket WHERE next_threshold_at <= :now"),
                                    {"now": NOW}).scalar()
            assert due_now == count, (due_now, count)
            reps = 2 if QUICK else 3
            cpu: list[tuple[float, float]] = []
            passes = timed(maker, pass_, reps, cpu)
            base = timed(maker, bare_select(count), reps)
            with maker() as s:
                check = monitor_pass(s, NOW, settings)
                s.rollback()
            assert check.tickets == count and check.crossings["warning"] == count
            results[count] = (passes, base, check, cpu)
            say(f"| {count:,} due ({check.notices:,} notices, {count:,} audit rows) | {ms(passes)} "
                f"({statistics.median(passes) / count * 1000:,.0f} µs per ticket) | {ms(base)} | "
                f"{statistics.median(passes) / statistics.median(base):,.1f}× |")
        say(f"| contrast: read every open ticket's clock and compare in Python (no stored pending threshold) | "
            f"{ms(scans)} | — | — |")
        for count, (_, _, _, cpu) in results.items():
            client = statistics.median(c for c, _ in cpu) / count * 1000
            server = statistics.median(s for _, s in cpu) / count * 1000
            say(f"CPU per due ticket, {count:,} due (median): this process {client:,.0f} µs, the PostgreSQL backend "
                f"{server:,.0f} µs.")
        idle_ms = statistics.median(idle)
        ten = statistics.median(results[10_000][0])
        one = statistics.median(results[1_000][0])
        say(f"Target < 50 ms when nothing is due: {'met' if idle_ms < 50 else 'NOT met'} ({idle_ms:,.2f} ms). "
            f"Cost grows with what is due: 1,000 → 10,000 due costs {ten / one:,.1f}× more; "
            f"10,000 due vs nothing due {ten / idle_ms:,.0f}×; the open-ticket count does not enter the pass.")
        say("Each due ticket crosses one threshold (预警): one audit row, two notices (voice and SMS to the unit's "
            "receiver) written by COPY, one ticket update; each pass runs in a transaction that is rolled back.")
        floor_rows(maker, NOW, settings, 10_000, timed, say)
        say("Plan of the pass's query (nothing due):")
        say("```")
        for line in plan.splitlines():
            say(line)
        say("```")
        say()
    finally:
        if engine is not None:
            engine.dispose()
        drop()


def percentile(values: list[float], p: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def server_version(engine) -> str:
    with engine.connect() as conn:
        return conn.scalar(text("SHOW server_version")).split()[0]




def main() -> None:
    for line in heading("Monitor and deadlines"):
        say(line)
    say(f"`bench/monitor.py{' --quick' if QUICK else ''}`"
        + (f" with {TICKETS:,} tickets" if TICKETS != 1_000_000 else ""))
    say()
    bench_deadlines()
    bench_monitor()
    if RECORD:
        with RESULTS.open("a", encoding="utf-8") as f:
            if RESULTS.stat().st_size == 0:
                f.write("# Benchmark results\n")
            f.write("\n" + "\n".join(lines) + "\n")
        print(f"appended to {RESULTS}")


if __name__ == "__main__":
    main()
