"""Document numbers: gapless per kind and year, restarting each (Beijing-time) year, safe under concurrency."""
from __future__ import annotations

import threading
from datetime import datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from documents import DocumentError, specimen_context
from engine.common.db import transaction
from engine.common.errors import Invalid
from engine.docstore import archive as docs
from engine.models import DocumentCounter, IssuedDocument
from tests.conftest import PG
from tests.support.helpers import user


def at(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


def issue(db, kind: str, now: str = "2026-11-26T09:00:00+08:00", **overrides) -> IssuedDocument:
    with transaction(db.session):
        return docs.issue_document(db.session, kind, {**specimen_context(kind), **overrides},
                                   user(db.session, "supervisor"), at(now))


def counter(db, kind: str, year: int = 2026) -> int | None:
    db.session.expire_all()
    row = db.session.get(DocumentCounter, (kind, year))
    return row.last_seq if row else None


def test_numbers_are_gapless_per_kind_and_restart_in_a_new_year(db):
    numbers = [issue(db, "supervision_notice").number for _ in range(3)]
    numbers += [issue(db, "accountability_proposal").number for _ in range(2)]
    assert numbers == ["河热线督〔2026〕1号", "河热线督〔2026〕2号", "河热线督〔2026〕3号",
                       "河热线责〔2026〕1号", "河热线责〔2026〕2号"]
    # 2026-12-31 16:30 UTC is already New Year's Day in Beijing: the year and the date are Beijing's.
    new_year = issue(db, "supervision_notice", now="2026-12-31T16:30:00+00:00")
    assert (new_year.number, new_year.year, new_year.seq) == ("河热线督〔2027〕1号", 2027, 1)
    assert new_year.facts["date"] == "2027-01-01"
    assert issue(db, "supervision_notice", now="2026-12-31T15:59:00+00:00").number == "河热线督〔2026〕4号"
    assert (counter(db, "supervision_notice"), counter(db, "supervision_notice", 2027)) == (4, 1)


def test_the_office_short_name_comes_from_the_context(db):
    assert issue(db, "kb_correction_notice", office_short="源热线").number == "源热线纠〔2026〕1号"
    assert issue(db, "kb_correction_notice").number == "河热线纠〔2026〕2号"


def test_missing_facts_are_refused_before_a_number_is_taken(db):
    issue(db, "refusal_notice")
    with pytest.raises(Invalid) as err:
        issue(db, "refusal_notice", explanation="", reason_code=None)
    assert "解释说明" in err.value.message_zh and {"explanation", "reason_code"} <= set(err.value.fields)
    assert counter(db, "refusal_notice") == 1
    assert issue(db, "refusal_notice").number == "河热线不〔2026〕2号"


def test_a_render_failure_inside_the_transaction_leaves_no_gap(db):
    issue(db, "work_brief")
    bad_chart = [{"title": "图", "src": "file:///etc/passwd"}]
    with pytest.raises(Invalid):
        issue(db, "work_brief", charts=bad_chart)
    assert counter(db, "work_brief") == 1
    assert db.session.scalar(select(IssuedDocument.number).order_by(IssuedDocument.id.desc())) == "河热线简〔2026〕1号"
    assert issue(db, "work_brief").number == "河热线简〔2026〕2号"


def test_no_gap_even_when_the_caller_commits_after_a_failed_render(db, monkeypatch):
    issue(db, "redo_notice")

    def broken(kind, context):
        raise DocumentError("layout failed")

    monkeypatch.setattr(docs, "render_pdf", broken)
    with transaction(db.session):  # a careless caller swallows the refusal and commits
        with pytest.raises(Invalid):
            docs.issue_document(db.session, "redo_notice", specimen_context("redo_notice"),
                                user(db.session, "supervisor"), at("2026-11-26T10:00:00+08:00"))
    monkeypatch.undo()
    assert counter(db, "redo_notice") == 1
    assert issue(db, "redo_notice").number == "河热线重〔2026〕2号"


@pytest.mark.skipif(not PG, reason="row locks under real concurrency need PostgreSQL (SQLite serialises writers)")
def test_concurrent_issuing_gives_every_number_once(db):
    engine = db.engine
    actor = user(db.session, "supervisor")
    context = specimen_context("kb_correction_notice")
    db.session.commit()
    start = threading.Barrier(8)
    numbers, errors = [], []

    def worker(i: int) -> None:
        try:
            with Session(engine) as session:
                start.wait(timeout=30)
                with transaction(session):
                    doc = docs.issue_document(session, "kb_correction_notice", context, actor,
                                              at(f"2026-11-26T09:00:0{i}+08:00"))
                    numbers.append((doc.seq, doc.number))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert sorted(seq for seq, _ in numbers) == list(range(1, 9))
    assert sorted(n for _, n in numbers) == sorted(f"河热线纠〔2026〕{i}号" for i in range(1, 9))
    assert counter(db, "kb_correction_notice") == 8
    stored = db.session.scalars(select(IssuedDocument.seq).where(IssuedDocument.kind == "kb_correction_notice")).all()
    assert sorted(stored) == list(range(1, 9))
