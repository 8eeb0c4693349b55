"""Issued documents carry their annexes: the 退回说明 lists the documents the unit returned the ticket with, the
工单办理单 lists every attachment of the ticket (the 书面说明's scan: see test_pages)."""
from __future__ import annotations

import io

from pypdf import PdfReader
from sqlalchemy import select

from engine.models import IssuedDocument
from tests.support.helpers import REPLY
from tests.support.pages import as_user, post, text

from .flow import attachments_of, submit_task
from .samples import photo, scan_pdf


def _pdf_text(db, ticket_id: int, kind: str) -> str:
    db.session.rollback()
    doc = db.session.scalar(select(IssuedDocument).where(IssuedDocument.ticket_id == ticket_id,
                                                         IssuedDocument.kind == kind))
    assert doc is not None, f"no {kind} issued"
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(doc.pdf)).pages).replace("\n", "")


def test_the_return_explanation_lists_the_basis_document_returned_with_the_ticket(client, db, tickets):
    t = tickets.dispatched()
    submit_task(client, db, t, "sign", {"decision": "return", "return_reason": "不属于本局职责",
                                        "return_basis": "市编办三定方案"},
                {"attachments": [(scan_pdf(), "三定方案.pdf")]})
    [a] = attachments_of(db, t.id)
    as_user(client, db, "dispatcher")
    r = post(client, "/documents/issue", {"ticket_no": t.number, "kind": "return_explanation"}, get_url="/documents")
    assert r.status_code == 302, text(r)[:1000]
    words = _pdf_text(db, t.id, "return_explanation")
    assert "附件：" in words and "退回：三定方案.pdf（PDF文档" in words and a.sha256[:16] in words


def test_the_ticket_record_lists_every_attachment_with_its_step(client, db, tickets):
    t = tickets.handling()
    submit_task(client, db, t, "reply", {"action": "reply", "result": REPLY["result"], "basis": REPLY["basis"],
                                         "contact_method": REPLY["contact_method"], "citizen_informed": "y"},
                {"attachments": [(photo(), "整改后.jpg")]})
    as_user(client, db, "reviewer")
    r = post(client, "/documents/issue", {"ticket_no": t.number, "kind": "ticket_record"}, get_url="/documents")
    assert r.status_code == 302
    words = _pdf_text(db, t.id, "ticket_record")
    assert "办理答复：整改后.jpg（图片" in words
