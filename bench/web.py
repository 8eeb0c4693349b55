"""Page latency through the WSGI app with 100,000 open tickets in PostgreSQL: a busy unit's inbox (/inbox), the
dispatcher's queue (/dispatch) and a ticket page (/tickets/<id>), against baselines measured in the same run — the
bare SQL of the worklist query and a trivial page (GET /login).

The tickets, their assignments, task projections and a few audit rows go into a scratch PostgreSQL database created
for the run (INSERT … SELECT generate_series) and dropped afterwards, also on error. workflow_state is a fake '{}':
none of the measured pages deserializes it. Results are appended to bench/RESULTS.md.

Usage: .venv/bin/python bench/web.py [--tickets N] [--requests N] [--no-record]
"""
from __future__ import annotations

import os
import re
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select, text  # noqa: E402
from sqlalchemy.dialects import postgresql  # noqa: E402

from bench.scratchdb import create_scratch_database, heading  # noqa: E402
from engine.common.actors import Actor  # noqa: E402
from engine.common.context import reset_caches  # noqa: E402
from engine.common.db import make_engine, session_factory, transaction  # noqa: E402
from engine.demo.seed import seed_reference, seed_units, seed_users  # noqa: E402
from engine.domain.calendar import TZ  # noqa: E402
from engine.models import Base, ProcessVersion, RuleSet, TaskProjection, Ticket, Unit, User  # noqa: E402
from engine.process.setup import seed_defaults  # noqa: E402

RECORD = "--no-record" not in sys.argv
TICKETS = int(sys.argv[sys.argv.index("--tickets") + 1]) if "--tickets" in sys.argv else 100_000
REQUESTS = int(sys.argv[sys.argv.index("--requests") + 1]) if "--requests" in sys.argv else 50
WARMUP = 5
TARGET_MS = 100.0
PG_ADMIN = os.environ.get("HOTLINE_BENCH_PG", "postgresql+psycopg://root@127.0.0.1:5432/postgres")
RESULTS = Path(__file__).with_name("RESULTS.md")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=TZ).astimezone(UTC)  # Wed 10:00 Asia/Shanghai
PASSWORD = "demo12345"
lines: list[str] = []


def say(line: str = "") -> None:
    print(line, flush=True)
    lines.append(line)


def create_database() -> tuple[str, callable]:
    return create_scratch_database(PG_ADMIN)


def build_schema(url: str):
    reset_caches()
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    with session_factory(engine)() as s, transaction(s):
        seed_defaults(s, NOW)
        units = seed_units(s)
        seed_users(s, units, NOW)
        seed_reference(s, units, NOW)
    return engine


# One ticket per g; its status by g % 20: 5 % scoping, 10 % dispatching, 15 % signing, 50 % handling,
# 10 % reviewing, 10 % evaluating. Every ticket past dispatch has a lead unit: HY-ZJJ for one block of 20 in ten
# (≈10 % of all tickets), the other units round-robin. Ages spread over the last 20 days, so some cards are
# yellow or red. The thresholds are rough (+n days) but consistent with the status; the pages recompute the cards.
TICKETS_SQL = """
INSERT INTO ticket (id, number, query_code_hash, channel, citizen_name, citizen_phone, address, content, ticket_type,
    category, status, scope, redo_count, return_count, process_version_id, rule_set_id, workflow_state, created_at,
    updated_at, deadline_provisional, lead_unit_id, dispatch_due, received_at, accept_due, handling_started_at,
    handling_due, eval_due, accept_warning_at, accept_yellow_at, accept_red_at, handling_warning_at,
    handling_yellow_at, handling_red_at, monitor_stage, monitor_level, next_threshold_at)
SELECT g, 'B' || to_char(g, 'FM00000000'), md5(g::text), 'phone', '张三', '138' || to_char(g, 'FM00000000'),
    '源城区永和路' || (g % 500) || '号', '小区东侧工地每晚22点后仍在施工，噪音扰民，请依法查处。第' || g || '件。',
    (ARRAY['complaint', 'help', 'report', 'consult', 'suggestion'])[1 + g % 5], '城乡建设/噪音扰民', s.status,
    CASE WHEN s.status = 'scoping' THEN NULL ELSE 'accept' END, 0, 0, :pv, :rs, '{}', t.r, t.r, false,
    CASE WHEN s.status IN ('scoping', 'dispatching') THEN NULL
         WHEN (g / 20) % 10 = 0 THEN :zjj ELSE (:others)[1 + (g / 20) % :nothers] END,
    t.r + interval '1 day',
    CASE WHEN s.unit_stage THEN t.r + interval '2 hours' END,
    CASE WHEN s.unit_stage THEN t.r + interval '1 day 2 hours' END,
    CASE WHEN s.handling THEN t.r + interval '1 day' END,
    CASE WHEN s.handling THEN t.r + interval '15 days' END,
    CASE WHEN s.status = 'evaluating' THEN :now + interval '3 days' END,
    CASE WHEN s.unit_stage THEN t.r + interval '18 hours' END,
    CASE WHEN s.unit_stage THEN t.r + interval '1 day 2 hours' END,
    CASE WHEN s.unit_stage THEN t.r + interval '2 days' END,
    CASE WHEN s.handling THEN t.r + interval '12 days' END,
    CASE WHEN s.handling THEN t.r + interval '15 days' END,
    CASE WHEN s.handling THEN t.r + interval '17 days' END,
    s.stage,
    CASE WHEN s.status = 'handling' AND t.r + interval '17 days' <= :now THEN 'red'
         WHEN s.status = 'handling' AND t.r + interval '15 days' <= :now THEN 'yellow'
         WHEN s.status = 'handling' AND t.r + interval '12 days' <= :now THEN 'warning' ELSE 'normal' END,
    CASE WHEN s.status = 'handling' THEN
              CASE WHEN t.r + interval '12 days' > :now THEN t.r + interval '12 days'
                   WHEN t.r + interval '15 days' > :now THEN t.r + interval '15 days'
                   WHEN t.r + interval '17 days' > :now THEN t.r + interval '17 days' END
         WHEN s.status = 'signing' THEN
              CASE WHEN t.r + interval '18 hours' > :now THEN t.r + interval '18 hours'
                   WHEN t.r + interval '2 days' > :now THEN t.r + interval '2 days' END
         WHEN s.status = 'dispatching' THEN t.r + interval '1 day' END
FROM generate_series(1, :n) AS g,
     LATERAL (SELECT CAST(:now AS timestamptz) - ((g * 37) % 28800) * interval '1 minute' AS r) AS t,
     LATERAL (SELECT st AS status, st IN ('signing', 'handling', 'reviewing', 'evaluating') AS unit_stage,
                     st IN ('handling', 'reviewing', 'evaluating') AS handling,
                     CASE st WHEN 'dispatching' THEN 'dispatch' WHEN 'signing' THEN 'acceptance'
                             WHEN 'handling' THEN 'handling' END AS stage
              FROM (SELECT CASE WHEN g % 20 = 0 THEN 'scoping' WHEN g % 20 < 3 THEN 'dispatching'
                                WHEN g % 20 < 6 THEN 'signing' WHEN g % 20 < 16 THEN 'handling'
                                WHEN g % 20 < 18 THEN 'reviewing' ELSE 'evaluating' END AS st) AS x) AS s
"""

# The lead unit's active assignment (round 1) for every ticket past dispatch; signed unless still signing.
ASSIGNMENTS_SQL = """
INSERT INTO assignment (ticket_id, unit_id, role, round, active, dispatched_at, signed_at, sign_mode)
SELECT id, lead_unit_id, 'lead', 1, true, received_at,
       CASE WHEN status <> 'signing' THEN handling_started_at END,
       CASE WHEN status <> 'signing' THEN 'manual' END
FROM ticket WHERE lead_unit_id IS NOT NULL
"""

# One ready task per ticket, as the projection would hold it: unit tasks carry the lead unit, office tasks NULL.
TASKS_SQL = """
INSERT INTO task_projection (ticket_id, task_uuid, bpmn_id, title, role, unit_id, form_key, ready_at, due_at)
SELECT t.id, md5('task' || t.id)::uuid::text, k.bpmn_id, k.title, k.role,
       CASE WHEN k.role IN ('receiver', 'handler') THEN t.lead_unit_id END, k.bpmn_id, t.updated_at,
       CASE t.status WHEN 'scoping' THEN t.dispatch_due WHEN 'dispatching' THEN t.dispatch_due
                     WHEN 'signing' THEN t.accept_due WHEN 'handling' THEN t.handling_due
                     WHEN 'reviewing' THEN t.handling_due WHEN 'evaluating' THEN t.eval_due END
FROM ticket t JOIN (VALUES ('scoping', 'decide_scope', '受理审查', 'agent'),
                           ('dispatching', 'dispatch', '派单', 'dispatcher'),
                           ('signing', 'sign', '签收或退回', 'receiver'),
                           ('handling', 'reply', '办理答复', 'handler'),
                           ('reviewing', 'review', '审核答复', 'reviewer'),
                           ('evaluating', 'evaluate', '回访评价', 'agent')) AS k(status, bpmn_id, title, role)
  ON k.status = t.status
"""

# A short history per ticket so the ticket page's timeline query has a realistic table to look in.
AUDIT_SQL = """
INSERT INTO audit_log (ticket_id, actor_label, action, before_status, after_status, detail, at)
SELECT t.id, '话务员 王芳', a.action, a.before, a.after, '{}', t.created_at + a.n * interval '1 minute'
FROM ticket t CROSS JOIN (VALUES (0, 'register', NULL, 'scoping'), (1, 'scope_accept', 'scoping', 'dispatching'),
                                 (2, 'dispatch', 'dispatching', 'signing')) AS a(n, action, before, after)
WHERE a.n = 0 OR t.status NOT IN ('scoping')
"""


def load(engine, n: int) -> float:
    started = time.perf_counter()
    with engine.begin() as conn:
        pv = conn.scalar(select(ProcessVersion.id).where(ProcessVersion.active.is_(True)))
        rs = conn.scalar(select(RuleSet.id).where(RuleSet.active.is_(True)))
        zjj = conn.scalar(select(Unit.id).where(Unit.code == "HY-ZJJ"))
        others = list(conn.scalars(select(Unit.id).where(
            Unit.kind.in_(("city_department", "county_department", "county_government", "enterprise")),
            Unit.id != zjj).order_by(Unit.id)))
        conn.execute(text(TICKETS_SQL), {"pv": pv, "rs": rs, "zjj": zjj, "others": others,
                                         "nothers": len(others), "n": n, "now": NOW})
        conn.execute(text("SELECT setval(pg_get_serial_sequence('ticket', 'id'), (SELECT max(id) FROM ticket))"))
        conn.execute(text(ASSIGNMENTS_SQL))
        conn.execute(text(TASKS_SQL))
        conn.execute(text(AUDIT_SQL))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    return time.perf_counter() - started


def percentile(values: list[float], p: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def stats(values: list[float]) -> tuple[float, float, float]:
    return statistics.median(values), percentile(values, 95), max(values)


def timed(fn, runs: int = REQUESTS, warmup: int = WARMUP) -> list[float]:
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def login(client, username: str) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or \
        re.search(r'value="([^"]+)"[^>]*name="csrf_token"', page)
    resp = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token.group(1)})
    assert resp.status_code == 302, (username, resp.status_code)


def get_ok(client, path: str, must: str | None = None):
    def fn():
        resp = client.get(path)
        assert resp.status_code == 200, (path, resp.status_code)
        if must is not None:
            assert must in resp.get_data(as_text=True), (path, must)
    return fn


def sql_of(stmt) -> str:
    return str(stmt.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))


def worklist_stmt(actor: Actor, limit: int = 200):
    """The statement engine.tickets.queries.worklist runs (kept in step with it by the equality check below)."""
    q = (select(TaskProjection, Ticket).join(Ticket, Ticket.id == TaskProjection.ticket_id)
         .where(TaskProjection.role == actor.role.value))
    q = q.where(TaskProjection.unit_id.is_(None) if actor.role.is_office else TaskProjection.unit_id == actor.unit_id)
    return q.order_by(TaskProjection.due_at.is_(None), TaskProjection.due_at, TaskProjection.id).limit(limit)


def inbox_stmt(actor: Actor, limit: int = 200):
    """The main statement of engine.tickets.pages.unit_inbox."""
    from sqlalchemy import exists

    from engine.models import Assignment
    from engine.tickets.pages import OPEN_STATUSES
    mine = exists().where(Assignment.ticket_id == Ticket.id, Assignment.unit_id == actor.unit_id,
                          Assignment.active.is_(True))
    return (select(Ticket).where(mine, Ticket.status.in_(OPEN_STATUSES))
            .order_by(Ticket.handling_due.is_(None), Ticket.handling_due, Ticket.id).limit(limit))


def explain(session, sql: str) -> list[str]:
    return [r[0] for r in session.execute(text("EXPLAIN (ANALYZE, BUFFERS OFF, TIMING ON) " + sql))]




def bench() -> None:
    from engine.tickets import queries
    from web import create_app
    from web.extensions import db

    url, drop = create_database()
    engine = None
    try:
        engine = build_schema(url)
        seconds = load(engine, TICKETS)
        with engine.connect() as conn:
            version = conn.scalar(text("SHOW server_version")).split()[0]
            counts = dict(conn.execute(text("SELECT status, count(*) FROM ticket GROUP BY status")).all())
            zjj = conn.scalar(select(Unit.id).where(Unit.code == "HY-ZJJ"))
            zjj_tickets = conn.scalar(text("SELECT count(*) FROM ticket WHERE lead_unit_id = :u"), {"u": zjj})
            zjj_tasks = conn.scalar(text("SELECT count(*) FROM task_projection WHERE unit_id = :u AND role = "
                                         "'receiver'"), {"u": zjj})
            disp_tasks = conn.scalar(text("SELECT count(*) FROM task_projection WHERE role = 'dispatcher'"))
            tasks = conn.scalar(text("SELECT count(*) FROM task_projection"))
            assignments = conn.scalar(text("SELECT count(*) FROM assignment"))
            # A ZJJ ticket in handling, for the ticket page (the receiver may see it through the assignment).
            ids = conn.scalars(text("SELECT id FROM ticket WHERE lead_unit_id = :u AND status = 'handling' "
                                    "ORDER BY id"), {"u": zjj}).all()
            ticket_id = ids[len(ids) // 2]
        engine.dispose()
        engine = None

        reset_caches()
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "SCHEDULER_ENABLED": False,
                          "SECRET_KEY": "bench-secret-key-not-for-production", "CLOCK": lambda: NOW})
        anon = app.test_client()
        receiver = app.test_client()
        dispatcher = app.test_client()
        login(receiver, "receiver")
        login(dispatcher, "dispatcher")

        results: dict[str, list[float]] = {}
        results["inbox"] = timed(get_ok(receiver, "/inbox"))
        results["dispatch"] = timed(get_ok(dispatcher, "/dispatch"))
        results["ticket"] = timed(get_ok(receiver, f"/tickets/{ticket_id}", must=f"B{ticket_id:08d}"))
        results["login"] = timed(get_ok(anon, "/login"))

        with app.app_context():
            users = {u.username: Actor.of_user(u) for u in db.session.scalars(select(User))}
            d_actor, r_actor = users["dispatcher"], users["receiver"]
            # The worklist statement here is the one queries.worklist runs: same rows, same order.
            assert [t["task_id"] for t in queries.worklist(db.session, d_actor, limit=200)] == \
                [p.task_uuid for p, _t in db.session.execute(worklist_stmt(d_actor))]
            d_sql, i_sql = sql_of(worklist_stmt(d_actor)), sql_of(inbox_stmt(r_actor))
            conn = db.session.connection()
            results["sql_worklist"] = timed(lambda: conn.exec_driver_sql(d_sql).fetchall())
            results["sql_inbox"] = timed(lambda: conn.exec_driver_sql(i_sql).fetchall())
            results["fn_worklist"] = timed(lambda: queries.worklist(db.session, d_actor, limit=200))
            plans = {"dispatcher worklist (/dispatch)": explain(db.session, d_sql),
                     "unit inbox main query (/inbox, receiver of HY-ZJJ)": explain(db.session, i_sql)}
            inbox_rows = len(db.session.execute(text(i_sql)).all())
            db.session.rollback()
            db.session.remove()
            db.engine.dispose()

        base_sql = stats(results["sql_worklist"])[1]
        base_page = stats(results["login"])[1]
        say(f"### Pages through the WSGI app with {TICKETS:,} open tickets (PostgreSQL {version})")
        say(f"Loaded with INSERT … SELECT generate_series in {seconds:,.1f} s (plus VACUUM ANALYZE): "
            + ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1]))
            + f"; {assignments:,} active lead assignments, {tasks:,} task_projection rows "
            f"({disp_tasks:,} dispatcher tasks), 2–3 audit rows per ticket. HY-ZJJ leads {zjj_tickets:,} tickets "
            f"({zjj_tickets / TICKETS:.0%}), {zjj_tasks:,} of them waiting for its receiver (签收).")
        say(f"{REQUESTS} requests per page after {WARMUP} warm-up requests, Flask test client (no network), logged "
            "in through the /login form with its CSRF token; the clock frozen at Wed 2026-11-25 10:00 (+08).")
        say()
        say("| page | p50 | p95 | max | p95 / bare worklist SQL | p95 / GET /login | target p95 ≤ 100 ms |")
        say("|---|---|---|---|---|---|---|")
        names = {"inbox": f"`/inbox` — receiver of HY-ZJJ ({inbox_rows} rows shown, limit 200)",
                 "dispatch": f"`/dispatch` — dispatcher queue (200 of {disp_tasks:,} tasks)",
                 "ticket": "`/tickets/<id>` — a HY-ZJJ ticket in handling, as its receiver (writes a pii_view row)"}
        missed = []
        for key, label in names.items():
            p50, p95, mx = stats(results[key])
            ok = p95 <= TARGET_MS
            if not ok:
                missed.append(key)
            say(f"| {label} | {p50:,.1f} ms | {p95:,.1f} ms | {mx:,.1f} ms | {p95 / base_sql:,.1f}× | "
                f"{p95 / base_page:,.1f}× | {'met' if ok else 'NOT met'} |")
        for key, label in (("sql_worklist", "baseline: bare SQL of the dispatcher worklist (`queries.worklist` "
                                            "statement, limit 200, rows fetched)"),
                           ("login", "baseline: trivial page, GET `/login`"),
                           ("fn_worklist", "reference: `queries.worklist()` (ORM + dicts)"),
                           ("sql_inbox", "reference: bare SQL of the inbox's main query")):
            p50, p95, mx = stats(results[key])
            say(f"| {label} | {p50:,.2f} ms | {p95:,.2f} ms | {mx:,.2f} ms | {p95 / base_sql:,.1f}× | "
                f"{p95 / base_page:,.1f}× | — |")
        say()
        say(f"Target p95 ≤ {TARGET_MS:.0f} ms per page: "
            + ("met by every page." if not missed else f"NOT met by {', '.join(missed)}."))
        say()
        for title, plan in plans.items():
            say(f"EXPLAIN ANALYZE, {title}:")
            say("```")
            for ln in plan:
                say(ln)
            say("```")
        say()
    finally:
        if engine is not None:
            engine.dispose()
        drop()


def main() -> None:
    for line in heading("Web pages under load"):
        say(line)
    say("`bench/web.py`" + (f" with {TICKETS:,} tickets" if TICKETS != 100_000 else ""))
    say()
    bench()
    if RECORD:
        with RESULTS.open("a", encoding="utf-8") as f:
            f.write("\n" + "\n".join(lines) + "\n")
        print(f"appended to {RESULTS}")


if __name__ == "__main__":
    main()
