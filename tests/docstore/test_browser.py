"""The batch page in headless chromium: the script (CSP script-src 'self') polls progress and offers the PDF."""
from __future__ import annotations

from datetime import datetime

import pytest

from documents import specimen_context
from engine.common.db import transaction
from engine.docstore import archive as docs
from tests.support.helpers import user

pytestmark = pytest.mark.browser


def test_batch_progress_is_shown_and_the_pdf_offered(people, db, shot):
    for day in (23, 24, 25, 26):
        with transaction(db.session):
            docs.issue_document(db.session, "supervision_notice", specimen_context("supervision_notice"),
                                user(db.session, "supervisor"), datetime.fromisoformat(f"2026-11-{day}T10:00:00+08:00"))
    page = people.signed_in("supervisor")
    problems = []
    polled = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("request", lambda r: polled.append(r.url) if r.url.endswith("/progress") else None)
    page.goto("/documents?kind=supervision_notice")
    assert page.locator("table.list tbody tr").count() == 4
    shot(page, "documents-archive")
    page.click("button:has-text('批量打印当前结果')")
    page.wait_for_selector("[data-batch-done]:not([hidden])", timeout=60000)
    assert page.inner_text("[data-batch-label]") == "已完成：已排版 4 / 4 份"
    assert page.get_attribute("progress", "value") == "4"
    href = page.get_attribute("[data-batch-done] a", "href")
    response = page.request.get(href)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    shot(page, "documents-batch")
    assert polled and problems == []  # the script ran (CSP allowed it) and asked for the progress
