"""Ticket-level exports need the office's approval (Art. 26), are logged and masked; the assessment goes to CSV and
Excel without a row cap."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import openpyxl
import pytest
from sqlalchemy import select

from engine.analytics import exports, sheets, tables
from engine.analytics import metrics as analytics
from engine.common.db import transaction
from engine.common.errors import Conflict, Forbidden, Invalid
from engine.models import ExportLog
from tests.support.files import by_header, csv_table, xlsx_sheets
from tests.support.helpers import CITIZEN, user
from tests.tickets.test_lifecycle import at

from .test_analytics import END, NAMES, PHONES, START, build

pytestmark = pytest.mark.usefixtures("clean")
NOW = at("2026-12-31T10:00:00+08:00")
FIELDS = ["number", "created_at", "lead_unit", "citizen_name", "citizen_phone", "address", "content"]


def ask(db, personal=False, **extra):
    with transaction(db.session):
        return exports.request_export(db.session, user(db.session, "dispatcher"), purpose="核查住建领域投诉办理情况",
                                      start=START, end=END, fields=FIELDS, now=NOW, personal_data=personal, **extra)


def decide(db, req, approve=True, who="supervisor", **kw):
    with transaction(db.session):
        return exports.decide_export(db.session, user(db.session, who), req.id, approve, NOW, **kw)


def fetch(db, req, fmt="csv", who="dispatcher", when=NOW, **kw):
    out = io.BytesIO()
    with transaction(db.session):
        _, n = exports.download(db.session, user(db.session, who), req.id, fmt, out, when, **kw)
    return out.getvalue(), n


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def events(db) -> list[tuple[str, str | None, int | None]]:
    db.session.rollback()
    return [(e.event, e.format, e.rows) for e in db.session.scalars(select(ExportLog).order_by(ExportLog.id))]


def test_refused_without_approval_allowed_after_and_logged(db):
    build(db)
    req = ask(db)
    with pytest.raises(Forbidden) as err:
        fetch(db, req)
    assert "未经市热线办批准" in err.value.message_zh
    with pytest.raises(Forbidden):  # the requester cannot approve their own request
        decide(db, req, who="dispatcher")
    with pytest.raises(Forbidden):  # nor can a reviewer: only 督办员 or 系统管理员
        decide(db, req, who="reviewer")
    decide(db, req, valid_days=3)
    with pytest.raises(Conflict):
        decide(db, req, who="admin")
    data, n = fetch(db, req)
    rows = csv_rows(data)
    assert n == 5 and len(rows) == 6 and rows[0][:4] == ["工单编号", "登记时间", "主办单位", "诉求人"]
    text = data.decode("utf-8-sig")
    for secret in (*NAMES, *PHONES, CITIZEN["address"]):
        assert secret not in text  # masked: personal data was not allowed
    assert "张**" in text and "138****1234" in text and CITIZEN["content"] in text
    with pytest.raises(Forbidden):  # nobody else downloads it
        fetch(db, req, who="supervisor")
    with pytest.raises(Forbidden):  # and not after the approval ran out
        fetch(db, req, when=NOW + timedelta(days=3))
    assert events(db) == [("request", None, None), ("approve", None, None), ("download", "csv", 5)]


def test_refusal_needs_a_reason_and_blocks_the_download(db):
    build(db)
    req = ask(db)
    with pytest.raises(Invalid):
        decide(db, req, approve=False)
    decide(db, req, approve=False, note="用途不明确")
    with pytest.raises(Forbidden):
        fetch(db, req)


def test_personal_data_only_when_the_approval_allows_it(db):
    build(db)
    asked = ask(db, personal=True)
    decide(db, asked, allow_personal=False)  # approved, but masked
    assert NAMES[0] not in fetch(db, asked)[0].decode("utf-8-sig")
    allowed = ask(db, personal=True)
    decide(db, allowed, allow_personal=True)
    text = fetch(db, allowed)[0].decode("utf-8-sig")
    assert NAMES[0] in text and PHONES[0] in text
    not_asked = ask(db)
    decide(db, not_asked, allow_personal=True)  # nothing granted beyond what was asked
    assert NAMES[0] not in fetch(db, not_asked)[0].decode("utf-8-sig")


def test_excel_export_is_readable_and_continues_on_a_further_sheet(db):
    build(db)
    req = ask(db, filters={"ticket_type": "complaint"})
    decide(db, req)
    data, n = fetch(db, req, "xlsx", rows_per_sheet=3)  # header + 2 rows per sheet: 5 rows on 3 sheets
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    sheets = [list(ws.values) for ws in book.worksheets]
    assert n == 5 and [len(s) for s in sheets] == [3, 3, 2]
    assert all(s[0][0] == "工单编号" for s in sheets)
    numbers = [r[0] for s in sheets for r in s[1:]]
    assert len(set(numbers)) == 5 and all(x.startswith("HL") for x in numbers)
    assert all(NAMES[0] != r[3] for s in sheets for r in s[1:])
    with pytest.raises(Invalid):
        exports.request_export(db.session, user(db.session, "dispatcher"), purpose="x", start=START, end=END,
                               fields=["number"], now=NOW, filters={"ticket_type": "nonsense"})


def test_a_spreadsheet_formula_in_citizen_text_is_defused():
    assert sheets.cell("=HYPERLINK(\"http://x\")") == "'=HYPERLINK(\"http://x\")"
    out = io.BytesIO()
    sheets.write_xlsx([["内容"], ["=1+1"], ["@SUM(A1)"]], out, "t")
    ws = openpyxl.load_workbook(io.BytesIO(out.getvalue())).worksheets[0]
    assert [c.data_type for c in ws["A"]] == ["s", "s", "s"]


def test_assessment_csv_and_excel_have_every_unit_the_version_and_the_words_of_the_page(db):
    build(db)
    rows = analytics.assessment(db.session, START, END)
    out = io.BytesIO()
    n = exports.write_table(tables.assessment_rows(rows, START, END), "xlsx", out, "考核结果")
    sheet = xlsx_sheets(out.getvalue())[0]
    assert n == len(rows) == len(sheet) - 1
    zjj = next(r for r in by_header(sheet) if r["承办单位"] == "河源市住房和城乡建设局")
    assert zjj["得分"] == "76.75" and zjj["权重版本"] == "2026-1" and zjj["排名"] == "2"  # behind 市人社局
    assert (zjj["满意率"], zjj["签收及时率"], zjj["知识库维护及时率"]) == ("75.0%", "80.0%", "—")
    assert (zjj["统计起始日期"], zjj["统计截止日期"]) == ("2026-11-01", "2026-12-31")  # END is 2027-01-01 00:00
    assert zjj["主办派单数"] == "5" and zjj["重办数"] == "1"
    out = io.BytesIO()
    exports.write_table(tables.assessment_rows(rows, START, END), "csv", out, "考核结果")
    assert csv_table(out.getvalue()) == sheet  # the CSV reads exactly like the spreadsheet


def test_ticket_export_writes_codes_as_the_pages_name_them(db):
    build(db)
    with transaction(db.session):
        req = exports.request_export(db.session, user(db.session, "dispatcher"), purpose="核查满意度", start=START,
                                     end=END, fields=["channel", "ticket_type", "status", "handling_rating",
                                                      "monitor_level"], now=NOW)
    decide(db, req)
    data, _ = fetch(db, req)
    rows = csv_rows(data)
    assert rows[0] == ["渠道", "诉求类型", "状态", "办理评价", "监控等级"]
    seen = {v for row in rows[1:] for v in row}
    assert {"电话", "投诉", "已归档", "满意", "正常"} <= seen
    assert not seen & {"phone", "complaint", "archived", "satisfied", "normal"}
