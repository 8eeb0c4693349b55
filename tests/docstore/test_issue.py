"""Issue documents from the facts of the database and from passed values; reprint, void, one live notice each."""
from __future__ import annotations

import hashlib
from datetime import datetime

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from documents import KINDS, get_kind, specimen_context
from engine.common.db import transaction
from engine.common.errors import Conflict, Forbidden, Invalid
from engine.docstore import archive as docs
from engine.docstore import facts
from engine.domain.roles import Role
from engine.models import AuditLog, IssuedDocument
from tests.support.helpers import REPLY, unit, unit_actor, user

from .conftest import pdf_text

NOW = datetime.fromisoformat("2026-11-26T15:00:00+08:00")


def issue(db, gathered, username="reviewer", now=NOW):
    with transaction(db.session):
        return docs.issue(db.session, gathered, user(db.session, username), now)


def test_refusal_notice_for_a_refused_ticket(db, flow):
    t = flow.refused(code=4, explanation="您反映的合同纠纷应通过诉讼途径解决，热线无权裁决。")
    doc = issue(db, facts.refusal_notice(db.session, t.id), username="agent")
    assert doc.number == "河热线不〔2026〕1号" and doc.kind == "refusal_notice"
    assert doc.ticket_id == t.id and doc.unit_id is None and doc.status == "issued"
    assert doc.addressee == "张三丰" and doc.sha256 == hashlib.sha256(doc.pdf).hexdigest()
    body = pdf_text(doc.pdf)
    for fact in ("不予受理告知书", "河热线不〔2026〕1号", t.number, "张三丰", "您反映的合同纠纷应通过诉讼途径解决",
                 "二〇二六年十一月二十六日", "第六条第（四）项"):
        assert fact in body, fact
    assert "依法应通过诉讼、仲裁、行政复议解决" in body  # the office's configured label of reason 4
    audit = db.session.scalar(select(AuditLog).where(AuditLog.ticket_id == t.id, AuditLog.action == "document_issue"))
    assert audit.detail["number"] == doc.number


def test_refusal_notice_needs_a_refused_ticket(db, flow):
    t = flow.dispatched()
    with pytest.raises(Invalid) as err:
        facts.refusal_notice(db.session, t.id)
    assert "未作不予受理" in err.value.message_zh


def test_ticket_record_for_an_archived_ticket(db, flow):
    t = flow.archived()
    gathered = facts.ticket_record(db.session, t.id)
    assert gathered.unit_id == unit(db.session, "HY-ZJJ").id
    doc = issue(db, gathered)
    assert doc.number == "河热线单〔2026〕1号"
    body = pdf_text(doc.pdf)
    for fact in ("工单办理单", t.number, "已归档", "投诉", "电话", "138****1234", "张**",
                 unit(db.session, "HY-ZJJ").name, REPLY["result"], REPLY["department"], "《中华人民共和国噪声污染防治法》",
                 "非常满意", "满意", "人工回访", "处理及时", "登记诉求", "受理", "派单", "签收", "办理答复", "审核通过",
                 "回访评价", "归档"):
        assert fact in body, fact
    assert "13800001234" not in body  # the record masks the citizen's phone


def test_return_explanation_names_the_returning_unit_reason_and_basis(db, flow):
    t = flow.returned()
    gathered = facts.return_explanation(db.session, t.id)
    zjj = unit(db.session, "HY-ZJJ")
    assert gathered.unit_id == zjj.id
    doc = issue(db, gathered)
    body = pdf_text(doc.pdf)
    for fact in ("退回说明", "河热线退〔2026〕1号", zjj.name, t.number, "属于人力资源和社会保障部门职责",
                 "《劳动保障监察条例》第十三条"):
        assert fact in body, fact


def test_redo_notice_for_a_ticket_sent_back(db, flow):
    t = flow.redone()
    doc = issue(db, facts.redo_notice(db.session, t.id))
    body = pdf_text(doc.pdf)
    for fact in ("重办通知", "河热线重〔2026〕1号", t.number, "不满意", "工地夜间仍在施工", "经核查回访录音，诉求人理由合理",
                 REPLY["result"][:10]):
        assert fact in body, fact
    assert doc.unit_id == unit(db.session, "HY-ZJJ").id


def test_redo_notice_refused_without_a_redo(db, flow):
    t = flow.archived()
    with pytest.raises(Invalid):
        facts.redo_notice(db.session, t.id)


@pytest.mark.parametrize("kind", [k.code for k in KINDS])
def test_every_kind_is_issued_numbered_and_archived(db, kind):
    values = specimen_context(kind)
    doc = issue(db, facts.from_values(db.session, kind, values), username="supervisor")
    spec = get_kind(kind)
    assert doc.number == f"河热线{spec.abbr}〔2026〕1号" and (doc.year, doc.seq) == (2026, 1)
    assert doc.title == values.get("title", spec.title)
    body = pdf_text(doc.pdf)
    assert doc.number in body and "二〇二六年十一月二十六日" in body
    # The stored facts reproduce the document: they carry the number and date it was issued with.
    assert doc.facts["number"] == doc.number and doc.facts["date"] == "2026-11-26"


def test_side_process_values_find_their_ticket_and_unit(db, flow):
    t = flow.dispatched()
    zjj = unit(db.session, "HY-ZJJ")
    values = {**specimen_context("supervision_notice"), "ticket_no": t.number, "addressee": zjj.name}
    gathered = facts.from_values(db.session, "supervision_notice", values)
    assert (gathered.ticket_id, gathered.unit_id) == (t.id, zjj.id)


def test_reprint_returns_the_stored_bytes(db, flow):
    t = flow.refused()
    doc = issue(db, facts.refusal_notice(db.session, t.id))
    first = bytes(doc.pdf)
    db.session.expire_all()
    again, pdf = docs.document_pdf(db.session, user(db.session, "reviewer"), doc.id)
    _, once_more = docs.document_pdf(db.session, user(db.session, "supervisor"), doc.id)
    assert pdf == first == once_more
    assert hashlib.sha256(pdf).hexdigest() == again.sha256 and again.size == len(pdf)


def test_tampered_bytes_are_refused(db, flow):
    doc = issue(db, facts.refusal_notice(db.session, flow.refused().id))
    with transaction(db.session):
        db.session.execute(text("UPDATE issued_document SET sha256 = :s WHERE id = :i"), {"s": "0" * 64, "i": doc.id})
    db.session.expire_all()
    with pytest.raises(Conflict) as err:
        docs.document_pdf(db.session, user(db.session, "reviewer"), doc.id)
    assert err.value.code == "integrity"


def test_void_needs_a_reason_and_keeps_the_document(db, flow):
    t = flow.refused()
    doc = issue(db, facts.refusal_notice(db.session, t.id))
    pdf = bytes(doc.pdf)
    reviewer = user(db.session, "reviewer")
    with pytest.raises(Invalid) as err:
        with transaction(db.session):
            docs.void_document(db.session, reviewer, doc.id, "   ", NOW)
    assert "reason" in err.value.fields
    with pytest.raises(Forbidden):
        with transaction(db.session):
            docs.void_document(db.session, user(db.session, "agent"), doc.id, "填错了", NOW)
    with transaction(db.session):
        docs.void_document(db.session, reviewer, doc.id, "诉求人姓名登记有误", NOW)
    db.session.expire_all()
    kept = db.session.get(IssuedDocument, doc.id)
    assert (kept.status, kept.void_reason, kept.voided_by) == ("void", "诉求人姓名登记有误", reviewer.label)
    assert kept.pdf == pdf and docs.document_pdf(db.session, reviewer, doc.id)[1] == pdf
    with pytest.raises(Conflict):
        with transaction(db.session):
            docs.void_document(db.session, reviewer, doc.id, "再次作废", NOW)
    listed = docs.documents_for_ticket(db.session, t.id)
    assert [(d["number"], d["status_label"]) for d in listed] == [(doc.number, "已作废")]


def test_the_database_refuses_a_void_without_reason(db, flow):
    doc = issue(db, facts.refusal_notice(db.session, flow.refused().id))
    with pytest.raises(IntegrityError):
        with transaction(db.session):
            db.session.execute(text("UPDATE issued_document SET status = 'void', voided_at = issued_at "
                                    "WHERE id = :i"), {"i": doc.id})
    with pytest.raises(IntegrityError):
        with transaction(db.session):
            db.session.execute(text("UPDATE issued_document SET status = 'void', void_reason = ' ', "
                                    "voided_at = issued_at WHERE id = :i"), {"i": doc.id})


def test_one_live_refusal_notice_per_ticket_and_voided_numbers_are_not_reused(db, flow):
    t = flow.refused()
    first = issue(db, facts.refusal_notice(db.session, t.id))
    with pytest.raises(Conflict) as err:
        issue(db, facts.refusal_notice(db.session, t.id))
    assert first.number in err.value.message_zh
    with transaction(db.session):
        docs.void_document(db.session, user(db.session, "reviewer"), first.id, "解释说明有误", NOW)
    second = issue(db, facts.refusal_notice(db.session, t.id))
    assert second.number == "河热线不〔2026〕2号"


def test_a_unit_issues_only_its_own_unit_documents(db, flow):
    t = flow.returned()
    gathered = facts.return_explanation(db.session, t.id)
    with pytest.raises(Forbidden):
        with transaction(db.session):
            docs.issue(db.session, gathered, unit_actor(db.session, Role.RECEIVER, "HY-RSJ"), NOW)
    with pytest.raises(Forbidden):  # a unit cannot issue the office's notices
        with transaction(db.session):
            docs.issue(db.session, facts.from_values(db.session, "supervision_notice",
                                                     specimen_context("supervision_notice")),
                       user(db.session, "receiver"), NOW)
    with transaction(db.session):
        doc = docs.issue(db.session, gathered, user(db.session, "receiver"), NOW)
    assert doc.issued_by.startswith("张伟强")
