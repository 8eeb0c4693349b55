"""The ticket export writes the handling deadline as every page does (24:00 of its last working day) and the county
of each ticket as the dashboard's 按区县 counts it; both read back from the files the supervisor downloads."""
from __future__ import annotations

import io
import re
from collections import Counter
from datetime import datetime
from html import unescape

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from sqlalchemy import select

from engine.models import IssuedDocument
from tests.analytics.conftest import clean  # noqa: F401  (fixture)
from tests.support.files import by_header, csv_table, xlsx_sheets
from tests.support.helpers import user
from tests.support.pages import as_user, post, text, unit_id
from tests.tickets.test_lifecycle import act, new_ticket

pytestmark = pytest.mark.usefixtures("clean")
PERIOD = {"from": "2026-10-01", "to": "2026-11-30"}
FIELDS = ["number", "lead_unit", "county", "handling_due", "created_at"]


def _tickets(db) -> dict[str, tuple[str, int]]:
    """Five tickets registered on Fri 2026-10-30, after the National Day holiday (10-01…07), by who handles them:

    hp   sent by the city office straight to 和平县住房和城乡建设局 (a county department, no county office on the way);
         a 投诉 has 10 working days: Mon 11-02 … Fri 11-13, so it is due 2026-11-14 00:00, read 2026-11-13 24:00.
    yc   sent through 源城区12345热线办, which passed it to 源城区住房和城乡建设局.
    via  sent to 源城区12345热线办 and not passed on yet: the county office's county.
    city led by 河源市住房和城乡建设局 (a city department): 市直.
    new  registered, not dispatched: 未派单.
    """
    dispatcher = user(db.session, "dispatcher")
    out = {}
    for key in ("hp", "yc", "via", "city", "new"):
        t, _ = new_ticket(db, now="2026-10-30T10:00:00+08:00", scope="accept")
        out[key] = (t.number, t.id)
        if key == "hp":
            act(db, dispatcher, t, "dispatch", "2026-10-30T11:00:00+08:00", lead_unit=unit_id(db, "HP-ZJJ"))
        elif key == "city":
            act(db, dispatcher, t, "dispatch", "2026-10-30T11:00:00+08:00", lead_unit=unit_id(db, "HY-ZJJ"))
        elif key in ("yc", "via"):
            act(db, dispatcher, t, "dispatch", "2026-10-30T11:00:00+08:00", via_county=unit_id(db, "YC-OFFICE"))
            if key == "yc":
                act(db, user(db.session, "county_dispatcher"), t, "county_dispatch", "2026-10-30T14:00:00+08:00",
                    lead_unit=unit_id(db, "YC-ZJJ"))
    return out


def _export(client, db, fmt: str) -> list[dict[str, str]]:
    """Request an export as the supervisor, approve it as the administrator, download it as the supervisor."""
    as_user(client, db, "supervisor")
    r = post(client, "/reports/exports", {"purpose": "核对各县（区）办理时限", **PERIOD, "fields": FIELDS})
    assert r.status_code == 302, text(r)
    req_id = int(r.headers["Location"].rstrip("/").split("/")[-1])
    as_user(client, db, "admin")
    assert post(client, f"/reports/exports/{req_id}/decide", {"decision": "approve", "valid_days": "3"},
                get_url=f"/reports/exports/{req_id}").status_code == 302
    as_user(client, db, "supervisor")
    got = client.get(f"/reports/exports/{req_id}/download.{fmt}")
    assert got.status_code == 200
    rows = csv_table(got.get_data()) if fmt == "csv" else xlsx_sheets(got.get_data())[0]
    return by_header(rows)


def _dashboard_counties(client) -> dict[str, tuple[int, str]]:
    """The 按区县 table of the dashboard: label → (count, the link to its tickets)."""
    page = client.get("/analytics/?" + "&".join(f"{k}={v}" for k, v in PERIOD.items())).get_data(as_text=True)
    table = re.search(r'<table[^>]*id="table-by_county".*?</table>', page, re.S).group(0)
    rows = re.findall(r'<td data-label="区县">([^<]*)</td><td data-label="工单量"><a href="([^"]+)">(\d+)</a>', table)
    return {unescape(label): (int(n), unescape(url)) for label, url, n in rows}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_deadline_and_county_agree_with_the_pages(client, db, fmt):
    built = _tickets(db)
    numbers = {k: number for k, (number, _) in built.items()}
    rows = {r["工单编号"]: r for r in _export(client, db, fmt)}
    assert set(numbers.values()) <= set(rows)
    hp = rows[numbers["hp"]]
    assert hp["办理时限"] == "2026-11-13 24:00"  # never the next day at 00:00
    assert "2026-11-14 00:00" not in {r["办理时限"] for r in rows.values()}
    assert hp["登记时间"] == "2026-10-30 10:00"  # an instant, not a period end: as it is
    assert (hp["主办单位"], hp["所属县（区）"]) == ("和平县住房和城乡建设局", "和平县")
    assert (rows[numbers["yc"]]["主办单位"], rows[numbers["yc"]]["所属县（区）"]) == ("源城区住房和城乡建设局", "源城区")
    assert rows[numbers["via"]]["所属县（区）"] == "源城区"
    assert rows[numbers["city"]]["所属县（区）"] == "市直"
    assert rows[numbers["new"]]["所属县（区）"] == "未派单" and rows[numbers["new"]]["办理时限"] == ""

    # The ticket page writes the same deadline.
    as_user(client, db, "dispatcher")
    page = text(client.get(f"/tickets/{built['hp'][1]}"))
    assert "2026-11-13 24:00" in page and "2026-11-14 00:00" not in page

    # The dashboard's 按区县 counts the same tickets the same way, and each figure opens the tickets behind it.
    as_user(client, db, "supervisor")
    shown = _dashboard_counties(client)
    assert {label: n for label, (n, _) in shown.items()} == dict(Counter(r["所属县（区）"] for r in rows.values()))
    assert shown["和平县"][0] == 1 and shown["源城区"][0] == 2 and shown["市直"][0] == 1
    for label, (n, url) in shown.items():
        assert f"（共 {n} 件）" in text(client.get(url)), label


def test_special_report_on_a_county_counts_its_departments_tickets(client, db):
    _tickets(db)
    as_user(client, db, "dispatcher")
    page = text(client.get("/reports/?" + "&".join(f"{k}={v}" for k, v in PERIOD.items())))
    assert "和平县" in page and "和平县12345热线办</option>" not in page  # the place is named as a county
    r = post(client, "/reports/special", {**PERIOD, "dimension": "county", "county": str(unit_id(db, "HP-OFFICE"))},
             get_url="/reports/")
    assert r.status_code == 302 and "/documents/" in r.headers["Location"], text(r)
    db.session.rollback()
    doc = db.session.scalars(select(IssuedDocument).where(IssuedDocument.kind == "special_report")
                             .order_by(IssuedDocument.id.desc())).first()
    assert doc.facts["subject"] == "和平县辖区诉求"  # its one ticket, led by a county department directly
    assert "受理和平县辖区诉求1件" in doc.facts["overview"][0]


def test_a_units_county_is_found_up_its_parent_chain():
    from engine.analytics.counties import CITY_KEY, NONE_KEY, counties_of
    rows = [(1, "city_office", None, "河源市12345政府服务热线办公室"), (2, "county_office", 1, "和平县12345热线办"),
            (3, "county_government", 2, "和平县人民政府"), (4, "county_department", 3, "和平县阳明镇人民政府"),
            (5, "county_department", 4, "阳明镇某村委会"), (6, "city_department", 1, "河源市住房和城乡建设局"),
            (7, "county_office", 1, "新区12345热线办"), (8, "county_department", 9, "环1"),
            (9, "county_department", 8, "环2")]
    c = counties_of(rows)
    assert [c.name_of(u, None) for u in (3, 4, 5)] == ["和平县"] * 3  # however deep under the county
    assert c.name_of(6, None) == "市直" and c.key(6, None) == CITY_KEY and c.key(None, None) == NONE_KEY
    assert c.name_of(None, 2) == "和平县" and c.name_of(6, 7) == "新区"  # the county office it went through
    assert c.name_of(8, None) == "市直"  # a broken (cyclic) chain does not hang
    assert c.choices() == [(2, "和平县"), (7, "新区")]


def test_the_excel_export_sizes_its_columns_and_keeps_instants_as_dates(client, db):
    # Opened in a spreadsheet: the long unit names and Chinese titles are not cut off, and 登记时间 sorts and filters
    # as a date-time (Beijing time), and so does 办理时限, still showing the pages' 24:00.
    built = _tickets(db)
    as_user(client, db, "supervisor")
    r = post(client, "/reports/exports", {"purpose": "核对各县（区）办理时限", **PERIOD, "fields": FIELDS})
    req_id = int(r.headers["Location"].rstrip("/").split("/")[-1])
    as_user(client, db, "admin")
    post(client, f"/reports/exports/{req_id}/decide", {"decision": "approve", "valid_days": "3"},
         get_url=f"/reports/exports/{req_id}")
    as_user(client, db, "supervisor")
    ws = openpyxl.load_workbook(io.BytesIO(client.get(f"/reports/exports/{req_id}/download.xlsx").get_data())
                                ).worksheets[0]
    header = [c.value for c in ws[1]]
    column = {title: get_column_letter(i) for i, title in enumerate(header, start=1)}
    unit_col = column["主办单位"]
    longest = max(len(c.value or "") for c in ws[unit_col][1:])
    assert longest >= 8 and ws.column_dimensions[unit_col].width >= 2 * longest  # Chinese characters are wide
    assert ws.column_dimensions[column["所属县（区）"]].width >= 2 * len("所属县（区）")
    row = next(r for r in ws.iter_rows(min_row=2) if r[header.index("工单编号")].value == built["hp"][0])
    registered = row[header.index("登记时间")]
    assert registered.is_date and registered.number_format == "yyyy-mm-dd hh:mm"
    assert registered.value == datetime(2026, 10, 30, 10, 0)  # Beijing time, as the pages show it
    due = row[header.index("办理时限")]  # a date-time cell too, reading as the pages do (24:00 of its last day)
    assert due.is_date and due.number_format == 'yyyy-mm-dd "24:00"'
    assert due.value == datetime(2026, 11, 13, 23, 59, 59)  # the last second of 11-13: filtered on its own day
