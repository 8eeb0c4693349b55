"""Batch printing: many documents as one PDF, laid out in the background with committed progress."""
from __future__ import annotations

import time
from datetime import date, datetime

import pytest
from sqlalchemy import select

from documents import specimen_context
from engine.common.db import session_factory, transaction
from engine.common.errors import Invalid, NotFound
from engine.docstore import archive as docs
from engine.docstore import batches
from engine.models import IssuedDocument, PrintBatch
from tests.support.helpers import user

from .conftest import page_count, pdf_text, post, sign_in


def at(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


def issue(db, kind: str, now: str) -> IssuedDocument:
    with transaction(db.session):
        return docs.issue_document(db.session, kind, specimen_context(kind), user(db.session, "supervisor"), at(now))


@pytest.fixture
def week(db):
    """Three supervision notices in the week of 2026-11-23, one the week after, one proposal in the week."""
    made = [issue(db, "supervision_notice", f"2026-11-{day}T10:00:00+08:00") for day in (23, 25, 27)]
    issue(db, "supervision_notice", "2026-12-01T10:00:00+08:00")
    issue(db, "accountability_proposal", "2026-11-24T10:00:00+08:00")
    return made


def request(db, username="supervisor", **filters) -> PrintBatch:
    with transaction(db.session):
        return batches.request_batch(db.session, user(db.session, username), at("2026-11-30T09:00:00+08:00"),
                                     **filters)


def test_a_week_of_supervision_notices_as_one_pdf_with_progress(db, week, monkeypatch):
    batch = request(db, kind="supervision_notice", date_from=date(2026, 11, 23), date_to=date(2026, 11, 29))
    assert (batch.status, batch.done, batch.total) == ("queued", 0, 3)
    assert batch.title == "督办通知单（2026-11-23至2026-11-29）共3份"
    factory = session_factory(db.engine)
    seen = []
    real = batches.render_batch

    def observed(items, progress):
        def spy(done, total):
            progress(done, total)
            with factory() as other:  # progress is committed: another session sees it at once
                seen.append((other.get(PrintBatch, batch.id).done, total))
        return real(items, progress=spy)

    monkeypatch.setattr(batches, "render_batch", observed)
    assert batches.run_batch(factory, batch.id) == "done"
    assert seen == [(1, 3), (2, 3), (3, 3)]
    db.session.expire_all()
    done = db.session.get(PrintBatch, batch.id)
    assert (done.status, done.done, done.total, done.error) == ("done", 3, 3, None)
    assert page_count(done.pdf) == sum(page_count(d.pdf) for d in week)
    body = pdf_text(done.pdf)
    assert all(f"河热线督〔2026〕{i}号" in body for i in (1, 2, 3)) and "河热线督〔2026〕4号" not in body
    assert body.index("河热线督〔2026〕1号") < body.index("河热线督〔2026〕3号")  # number order
    assert batches.run_batch(factory, batch.id) == "done"  # a second worker does nothing


def test_void_documents_are_not_printed_and_an_empty_batch_is_refused(db, week):
    with transaction(db.session):
        docs.void_document(db.session, user(db.session, "reviewer"), week[0].id, "错发", at("2026-11-28T09:00:00+08:00"))
    assert request(db, kind="supervision_notice", date_to=date(2026, 11, 29)).total == 2
    with pytest.raises(Invalid) as err:
        request(db, kind="work_brief")
    assert "没有符合条件" in err.value.message_zh


def test_a_failing_batch_records_its_chinese_message(db, week):
    broken = db.session.get(IssuedDocument, week[1].id)
    broken.facts = {k: v for k, v in broken.facts.items() if k != "contact"}
    db.session.commit()
    batch = request(db, kind="supervision_notice", date_to=date(2026, 11, 29))
    assert batches.run_batch(session_factory(db.engine), batch.id) == "failed"
    db.session.expire_all()
    failed = db.session.get(PrintBatch, batch.id)
    assert failed.status == "failed" and failed.pdf is None and failed.done == 1
    assert failed.error.startswith("批量打印失败") and "河热线督〔2026〕2号" in failed.error
    with pytest.raises(NotFound):
        batches.batch_pdf(db.session, user(db.session, "supervisor"), batch.id)


def test_batches_belong_to_their_requester_or_the_office(db, week):
    batch = request(db, kind="supervision_notice")
    assert batches.get_batch(db.session, user(db.session, "reviewer"), batch.id).id == batch.id
    with pytest.raises(NotFound):
        batches.get_batch(db.session, user(db.session, "receiver"), batch.id)
    assert batches.list_batches(db.session, user(db.session, "receiver")) == []


def wait_for(client, url: str, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        data = client.get(url).get_json()
        if data["status"] in ("done", "failed") or time.monotonic() > deadline:
            return data
        time.sleep(0.2)


def test_batch_printing_on_the_pages(client, db, week):
    sign_in(client, db, "supervisor")
    r = post(client, "/documents/batches", {"kind": "supervision_notice", "date_from": "2026-11-23",
                                            "date_to": "2026-11-29"})
    assert r.status_code == 302
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    batch_id = db.session.scalar(select(PrintBatch.id).order_by(PrintBatch.id.desc()))
    progress_url = f"/documents/batches/{batch_id}/progress"
    assert f'data-batch-progress="{progress_url}"' in page and "js/documents.js" in page and "<script>" not in page
    data = wait_for(client, progress_url)
    assert (data["status"], data["done"], data["total"], data["error"]) == ("done", 3, 3, None)
    pdf = client.get(data["pdf_url"])
    assert pdf.mimetype == "application/pdf" and pdf.headers["Content-Disposition"].startswith("inline;")
    assert page_count(pdf.data) == sum(page_count(d.pdf) for d in week)
    assert "已完成" in client.get("/documents/batches").get_data(as_text=True)
    sign_in(client, db, "receiver")
    assert client.get(progress_url).status_code == 404
    assert client.get(data["pdf_url"]).status_code == 404


def test_a_failing_batch_on_the_pages(client, db, week):
    broken = db.session.get(IssuedDocument, week[0].id)
    broken.facts = {k: v for k, v in broken.facts.items() if k != "ticket_no"}
    db.session.commit()
    sign_in(client, db, "reviewer")
    r = post(client, "/documents/batches", {"kind": "supervision_notice"})
    batch_id = int(r.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    data = wait_for(client, f"/documents/batches/{batch_id}/progress")
    assert data["status"] == "failed" and data["pdf_url"] is None
    assert "河热线督〔2026〕1号" in data["error"] and "批量打印失败" in data["error"]
    assert data["error"] in client.get(f"/documents/batches/{batch_id}").get_data(as_text=True)
    r = post(client, "/documents/batches", {"kind": "work_brief"})
    assert "没有符合条件的有效公文" in client.get(r.headers["Location"]).get_data(as_text=True)
