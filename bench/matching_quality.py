"""Quality of the same-matter search and the dispatch suggestions on the written test sets (tests/matching/data),
on fresh SQLite and PostgreSQL databases, and the category-default baseline; appended to bench/RESULTS.md.

Both the main sets (written for issue 21; the concept dictionary and the duty lists were refined while looking at
their misses) and the held-out sets (written afterwards, never used for tuning) are measured.

Usage: .venv/bin/python bench/matching_quality.py [--no-record] [--pg postgresql+psycopg://root@127.0.0.1:5432/postgres]
"""
from __future__ import annotations

import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.scratchdb import create_scratch_database, heading  # noqa: E402
from engine.common.db import transaction  # noqa: E402
from tests.matching.data import heldout  # noqa: E402
from tests.matching.data.dispatch_requests import REQUESTS  # noqa: E402
from tests.matching.data.similar_pairs import PAIRS  # noqa: E402
from tests.matching.quality import evaluate_dispatch, evaluate_similar, load_history, load_similar_corpus  # noqa: E402

RECORD = "--no-record" not in sys.argv
PG = sys.argv[sys.argv.index("--pg") + 1] if "--pg" in sys.argv else "postgresql+psycopg://root@127.0.0.1:5432/postgres"
NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
RESULTS = Path(__file__).with_name("RESULTS.md")
lines: list[str] = []


def say(line: str = "") -> None:
    print(line, flush=True)
    lines.append(line)


def measure(name: str, url: str) -> None:
    from engine.demo.seed import seed_reference, seed_units, seed_users
    from web import create_app
    from web.cli import init_database
    from web.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SCHEDULER_ENABLED": False, "CLOCK": lambda: NOW})
    with app.app_context():
        init_database()
        with transaction(db.session):
            units = seed_units(db.session)
            seed_users(db.session, units, NOW)
            seed_reference(db.session, units, NOW)
            ids = load_similar_corpus(db.session, NOW)
            held_ids = load_similar_corpus(db.session, NOW, background=0, pairs=heldout.PAIRS, base=500)
            load_history(db.session, NOW)
        main = evaluate_similar(db.session, ids, NOW)
        held = evaluate_similar(db.session, held_ids, NOW, pairs=heldout.PAIRS, base=500)
        with transaction(db.session):
            disp = evaluate_dispatch(db.session, NOW)
            disp_held = evaluate_dispatch(db.session, NOW, heldout.REQUESTS)
        db.session.remove()
        db.engine.dispose()
    say(f"### {name}")
    say("| set | items | recall@5 | near-misses in top 3 | misses |")
    say("|---|---|---|---|---|")
    for label, r in (("similar pairs (main)", main), ("similar pairs (held out)", held)):
        say(f"| {label} | {r.pairs} pairs, {r.near_misses} near-misses | {r.recall_at_5:.3f} | {r.near_in_top3} "
            f"| {', '.join(r.misses) or '—'} |")
    say()
    say("| set | requests | top-1 | top-3 | category default (baseline) top-1 |")
    say("|---|---|---|---|---|")
    for label, r in (("dispatch requests (main)", disp), ("dispatch requests (held out)", disp_held)):
        say(f"| {label} | {r.requests} | {r.top1_rate:.3f} | {r.top3_rate:.3f} | {r.baseline_rate:.3f} |")
    say()


def main() -> None:
    for line in heading("Same-matter quality (issue 21)"):
        say(line)
    say(f"`bench/matching_quality.py`: main sets {len(PAIRS)} similar pairs, {len(REQUESTS)} dispatch requests; held "
        f"out {len(heldout.PAIRS)} pairs, {len(heldout.REQUESTS)} requests. Background: 300 demo-generator requests "
        "for the search, 150 dispatched and signed demo requests as the suggestions' history.")
    say()
    with tempfile.TemporaryDirectory() as tmp:
        measure("SQLite", f"sqlite:///{tmp}/quality.db")
    url, drop = create_scratch_database(PG, "hotline_bench_quality")
    try:
        measure("PostgreSQL", url)
    finally:
        drop()
    if RECORD:
        with RESULTS.open("a", encoding="utf-8") as f:
            f.write("\n\n" + "\n".join(lines) + "\n")
        print(f"appended to {RESULTS}")


if __name__ == "__main__":
    main()
