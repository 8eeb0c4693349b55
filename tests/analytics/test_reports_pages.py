"""考核与导出 pages: who may use them, the ranking with its weights version, downloads, weights versions, printed
reports, and ticket exports that need approval (Art. 26)."""
from __future__ import annotations

import io
import re

import openpyxl
import pytest
from sqlalchemy import select

from engine.models import AssessmentWeights, ExportLog, IssuedDocument
from tests.analytics.conftest import clean  # noqa: F401  (fixture)
from tests.analytics.test_analytics import NAMES, PHONES, build
from tests.support.files import by_header, csv_table, xlsx_sheets
from tests.support.pages import as_user, post, text

pytestmark = pytest.mark.usefixtures("clean")
PERIOD = {"from": "2026-11-01", "to": "2026-12-31"}
Q = "?from=2026-11-01&to=2026-12-31"


@pytest.mark.parametrize("role", ["dispatcher", "reviewer", "supervisor", "city_leader", "admin", "agent",
                                  "handler", "kb_editor", "process_owner"])
def test_who_may_open_the_pages(client, db, role):
    as_user(client, db, role)
    allowed = role in {"dispatcher", "reviewer", "supervisor", "city_leader", "admin"}
    for url in ("/reports/", "/reports/weights", "/reports/exports", "/reports/exports/log",
                "/reports/assessment.csv"):
        assert client.get(url).status_code == (200 if allowed else 403), url
    assert ("考核与导出" in text(client.get("/tasks"))) == allowed


def test_ranking_downloads_and_the_log(client, db):
    build(db)
    as_user(client, db, "reviewer")
    page = text(client.get("/reports/" + Q))
    assert "河源市住房和城乡建设局" in page and "76.75" in page and "2026-1" in page
    drill = client.get("/reports/drill" + Q + "&metric=satisfaction_rate&unit_id="
                       + re.search(r"unit_id=(\d+)&amp;metric=sign_rate", page).group(1))
    assert drill.status_code == 200 and "计入分母的工单" in text(drill)
    csv_resp = client.get("/reports/assessment.csv" + Q)
    assert csv_resp.status_code == 200 and csv_resp.content_type == "text/csv; charset=utf-8"  # one charset
    assert "76.75" in csv_resp.get_data().decode("utf-8-sig")
    xlsx = client.get("/reports/assessment.xlsx" + Q + "&version=2026-2")
    assert xlsx.status_code == 200
    rows = by_header(xlsx_sheets(xlsx.get_data())[0])
    assert {r["权重版本"] for r in rows} == {"2026-2"}
    db.session.rollback()
    logged = db.session.scalars(select(ExportLog).order_by(ExportLog.id)).all()
    assert [(e.what, e.event, e.format) for e in logged] == [("assessment", "download", "csv"),
                                                             ("assessment", "download", "xlsx")]
    assert "考核结果" in text(client.get("/reports/exports/log"))
    bad = client.get("/reports/?from=2026-13-01&to=x")  # bad input: last month, no error page
    assert bad.status_code == 200 and "统计期间无效" in text(bad)


def test_assessment_files_say_what_the_page_says(client, db):
    """The office downloads November from the page: Chinese titles, the figures as the page prints them, and the
    period as the page names it (11-01 to 11-30, not the instant after it)."""
    build(db)
    as_user(client, db, "reviewer")
    nov = "?from=2026-11-01&to=2026-11-30"
    page = text(client.get("/reports/" + nov))
    got = client.get("/reports/assessment.csv" + nov)
    assert "filename*=UTF-8''%E8%80%83%E6%A0%B8%E7%BB%93%E6%9E%9C_2026-11-01_2026-11-30" in \
        got.headers["Content-Disposition"]
    table = csv_table(got.get_data())
    header = table[0]
    assert header[:6] == ["统计起始日期", "统计截止日期", "权重版本", "排名", "承办单位", "得分"]
    assert "签收及时率" in header and "知识库维护及时率" in header and "主办派单数" in header
    assert not [h for h in header if re.search(r"[A-Za-z_]", h)]  # no English column names
    rows = by_header(table)
    assert {(r["统计起始日期"], r["统计截止日期"]) for r in rows} == {("2026-11-01", "2026-11-30")}
    assert "2026-12-01" not in got.get_data().decode("utf-8-sig")
    for r in rows:  # every score and rate in the file is printed on the page the same way
        assert r["得分"] in page
        for label in ("签收及时率", "满意率", "退单率"):
            assert r[label] == "—" or r[label] in page
    zjj = next(r for r in rows if r["承办单位"] == "河源市住房和城乡建设局")
    assert zjj["签收及时率"].endswith("%") and zjj["知识库维护及时率"] == "—"
    sheet = by_header(xlsx_sheets(client.get("/reports/assessment.xlsx" + nov).get_data())[0])
    assert sheet == rows  # Excel shows the same words and figures (kept as numbers under a percent format)


def test_weights_versions_through_the_page(client, db):
    as_user(client, db, "dispatcher")
    assert "新增权重版本" not in text(client.get("/reports/weights"))
    assert post(client, "/reports/weights", {"version": "2027-1", "sign_rate": "100"},
                get_url="/reports/").status_code == 403
    as_user(client, db, "supervisor")
    form = {"version": "2027-1", "sign_rate": "20", "on_time_rate": "30", "satisfaction_rate": "30",
            "kb_upkeep_rate": "10"}
    bad = post(client, "/reports/weights", form)  # sums to 90%
    assert bad.status_code == 400 and "合计为1" in text(bad)
    ok = post(client, "/reports/weights", {**form, "redo_rate": "10", "note": "加重按时办结"})
    assert ok.status_code == 302
    assert post(client, "/reports/weights", {**form, "redo_rate": "10"}).status_code == 409  # never overwritten
    assert post(client, "/reports/weights/2027-1/activate", get_url="/reports/weights").status_code == 302
    db.session.rollback()
    active = db.session.scalars(select(AssessmentWeights.version).where(AssessmentWeights.active.is_(True))).all()
    assert active == ["2027-1"]
    assert "2027-1" in text(client.get("/reports/" + Q))


def test_print_the_bulletin_and_the_brief(client, db):
    build(db)
    as_user(client, db, "supervisor")
    for url, kind in (("/reports/bulletin", "assessment_bulletin"), ("/reports/brief", "work_brief")):
        r = post(client, url, PERIOD, get_url="/reports/" + Q)
        assert r.status_code == 302 and "/documents/" in r.headers["Location"]
        doc_id = int(r.headers["Location"].rstrip("/").split("/")[-1])
        db.session.rollback()
        assert db.session.get(IssuedDocument, doc_id).kind == kind
        assert client.get(f"/documents/{doc_id}/pdf").status_code == 200
    as_user(client, db, "city_leader")  # sees the figures, issues nothing
    assert post(client, "/reports/brief", PERIOD, get_url="/reports/").status_code == 403


def test_ticket_export_needs_approval(client, db):
    build(db)
    as_user(client, db, "dispatcher")
    r = post(client, "/reports/exports", {"purpose": "核查投诉办理", **PERIOD, "fields": ["number", "citizen_name",
                                                                                    "citizen_phone"]})
    assert r.status_code == 302
    req_id = int(r.headers["Location"].rstrip("/").split("/")[-1])
    refused = client.get(f"/reports/exports/{req_id}/download.csv")
    assert refused.status_code == 403 and "未经市热线办批准" in text(refused)
    as_user(client, db, "supervisor")
    assert post(client, f"/reports/exports/{req_id}/decide", {"decision": "approve", "valid_days": "3"},
                get_url=f"/reports/exports/{req_id}").status_code == 302
    assert client.get(f"/reports/exports/{req_id}/download.csv").status_code == 403  # not the requester
    as_user(client, db, "dispatcher")
    got = client.get(f"/reports/exports/{req_id}/download.xlsx")
    assert got.status_code == 200
    rows = list(openpyxl.load_workbook(io.BytesIO(got.get_data()), read_only=True).worksheets[0].values)
    assert rows[0] == ("工单编号", "诉求人", "联系电话") and len(rows) == 6
    assert "2026-11-01%E8%87%B32026-12-31.xlsx" in got.headers["Content-Disposition"]  # …_2026-11-01至2026-12-31
    flat = " ".join(str(v) for row in rows for v in row)
    assert not any(s in flat for s in (*NAMES, *PHONES))
    db.session.rollback()
    log = [(e.event, e.format) for e in db.session.scalars(select(ExportLog).order_by(ExportLog.id))]
    assert log == [("request", None), ("denied", "csv"), ("approve", None), ("denied", "csv"), ("download", "xlsx")]


def test_requester_cannot_approve_own_request(client, db):
    as_user(client, db, "supervisor")
    r = post(client, "/reports/exports", {"purpose": "自查", **PERIOD, "fields": ["number"]})
    req_id = int(r.headers["Location"].rstrip("/").split("/")[-1])
    assert "<h2>审批</h2>" not in text(client.get(f"/reports/exports/{req_id}"))
    assert post(client, f"/reports/exports/{req_id}/decide", {"decision": "approve"},
                get_url="/reports/exports").status_code == 403
    bad = post(client, "/reports/exports", {"purpose": "", **PERIOD, "fields": ["number"]})
    assert bad.status_code == 400 and "请说明导出用途" in text(bad)


def test_print_a_special_report(client, db):
    build(db)
    as_user(client, db, "dispatcher")
    r = post(client, "/reports/special", {**PERIOD, "dimension": "category", "category": "城乡建设/噪音扰民"},
             get_url="/reports/")
    assert r.status_code == 302 and "/documents/" in r.headers["Location"]
    bad = post(client, "/reports/special", {**PERIOD, "dimension": "county", "county": "x"}, get_url="/reports/")
    assert bad.status_code == 302 and "/reports/" in bad.headers["Location"]
