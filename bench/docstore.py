"""Time the document store on a fresh database: issuing one notice (lock the counter, render, store the PDF and its
SHA-256, commit), eight threads issuing at once (PostgreSQL only), and a print batch of 200 notices laid out by the
background worker with its progress committed after each document, against render_batch alone.

Usage: .venv/bin/python bench/docstore.py [--quick] [--pg postgresql+psycopg://root@127.0.0.1:5432/postgres]
"""
from __future__ import annotations

import statistics
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select  # noqa: E402

from bench.scratchdb import create_scratch_database  # noqa: E402
from documents import render_batch, render_pdf, specimen_context  # noqa: E402
from engine.common.actors import Actor  # noqa: E402
from engine.common.db import session_factory, transaction  # noqa: E402
from engine.docstore import archive as docs  # noqa: E402
from engine.docstore import batches  # noqa: E402
from engine.domain.roles import Role  # noqa: E402
from engine.models import IssuedDocument  # noqa: E402

QUICK = "--quick" in sys.argv
RUNS = 10 if QUICK else 30
BATCH = 40 if QUICK else 200
THREADS, PER_THREAD = 8, 3 if QUICK else 5
KIND = "supervision_notice"
T0 = datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc)
SYSTEM = Actor.system("基准测试")
OFFICE = Actor("user", "基准测试", None, Role.SUPERVISOR, None)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def pg_database(base: str):
    return create_scratch_database(base)


def bench(url: str, label: str) -> None:
    from web import create_app
    from web.cli import init_database
    from web.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SCHEDULER_ENABLED": False,
                      "SECRET_KEY": "bench-secret-key-not-for-production"})
    with app.app_context():
        init_database()
        factory = session_factory(db.engine)
        context = specimen_context(KIND)
        render_pdf(KIND, context)  # warm up fonts and stylesheets

        times = []
        for i in range(RUNS):
            with factory() as session, transaction(session):
                start = time.perf_counter()
                docs.issue_document(session, KIND, context, SYSTEM, T0 + timedelta(minutes=i))
            times.append(time.perf_counter() - start)
        times.sort()
        render_only = []
        for _ in range(RUNS):
            start = time.perf_counter()
            render_pdf(KIND, {**context, "number": "河热线督〔2026〕1号"})
            render_only.append(time.perf_counter() - start)
        print(f"[{label}] issue one notice (lock, render, store, commit): p50 {ms(statistics.median(times))}, "
              f"p95 {ms(times[int(len(times) * 0.95) - 1])}; render alone p50 {ms(statistics.median(render_only))}")

        if db.engine.dialect.name == "postgresql":
            barrier = threading.Barrier(THREADS)

            def worker(n: int) -> None:
                barrier.wait()
                for k in range(PER_THREAD):
                    with factory() as session, transaction(session):
                        docs.issue_document(session, "kb_correction_notice", specimen_context("kb_correction_notice"),
                                            SYSTEM, T0 + timedelta(seconds=n * 100 + k))

            threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
            start = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - start
            with factory() as session:
                seqs = sorted(session.scalars(select(IssuedDocument.seq)
                                              .where(IssuedDocument.kind == "kb_correction_notice")))
            total = THREADS * PER_THREAD
            assert seqs == list(range(1, total + 1)), "numbers are not gapless"
            print(f"[{label}] {THREADS} threads x {PER_THREAD} issues at once: {total} numbers 1..{total} without gap "
                  f"in {elapsed:.2f} s ({elapsed / total * 1000:.0f} ms each: the counter row serialises issuers)")

        with factory() as session, transaction(session):
            for i in range(BATCH - RUNS):
                docs.issue_document(session, KIND, context, SYSTEM, T0 + timedelta(hours=1, minutes=i))
        with factory() as session:
            assert session.scalar(select(func.count()).select_from(IssuedDocument)
                                  .where(IssuedDocument.kind == KIND)) == BATCH
        with factory() as session, transaction(session):
            batch_id = batches.request_batch(session, OFFICE, T0, kind=KIND).id
        start = time.perf_counter()
        assert batches.run_batch(factory, batch_id) == "done"
        worker_time = time.perf_counter() - start
        with factory() as session:
            items = [(kind, facts) for kind, facts in session.execute(
                select(IssuedDocument.kind, IssuedDocument.facts).where(IssuedDocument.kind == KIND))]
        start = time.perf_counter()
        render_batch(items)
        plain = time.perf_counter() - start
        print(f"[{label}] print batch of {BATCH} notices: worker {worker_time:.2f} s "
              f"(render_batch alone {plain:.2f} s; progress commits and storing the PDF "
              f"{(worker_time - plain) * 1000:.0f} ms)")
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        bench(f"sqlite:///{tmp}/bench.db", "SQLite")
    if "--pg" in sys.argv:
        url, drop = pg_database(sys.argv[sys.argv.index("--pg") + 1])
        try:
            bench(url, "PostgreSQL")
        finally:
            drop()


if __name__ == "__main__":
    main()
