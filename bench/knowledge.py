"""Time knowledge-base search over 50,000 generated entries on scratch SQLite (FTS5) and PostgreSQL (GIN) databases.

Entries are built from the demo entries' vocabulary with random titles and paragraphs, segmented and indexed with the
same code as the product (engine.knowledge.search); 200 citizens' questions are then searched end to end (query
segmentation, ranked index query, loading the entries, highlighting) after one warm-up search of each question;
the PostgreSQL table is vacuumed and analysed after the load, as autovacuum would. Results are appended to
bench/RESULTS.md.

Usage: .venv/bin/python bench/knowledge.py [--quick] [--no-write] [--keep]
       [--pg [URL]]   (URL: the local server, postgresql+psycopg://root@127.0.0.1:5432/postgres, if left out)
``--no-write`` prints the table without appending it to RESULTS.md; ``--keep`` leaves the PostgreSQL databases in
place (named in the output) for EXPLAIN ANALYZE.
"""
from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, insert, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.scratchdb import heading  # noqa: E402
from engine.common.db import session_factory  # noqa: E402
from engine.demo.kb import KB_ENTRIES  # noqa: E402
from engine.knowledge import search as kb_search  # noqa: E402
from engine.models import Base, KnowledgeEntry  # noqa: E402

QUICK = "--quick" in sys.argv
WRITE = not QUICK and "--no-write" not in sys.argv
KEEP = "--keep" in sys.argv
N = 5_000 if QUICK else 50_000
QUERIES = 200
# The vocabulary comes from the first 12 demo entries (the demo set grew later): ~300 words keeps the worst case
# as dense as it was measured first, with every question matching about a quarter of the entries.
VOCABULARY_ENTRIES = 12
NOW = datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc)
ASK = ["我的社保卡丢了怎么补办", "外地人怎么办居住证", "小区停水了什么时候来水", "家里停电跳闸找谁", "公积金提取付房租",
       "新生儿怎么参保", "孩子上小学怎么报名", "晚上工地施工太吵", "异地就医怎么备案", "怎么申请低保",
       "燃气报修电话", "房产证查询"]


def _dictionary_words() -> list[str]:
    import jieba

    path = Path(jieba.__file__).with_name("dict.txt")
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        word, freq, *_ = line.split(" ")
        if len(word) >= 2 and int(freq) >= 50:
            out.append(word)
    return out


def generate(rng: random.Random, wide: bool) -> list[dict]:
    """Return N entries; ``wide`` mixes common Chinese words from jieba's dictionary into the demo vocabulary.

    Narrow (demo vocabulary only, ~300 words) is a worst case: each question matches a quarter of all entries.
    Wide (one word in four from the demo vocabulary) is closer to a real knowledge base's spread of words.
    """
    words = sorted({w for e in KB_ENTRIES[:VOCABULARY_ENTRIES] for w in kb_search.words(e["title"] + e["content"])
                    if len(w) > 1})
    extra = _dictionary_words() if wide else []

    def pick(k: int) -> list[str]:
        return [rng.choice(words) if not extra or rng.random() < 0.25 else rng.choice(extra) for _ in range(k)]

    rows = []
    for i in range(N):
        title = "".join(pick(3)) + f"（第{i}条）"
        content = "，".join("".join(pick(4)) for _ in range(6)) + "。"
        keywords = pick(3)
        entry = KnowledgeEntry(title=title, content=content, keywords=keywords)
        t, c, k = kb_search._documents(entry)  # the product's own segmentation
        rows.append({"title": title, "content": content, "keywords": keywords, "seg": (t, c, k)})
    return rows


def load(engine, rows) -> None:
    dialect = engine.dialect.name
    Base.metadata.create_all(engine, tables=[KnowledgeEntry.__table__, Base.metadata.tables["unit"]])
    with engine.begin() as conn:
        if dialect == "sqlite":
            conn.execute(text("CREATE VIRTUAL TABLE kb_fts USING fts5(title, content, keywords)"))
        else:
            conn.execute(text("ALTER TABLE kb_entry ADD COLUMN tsv tsvector"))
        conn.execute(insert(KnowledgeEntry), [
            {"id": i + 1, "title": r["title"], "content": r["content"], "keywords": r["keywords"],
             "status": "published", "created_at": NOW, "current_version": 1, "uploaded_late": False}
            for i, r in enumerate(rows)])
        if dialect == "sqlite":
            conn.execute(text("INSERT INTO kb_fts (rowid, title, content, keywords) VALUES (:id, :t, :c, :k)"),
                         [{"id": i + 1, "t": r["seg"][0], "c": r["seg"][1], "k": r["seg"][2]}
                          for i, r in enumerate(rows)])
        else:
            conn.execute(text(kb_search.PG_INDEX_SQL),  # the product's own document
                         [{"id": i + 1, "t": r["seg"][0], "c": r["seg"][1], "k": r["seg"][2],
                           "m": kb_search.title_marks(r["seg"][0], r["seg"][2])} for i, r in enumerate(rows)])
            conn.execute(text("CREATE INDEX ix_kb_entry_tsv ON kb_entry USING gin (tsv)"))
    if dialect == "postgresql":  # what autovacuum does soon after a bulk load: hint bits set, statistics current
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE kb_entry"))


def measure(engine, rng: random.Random) -> dict:
    session = session_factory(engine)()
    for q in ASK:  # warm-up: jieba's dictionary, the statement cache, the index pages in memory
        kb_search.search(session, q)
    times, found = [], 0
    for _ in range(QUERIES):
        q = rng.choice(ASK)
        t0 = time.perf_counter()
        hits = kb_search.search(session, q)
        times.append((time.perf_counter() - t0) * 1000)
        found += bool(hits)
    session.close()
    times.sort()
    return {"p50": statistics.median(times), "p95": times[int(len(times) * 0.95) - 1], "max": times[-1],
            "found": found}


def main() -> None:
    results = {}
    seg_s = 0.0
    for wide in (False, True):
        t0 = time.perf_counter()
        rows = generate(random.Random(8), wide)
        seg_s = max(seg_s, time.perf_counter() - t0)
        run(rows, "wide vocabulary" if wide else "demo vocabulary only", results)
    write(results, seg_s)


def pg_url() -> str:
    """The URL after ``--pg``; the local server's when none is given."""
    given = sys.argv[sys.argv.index("--pg") + 1:sys.argv.index("--pg") + 2]
    return given[0] if given and not given[0].startswith("--") else "postgresql+psycopg://root@127.0.0.1:5432/postgres"


def run(rows: list[dict], corpus: str, results: dict) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite:///{tmp}/kb.db")
        t0 = time.perf_counter()
        load(engine, rows)
        results[("SQLite FTS5", corpus)] = measure(engine, random.Random(1)) | {"load": time.perf_counter() - t0}
        engine.dispose()
    if "--pg" in sys.argv:
        import psycopg

        base = make_url(pg_url())
        name = f"hotline_bench_kb_{uuid.uuid4().hex[:8]}"
        admin = dict(host=base.host or "127.0.0.1", port=base.port or 5432, user=base.username or "root",
                     dbname=base.database or "postgres", autocommit=True)
        with psycopg.connect(**admin) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        try:
            engine = create_engine(base.set(database=name))
            t0 = time.perf_counter()
            load(engine, rows)
            results[("PostgreSQL GIN", corpus)] = measure(engine, random.Random(1)) | {"load": time.perf_counter() - t0}
            engine.dispose()
        finally:
            if KEEP:
                print(f"kept PostgreSQL database {name} ({corpus})")
            else:
                with psycopg.connect(**admin) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def write(results: dict, seg_s: float) -> None:
    lines = ["", "", *heading("Knowledge-base search (issue 8)"),
             f"`bench/knowledge.py`: {N:,} generated entries, jieba 0.42.1 segmentation of all of them "
             f"up to {seg_s:.0f} s per corpus; {QUERIES} citizens' questions end to end "
             "(segment, ranked query, load, highlight).\n",
             "| database | corpus | load + index | p50 | p95 | max | questions with hits | target |",
             "|---|---|---|---|---|---|---|---|"]
    for (name, corpus), r in results.items():
        ok = "met" if r["p95"] < 50 else "missed"
        lines.append(f"| {name} | {corpus} | {r['load']:.1f} s | {r['p50']:.1f} ms | {r['p95']:.1f} ms "
                     f"| {r['max']:.1f} ms "
                     f"| {r['found']}/{QUERIES} | p95 < 50 ms: {ok} |")
    report = "\n".join(lines) + "\n"
    print(report)
    if WRITE:
        with open(Path(__file__).with_name("RESULTS.md"), "a", encoding="utf-8") as fh:
            fh.write(report)


if __name__ == "__main__":
    main()
