"""The analytics dashboard and a year's unit assessment over 2,000,000 tickets on PostgreSQL, against a baseline
`SELECT count(*) FROM ticket` measured in the same run. Target: under 2 s each.

The data go into a scratch PostgreSQL database created for the run and dropped afterwards: tickets spread over two
years (INSERT … SELECT generate_series), one lead assignment each, a reply and an evaluation for every archived
ticket, and a supervision for one ticket in 200. Results are appended to bench/RESULTS.md.

Usage: .venv/bin/python bench/analytics.py [--quick] [--tickets N] [--no-record] [--keep]
"""
from __future__ import annotations

import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select, text  # noqa: E402

from bench.monitor import build_schema, create_database, server_version  # noqa: E402
from bench.scratchdb import heading  # noqa: E402
from engine.analytics import findings, open_data  # noqa: E402
from engine.analytics import metrics as analytics
from engine.common.context import reset_caches  # noqa: E402
from engine.common.db import make_engine, session_factory  # noqa: E402
from engine.domain.calendar import TZ  # noqa: E402
from engine.domain.matching import content_digest  # noqa: E402
from engine.models import ProcessVersion, RuleSet, Unit  # noqa: E402

QUICK = "--quick" in sys.argv
RECORD = "--no-record" not in sys.argv
KEEP = "--keep" in sys.argv  # leave the scratch database in place (its URL is printed) for EXPLAIN ANALYZE
TICKETS = int(sys.argv[sys.argv.index("--tickets") + 1]) if "--tickets" in sys.argv else 2_000_000
RESULTS = Path(__file__).with_name("RESULTS.md")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=TZ).astimezone(UTC)
SPAN_MINUTES = 730 * 24 * 60
lines: list[str] = []


def say(line: str = "") -> None:
    print(line, flush=True)
    lines.append(line)


# Every bench ticket tells the same story, so repeated matters by content find one group of every ticket in the
# period (the most work the grouping can have); its digest is the product's own.
CONTENT = "小区工地夜间施工噪音扰民，请依法查处。"
TICKETS_SQL = """
INSERT INTO ticket (number, query_code_hash, channel, citizen_name, citizen_phone, content, content_key, ticket_type,
    category,
    status, redo_count, return_count, process_version_id, rule_set_id, workflow_state, created_at, updated_at,
    deadline_provisional, lead_unit_id, county_office_id, received_at, accept_due, handling_due, closed_at,
    monitor_level, handling_rating)
SELECT 'BENCH' || g, md5(g::text), (ARRAY['phone','web','wechat','app'])[1 + g % 4], '张三', '13800001234',
    :content, :content_key,
    (ARRAY['consult','help','complaint','report','suggestion','economic'])[1 + g % 6],
    'cat-' || (g % 40), CASE WHEN t.r > :now - interval '20 days' AND g % 3 = 0 THEN 'handling' ELSE 'archived' END,
    CASE WHEN g % 25 = 0 THEN 1 ELSE 0 END, CASE WHEN g % 30 = 0 THEN 1 ELSE 0 END, :pv, :rs, '{}', t.r, t.r,
    false, (:units)[1 + g % :nunits], CASE WHEN g % 3 = 0 THEN (:counties)[1 + g % :ncounties] END,
    t.r, t.r + interval '1 day', t.r + interval '14 days',
    CASE WHEN t.r > :now - interval '20 days' AND g % 3 = 0 THEN NULL ELSE t.r + interval '10 days' END,
    (ARRAY['normal','warning','yellow','red'])[1 + g % 4], NULL
FROM generate_series(1, :n) AS g,
     LATERAL (SELECT :now - (g % :span) * interval '1 minute' AS r) AS t
"""
ASSIGN_SQL = """
INSERT INTO assignment (ticket_id, unit_id, role, round, active, dispatched_at, signed_at, sign_mode, returned_at,
    sign_on_time)
SELECT id, lead_unit_id, 'lead', 1, return_count = 0, created_at + interval '1 hour',
    CASE WHEN return_count = 0 THEN created_at + interval '3 hours' + (id % 7) * interval '4 hours' END,
    CASE WHEN return_count = 0 THEN (CASE WHEN id % 11 = 0 THEN 'deemed' ELSE 'signed' END) END,
    CASE WHEN return_count > 0 THEN created_at + interval '5 hours' END,
    CASE WHEN return_count = 0
         THEN id % 11 = 0 OR created_at + interval '3 hours' + (id % 7) * interval '4 hours' <= accept_due
         ELSE false END
FROM ticket
"""
REPLY_SQL = """
INSERT INTO reply (ticket_id, unit_id, redo, handled_at, department, handler_name, result, basis, contact_method,
    citizen_informed, submitted_at, review_decision, reviewed_at, on_time)
SELECT id, lead_unit_id, false, closed_at - interval '2 days', '业务科', '李工', '已处理', '有关规定', '电话', true,
    created_at + (id % 16) * interval '1 day', 'accept', closed_at - interval '1 day',
    created_at + (id % 16) * interval '1 day' <= handling_due
FROM ticket WHERE status = 'archived'
"""
EVAL_SQL = """
INSERT INTO evaluation (ticket_id, round, intake_rating, handling_rating, method, evaluated_at,
    excluded_from_assessment, unit_id)
SELECT id, 1, 'satisfied',
    (ARRAY['very_satisfied','satisfied','basic','dissatisfied','very_dissatisfied','none'])[1 + id % 6],
    'callback', closed_at, id % 50 = 0, lead_unit_id
FROM ticket WHERE status = 'archived'
"""
SUP_SQL = """
INSERT INTO supervision (ticket_id, unit_id, reason, opened_at, due_at, status, replied_late, process_version_id,
    workflow_state)
SELECT id, lead_unit_id, 'supervisor', created_at + interval '2 days', created_at + interval '4 days', 'closed',
    false, :sv, '{}'
FROM ticket WHERE id % 200 = 0
"""


def load(engine, n: int) -> dict[str, float]:
    took = {}
    with engine.begin() as conn:
        pv = conn.scalar(select(ProcessVersion.id).where(ProcessVersion.active.is_(True),
                                                         ProcessVersion.process_id == "hotline_ticket"))
        sv = conn.scalar(select(ProcessVersion.id).where(ProcessVersion.active.is_(True),
                                                         ProcessVersion.process_id != "hotline_ticket")) or pv
        rs = conn.scalar(select(RuleSet.id).where(RuleSet.active.is_(True)))
        units = list(conn.scalars(select(Unit.id).where(Unit.kind.in_(("city_department", "county_department",
                                                                         "county_government", "enterprise")))))
        counties = list(conn.scalars(select(Unit.id).where(Unit.kind == "county_office"))) or units[:1]
        for name, sql, params in (
                ("ticket", TICKETS_SQL, {"content": CONTENT, "content_key": content_digest(CONTENT),
                                         "pv": pv, "rs": rs, "units": units, "nunits": len(units),
                                         "counties": counties, "ncounties": len(counties), "n": n, "now": NOW,
                                         "span": SPAN_MINUTES}),
                ("assignment", ASSIGN_SQL, {}), ("reply", REPLY_SQL, {}), ("evaluation", EVAL_SQL, {}),
                ("supervision", SUP_SQL, {"sv": sv})):
            started = time.perf_counter()
            conn.execute(text(sql), params)
            took[name] = time.perf_counter() - started
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in ("ticket", "assignment", "reply", "evaluation", "supervision"):
            conn.execute(text(f"VACUUM ANALYZE {table}"))
    return took


def timed(maker, fn, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        with maker() as s:
            started = time.perf_counter()
            fn(s)
            out.append((time.perf_counter() - started) * 1000)
            s.rollback()
    return out


def main() -> None:
    for line in heading("Analytics and assessment"):
        say(line)
    say(f"`bench/analytics.py{' --quick' if QUICK else ''}`"
        + (f" with {TICKETS:,} tickets" if TICKETS != 2_000_000 else ""))
    say()
    url, drop = create_database()
    engine = None
    try:
        build_schema(url)
        reset_caches()
        engine = make_engine(url, pool_size=2)
        took = load(engine, TICKETS)
        maker = session_factory(engine)
        runs = 3 if QUICK else 7
        with maker() as s:
            counts = {t: s.scalar(text(f"SELECT count(*) FROM {t}"))
                      for t in ("ticket", "assignment", "reply", "evaluation", "supervision")}
        local = NOW.astimezone(TZ)
        month = (local - timedelta(days=30), local)
        year = (local - timedelta(days=365), local)
        with maker() as s:
            in_year = s.scalar(text("SELECT count(*) FROM ticket WHERE created_at >= :s AND created_at < :e"),
                               {"s": year[0], "e": year[1]})
            units = len(analytics.assessment(s, *year))
        cases = [
            ("baseline: `SELECT count(*) FROM ticket`", lambda s: s.execute(text("SELECT count(*) FROM ticket"))),
            ("dashboard, last 30 days (5 breakdowns, open work, daily trend)",
             lambda s: analytics.dashboard(s, *month)),
            ("dashboard, last 365 days", lambda s: analytics.dashboard(s, *year)),
            ("unit assessment, last 365 days (all metrics and scores, every unit)",
             lambda s: analytics.assessment(s, *year)),
            ("hot spots by category, last 7 days vs 4 weeks before",
             lambda s: analytics.hot_spots(s, local - timedelta(days=7), local)),
            ("public open data, last 365 days", lambda s: open_data.public_data(s, *year)),
            ("findings page, last 30 days (hot spots, repeated matters, unit rankings, overdue)",
             lambda s: findings.findings_page(s, *month, NOW)),
            ("findings page, last 92 days (the longest period with repeated matters)",
             lambda s: findings.findings_page(s, local - timedelta(days=92), local, NOW)),
            ("findings page, last 365 days (no repeated matters)", lambda s: findings.findings_page(s, *year, NOW)),
        ]
        for _, fn in cases:
            timed(maker, fn, 1)  # warm
        results = [(label, timed(maker, fn, runs)) for label, fn in cases]
        base = statistics.median(results[0][1])
        say(f"### {TICKETS:,} tickets over two years (PostgreSQL {server_version(engine)})")
        say("Loaded with INSERT … SELECT in " + ", ".join(f"{k} {v:,.1f} s" for k, v in took.items())
            + " (plus VACUUM ANALYZE). Rows: " + ", ".join(f"{k} {v:,}" for k, v in counts.items())
            + f". {in_year:,} tickets in the last 365 days; {units} units assessed.")
        say(f"| query set | median of {runs} | ratio to baseline |")
        say("|---|---|---|")
        for label, values in results:
            med = statistics.median(values)
            say(f"| {label} | {med:,.1f} ms | {med / base:,.1f}× |")
        dash, assess = statistics.median(results[2][1]), statistics.median(results[3][1])
        say(f"Target < 2 s: dashboard (365 days) {'met' if dash < 2000 else 'NOT met'} ({dash / 1000:,.2f} s); "
            f"year's assessment {'met' if assess < 2000 else 'NOT met'} ({assess / 1000:,.2f} s). The assessment "
            "reads dispatches, replies and ratings without joining the ticket (their timeliness and unit are stored on "
            "the rows) and archived tickets from the index ix_ticket_assess_closed (migration 0007).")
        say()
    finally:
        if engine is not None:
            engine.dispose()
        if KEEP:
            print(f"kept the database: {url}")
        else:
            drop()
    if RECORD:
        with RESULTS.open("a", encoding="utf-8") as f:
            f.write("\n" + "\n".join(lines) + "\n")
        print(f"appended to {RESULTS}")


if __name__ == "__main__":
    main()
