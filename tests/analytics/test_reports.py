"""The 考核通报 and 工作简报 printed from real data: numbered, stored, and carrying the real figures."""
from __future__ import annotations

import io
import re

import pypdf
import pytest

from engine.analytics import reports
from engine.common.db import transaction
from engine.common.errors import Forbidden, Invalid
from engine.docstore import archive as documents
from tests.support.helpers import user
from tests.tickets.test_lifecycle import at

from .test_analytics import END, NAMES, PHONES, START, build

pytestmark = pytest.mark.usefixtures("clean")
NOW = at("2027-01-04T10:00:00+08:00")


def pdf_text(pdf: bytes) -> str:
    return re.sub(r"\s+", "", "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages))


def test_assessment_bulletin_has_the_ranking_the_version_and_the_excluded_ratings(db):
    build(db)
    with transaction(db.session):
        doc = reports.issue_bulletin(db.session, user(db.session, "supervisor"), START, END, NOW)
    assert re.fullmatch(r"河热线考〔2027〕\d+号", doc.number)
    text = pdf_text(documents.document_pdf(db.session, user(db.session, "reviewer"), doc.id)[1])
    for fact in ("考核通报", "2026年11月1日至12月31日", "河源市住房和城乡建设局", "76.75", "80.0%", "75.0%",
                 "权重版本“2026-1”", "本期共有1条办理评价", "不计入满意率", doc.number):
        assert fact in text, fact
    assert text.index("河源市人力资源和社会保障局") < text.index("76.75")  # RSJ (100 points) ranks first
    assert doc.facts["weights_version"] == "2026-1"


def test_bulletin_under_another_version(db):
    build(db)
    with transaction(db.session):
        doc = reports.issue_bulletin(db.session, user(db.session, "admin"), START, END, NOW, version="2026-2")
    text = pdf_text(doc.pdf)
    assert "权重版本“2026-2”" in text and "知识库维护及时率10%" in text


def test_work_brief_has_volumes_rates_and_charts(db):
    build(db)
    with transaction(db.session):
        doc = reports.issue_brief(db.session, user(db.session, "dispatcher"), START, END, NOW)
    text = pdf_text(doc.pdf)
    for fact in ("工作简报", doc.number, "共受理群众诉求5件", "电话5件", "投诉", "100.0%", "城乡建设/噪音扰民",
                 "按时办结率75.0%", "满意率75.0%", "表4", "河源市住房和城乡建设局"):
        assert fact in text, fact
    for secret in (*NAMES, *PHONES):
        assert secret not in text
    assert doc.facts["charts"] and doc.facts["charts"][0]["src"].startswith("data:image/svg+xml;base64,")
    # Reprint: the stored bytes, unchanged.
    assert documents.document_pdf(db.session, user(db.session, "reviewer"), doc.id)[1] == doc.pdf


def test_only_issuing_roles_print_reports(db):
    with pytest.raises(Forbidden):
        reports.issue_brief(db.session, user(db.session, "city_leader"), START, END, NOW)
    db.session.rollback()


def test_special_report_on_one_category(db):
    build(db)
    with transaction(db.session):
        doc = reports.issue_special(db.session, user(db.session, "supervisor"), START, END, "category",
                                    "城乡建设/噪音扰民", NOW)
    assert re.fullmatch(r"河热线专〔2027〕\d+号", doc.number)
    text = pdf_text(doc.pdf)
    for fact in ("专报", "城乡建设/噪音扰民类诉求5件", "上一期间无此类诉求", "投诉5件", "按时办结率75.0%", "满意率75.0%",
                 "河源市住房和城乡建设局", "督办1件"):
        assert fact in text, fact
    with pytest.raises(Invalid):
        reports.special_context(db.session, START, END, "county", "999999")
    assert "0件" in reports.special_context(db.session, START, END, "category", "不存在的类别")["overview"][0]
