"""Similar tickets and dispatch suggestions over 200,000 tickets on SQLite and PostgreSQL (issue 21), against the
exact phone-or-address lookup the intake panel had before (``pages.earlier_tickets``) measured in the same run.
Target: p95 < 100 ms for the similar-ticket search.

Each database is migrated and seeded like a deployment (units, users, duty lists), then gets 200,000 tickets spread
over a year: the demo generator's requests (its templates and places, so words repeat as they do on a hotline), their
words indexed with the product's own segmentation (``engine.matching.text.terms``) and counted
(``refresh_stats``), PostgreSQL vacuumed and analysed afterwards as autovacuum would. Timed end to end in the
service (the word query, the candidates' rows and words, the exact score, the reasons), after a warm-up:
- 200 requests being typed at intake (the written test set's later calls and generated requests at other places),
- 200 registered tickets (``similar_to_ticket``) as the ticket page and the API ask,
- 100 dispatch suggestions (the duty lists, the history of similar tickets, the place).

Usage: .venv/bin/python bench/similar.py [--quick] [--tickets N] [--no-record] [--keep]
       [--pg postgresql+psycopg://root@127.0.0.1:5432/postgres]
"""
from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, insert, select, text  # noqa: E402

from bench.scratchdb import create_scratch_database, heading  # noqa: E402
from engine.common import Actor  # noqa: E402
from engine.common.db import session_factory, transaction  # noqa: E402
from engine.demo import content as dc  # noqa: E402
from engine.demo import generator as dg  # noqa: E402
from engine.domain import similarity as sim  # noqa: E402
from engine.domain.calendar import TZ  # noqa: E402
from engine.matching import Query, refresh_stats, search, similar_to_ticket  # noqa: E402
from engine.matching import suggest as suggestions  # noqa: E402
from engine.matching import text as mtext  # noqa: E402
from engine.models import ProcessVersion, RuleSet, SimilarIndex, Ticket, TicketTerm  # noqa: E402
from engine.tickets import pages  # noqa: E402

QUICK = "--quick" in sys.argv
RECORD = "--no-record" not in sys.argv and not QUICK
KEEP = "--keep" in sys.argv
TICKETS = int(sys.argv[sys.argv.index("--tickets") + 1]) if "--tickets" in sys.argv else (20_000 if QUICK else 200_000)
PG = sys.argv[sys.argv.index("--pg") + 1] if "--pg" in sys.argv else "postgresql+psycopg://root@127.0.0.1:5432/postgres"
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=TZ).astimezone(UTC)
RESULTS = Path(__file__).with_name("RESULTS.md")
BATCH = 5000
lines: list[str] = []


def say(line: str = "") -> None:
    print(line, flush=True)
    lines.append(line)


def build(url: str) -> None:
    from engine.demo.seed import seed_reference, seed_units, seed_users
    from web import create_app
    from web.cli import init_database
    from web.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SCHEDULER_ENABLED": False})
    with app.app_context():
        init_database()
        with transaction(db.session):
            units = seed_units(db.session)
            seed_users(db.session, units, NOW)
            seed_reference(db.session, units, NOW)
        db.session.remove()
        db.engine.dispose()


def generate(n: int) -> list[dict]:
    rng = random.Random(21)
    out = []
    for i in range(n):
        req = dg.request_for(i, rng)
        out.append({"content": req["content"], "address": req["address"], "phone": req["phone"],
                    "category": dc.CATEGORIES_BY_CODE[req["category"]]["name"],
                    "at": NOW - timedelta(minutes=rng.randrange(365 * 24 * 60))})
    return out


def load(engine, rows: list[dict]) -> dict:
    """Insert the tickets and their index rows in batches; return the seconds each part took."""
    with engine.connect() as conn:
        pv = conn.scalar(select(ProcessVersion.id).where(ProcessVersion.active.is_(True)).limit(1))
        rs = conn.scalar(select(RuleSet.id).limit(1))
    took = {"tickets": 0.0, "words": 0.0, "index": 0.0}
    for start in range(0, len(rows), BATCH):
        chunk = rows[start:start + BATCH]
        t0 = time.perf_counter()
        tickets = [{"id": start + i + 1, "number": f"BENCH{start + i + 1:08d}", "query_code_hash": "x",
                    "channel": "phone", "citizen_name": "张三", "citizen_phone": r["phone"], "address": r["address"],
                    "content": r["content"], "ticket_type": "complaint", "category": r["category"],
                    "status": "archived" if r["at"] < NOW - timedelta(days=20) else "handling", "redo_count": 0,
                    "return_count": 0, "process_version_id": pv, "rule_set_id": rs, "workflow_state": "{}",
                    "created_at": r["at"], "updated_at": r["at"], "deadline_provisional": False,
                    "monitor_level": "normal"} for i, r in enumerate(chunk)]
        with engine.begin() as conn:
            conn.execute(insert(Ticket.__table__), tickets)
        t1 = time.perf_counter()
        terms, index = [], []
        for t, r in zip(tickets, chunk, strict=True):
            for term, w in mtext.terms(r["content"], r["category"], r["address"]).items():
                terms.append({"ticket_id": t["id"], "term": term, "weight": w, "created_at": r["at"]})
            area = sim.parse_place(r["address"]).area
            index.append({"ticket_id": t["id"], "created_at": r["at"], "area": area, "counted": False,
                          "linked_at": NOW})
        t2 = time.perf_counter()
        with engine.begin() as conn:
            conn.execute(insert(TicketTerm.__table__), terms)
            conn.execute(insert(SimilarIndex.__table__), index)
        t3 = time.perf_counter()
        took["tickets"] += t1 - t0
        took["words"] += t2 - t1
        took["index"] += t3 - t2
    session = session_factory(engine)()
    t0 = time.perf_counter()
    while True:
        with transaction(session):
            if not refresh_stats(session, NOW):
                break
    session.close()
    took["counts"] = time.perf_counter() - t0
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    return took


def timed(fn, items) -> dict:
    times = []
    found = 0
    for item in items:
        t0 = time.perf_counter()
        out = fn(item)
        times.append((time.perf_counter() - t0) * 1000)
        found += bool(out)
    times.sort()
    return {"p50": statistics.median(times), "p95": times[max(0, int(len(times) * 0.95) - 1)], "max": times[-1],
            "n": len(times), "found": found}


def measure(engine, rows: list[dict]) -> dict:
    from tests.matching.data.similar_pairs import PAIRS

    session = session_factory(engine)()
    system = Actor.system()
    rng = random.Random(7)
    drafts = [Query(p.later[1], p.later[0], p.later[2], None, NOW) for p in PAIRS]
    extra = dg.request_for(999_999, rng)
    while len(drafts) < 200:
        r = rows[rng.randrange(len(rows))]
        place = rng.choice(dg.PLACES[rng.choice(list(dg.PLACES))])
        drafts.append(Query(r["content"].replace(r["address"], place), place, r["category"], extra["phone"], NOW))
    ids = [rng.randrange(1, len(rows) + 1) for _ in range(200)]
    recent = [i + 1 for i, r in enumerate(rows) if r["at"] > NOW - timedelta(days=20)]
    suggest_ids = [rng.choice(recent) for _ in range(100)]
    for q in drafts[:20]:  # warm-up: the segmenter, the word counts, the statements, the index pages
        search(session, system, q, NOW)
        pages.earlier_tickets(session, q.phone, q.address)
    out = {
        "baseline: exact phone or address (the old panel)": timed(
            lambda q: pages.earlier_tickets(session, q.phone or rows[0]["phone"], q.address), drafts),
        "similar: a request being typed (POST /api/v1/similar)": timed(
            lambda q: search(session, system, q, NOW), drafts),
        "similar: a registered ticket (GET /api/v1/tickets/{id}/similar)": timed(
            lambda i: similar_to_ticket(session, system, session.get(Ticket, i), NOW), ids),
        "dispatch suggestions (GET …/dispatch-suggestions)": timed(
            lambda i: suggestions.suggest(session, session.get(Ticket, i), NOW), suggest_ids),
    }
    session.close()
    return out


def run(name: str, url: str, rows: list[dict]) -> None:
    t0 = time.perf_counter()
    build(url)
    engine = create_engine(url)
    took = load(engine, rows)
    setup = time.perf_counter() - t0
    with engine.connect() as conn:
        words = conn.scalar(text("SELECT count(*) FROM ticket_term"))
        window = conn.scalar(select(text("count(*)")).select_from(Ticket.__table__).where(
            Ticket.created_at >= NOW - timedelta(days=180)))
        version = conn.scalar(text("SELECT sqlite_version()" if engine.dialect.name == "sqlite"
                                   else "SHOW server_version")).split()[0]
    results = measure(engine, rows)
    engine.dispose()
    say(f"### {name} {version}: {len(rows):,} tickets, {words:,} indexed words, {window:,} in the 180-day window")
    say(f"Set up in {setup:.0f} s (tickets {took['tickets']:.0f} s, segmentation {took['words']:.0f} s, "
        f"index rows {took['index']:.0f} s, word counts {took['counts']:.0f} s).")
    say()
    say("| measure | n | p50 | p95 | max | with hits | p95 ratio to baseline |")
    say("|---|---|---|---|---|---|---|")
    base = next(iter(results.values()))["p95"]
    for label, r in results.items():
        say(f"| {label} | {r['n']} | {r['p50']:.1f} ms | {r['p95']:.1f} ms | {r['max']:.1f} ms | {r['found']} "
            f"| {r['p95'] / base:.1f}× |")
    similar_p95 = max(r["p95"] for label, r in results.items() if label.startswith("similar"))
    say(f"Target p95 < 100 ms for the similar-ticket search: {'met' if similar_p95 < 100 else 'missed'} "
        f"({similar_p95:.1f} ms).")
    say()


def main() -> None:
    for line in heading("Similar tickets and dispatch suggestions (issue 21)"):
        say(line)
    say(f"`bench/similar.py{' --quick' if QUICK else ''}`")
    say()
    rows = generate(TICKETS)
    with tempfile.TemporaryDirectory() as tmp:
        run("SQLite", f"sqlite:///{tmp}/similar.db", rows)
    url, drop = create_scratch_database(PG, "hotline_bench_similar")
    try:
        run("PostgreSQL", url, rows)
    finally:
        if KEEP:
            print(f"kept {url}")
        else:
            drop()
    if RECORD:
        with RESULTS.open("a", encoding="utf-8") as f:
            f.write("\n\n" + "\n".join(lines) + "\n")
        print(f"appended to {RESULTS}")


if __name__ == "__main__":
    main()
