"""An export of citizens' unmasked data is marked where the office audits it (Art. 26): the 导出记录 says which
downloads were unmasked and who approved them, and the 诉求人信息查看记录 lists the bulk view once per request and
downloader with the number of tickets and the approval; neither names a request by its internal number."""
from __future__ import annotations

import html
import re
from urllib.parse import unquote

import pytest
from sqlalchemy import select

from engine.models import Unit
from tests.analytics.conftest import clean  # noqa: F401  (fixture)
from tests.analytics.test_analytics import NAMES, PHONES, build
from tests.support.files import by_header, xlsx_sheets
from tests.support.helpers import user
from tests.support.pages import as_user, post, text

pytestmark = pytest.mark.usefixtures("clean")
PERIOD = {"from": "2026-11-01", "to": "2026-12-31"}
FIELDS = ["number", "citizen_name", "citizen_phone", "content"]


def table_rows(page: str) -> list[str]:
    """The body rows of the page's table as the text a person reads, one string a row."""
    body = re.search(r"<tbody>(.*?)</tbody>", page, re.S).group(1)
    return [re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", row.replace("</td>", " | ")))).strip()
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def _request(client, db, purpose: str, unmasked: bool) -> str:
    """The dispatcher asks, the supervisor approves (unmasked only if asked and ticked); the page it lands on."""
    as_user(client, db, "dispatcher")
    r = post(client, "/reports/exports", {"purpose": purpose, **PERIOD, "fields": FIELDS,
                                          **({"personal_data": "1"} if unmasked else {})})
    assert r.status_code == 302, text(r)[:500]
    url = r.headers["Location"]
    shown = text(client.get(url))
    assert "诉求内容按原文导出，不脱敏" in shown  # the approver reads that the content is not masked
    as_user(client, db, "supervisor")
    assert post(client, url + "/decide", {"decision": "approve", "valid_days": "3",
                                          **({"allow_personal": "1"} if unmasked else {})},
                get_url=url).status_code == 302
    return url


def test_unmasked_downloads_are_marked_in_both_logs(client, db):
    build(db)
    approver = user(db.session, "supervisor").label
    requester = user(db.session, "dispatcher").label
    unmasked = _request(client, db, "核实诉求人联系方式", unmasked=True)
    masked = _request(client, db, "统计分析", unmasked=False)
    as_user(client, db, "dispatcher")
    files = {}
    for name, url in (("unmasked", unmasked), ("masked", masked)):
        got = client.get(url + "/download.xlsx")
        assert got.status_code == 200
        files[name] = by_header(xlsx_sheets(got.get_data())[0])
    assert {r["诉求人"] for r in files["unmasked"]} <= set(NAMES) | {"张三丰"}
    assert not {r["联系电话"] for r in files["masked"]} & set(PHONES)
    assert client.get(unmasked + "/download.csv").status_code == 200  # a second download of the same request
    tickets = len(files["unmasked"])

    as_user(client, db, "supervisor")
    log = text(client.get("/reports/exports/log"))
    assert "申请#" not in log and not re.search(r"#\d", log)
    downloads = [r for r in table_rows(log) if "| 下载 |" in r]
    assert len(downloads) == 3
    marked = [r for r in downloads if "未脱敏" in r]
    assert len(marked) == 2 and all(f"{approver}批准" in r and requester in r for r in marked)
    assert [r for r in downloads if "（未脱敏，" not in r][0].count(f"（脱敏，{approver}批准）") == 1

    views = table_rows(text(client.get("/tickets/pii-views")))
    bulk = [r for r in views if "批量导出" in r]
    assert len(bulk) == 1  # one row for the request and its downloader, however often downloaded
    row = bulk[0]
    assert f"批量导出{tickets}件（未脱敏）" in row and "| 2 |" in row  # two downloads
    assert requester in row and "核实诉求人联系方式" in row and f"{approver}批准导出未脱敏的个人信息" in row
    assert not [r for r in views if "统计分析" in r]  # the masked export showed no one's details

    as_user(client, db, "dispatcher")  # the requester's own pages name the request by who asked and when
    listing = text(client.get("/reports/exports"))
    assert not re.search(r"#\d", listing) and not re.search(r"#\d", text(client.get(unmasked)))


def test_the_request_page_names_its_filters_in_chinese(client, db):
    build(db)
    unit = db.session.scalar(select(Unit).where(Unit.code == "HY-ZJJ"))
    as_user(client, db, "dispatcher")
    r = post(client, "/reports/exports", {"purpose": "核对住建局电话投诉", **PERIOD, "fields": FIELDS,
                                          "unit_id": str(unit.id), "ticket_type": "complaint", "channel": "phone",
                                          "status": "archived", "category": "城乡建设"})
    assert r.status_code == 302, text(r)[:500]
    page = text(client.get(r.headers["Location"]))
    shown = html.unescape(re.sub(r"<[^>]+>", "", re.search(r"<dt>筛选</dt><dd>(.*?)</dd>", page, re.S).group(1)))
    assert shown == f"主办单位：{unit.name}；诉求类型：投诉；渠道：电话；诉求分类：城乡建设；状态：已归档"


def test_the_same_field_is_named_alike_on_the_form_the_request_and_the_file(client, db):
    build(db)
    as_user(client, db, "dispatcher")
    form = text(client.get("/reports/exports"))
    labels = dict(re.findall(r'<label for="(unit_id|ticket_type|channel|status|category)">([^<]+)</label>', form))
    assert labels == {"unit_id": "主办单位", "ticket_type": "诉求类型", "channel": "渠道", "status": "状态",
                      "category": "诉求分类"}
    r = post(client, "/reports/exports", {"purpose": "核对分类", **PERIOD, "fields": ["number", "category"],
                                          "category": "城乡建设"})
    url = r.headers["Location"]
    assert "<dt>筛选</dt><dd>诉求分类：城乡建设</dd>" in text(client.get(url))
    as_user(client, db, "supervisor")
    post(client, url + "/decide", {"decision": "approve", "valid_days": "3"}, get_url=url)
    as_user(client, db, "dispatcher")
    assert client.get(url + "/download.csv").get_data(as_text=True).lstrip("\ufeff").startswith("工单编号,诉求分类")


def _file_name(response) -> str:
    return unquote(response.headers["Content-Disposition"].split("filename*=UTF-8''")[1])


def test_two_requests_of_the_same_minute_are_told_apart(client, db, clock):
    """One unmasked and one masked request made at 21:36: their names and their files differ, and say which is
    unmasked, on the request pages, in the 导出记录 and in the 诉求人信息查看记录."""
    build(db)
    clock.set("2026-12-07T21:36:05+08:00")
    unmasked = _request(client, db, "核实诉求人联系方式", unmasked=True)
    clock.set("2026-12-07T21:36:41+08:00")
    masked = _request(client, db, "统计分析", unmasked=False)
    requester = user(db.session, "dispatcher").label
    one, other = f"{requester} 2026-12-07 21:36:05的未脱敏申请", f"{requester} 2026-12-07 21:36:41的脱敏申请"
    as_user(client, db, "dispatcher")
    assert f"<title>导出申请（{one}）" in text(client.get(unmasked))
    assert f"<title>导出申请（{other}）" in text(client.get(masked))
    names = {_file_name(client.get(url + "/download.xlsx")) for url in (unmasked, masked)}
    assert names == {"工单数据_20261207213605申请_未脱敏_2026-11-01至2026-12-31.xlsx",
                     "工单数据_20261207213641申请_脱敏_2026-11-01至2026-12-31.xlsx"}

    as_user(client, db, "supervisor")
    downloads = [r for r in table_rows(text(client.get("/reports/exports/log"))) if "| 下载 |" in r]
    assert len(downloads) == 2 and sum(one in r for r in downloads) == 1 and sum(other in r for r in downloads) == 1
    bulk = [r for r in table_rows(text(client.get("/tickets/pii-views"))) if "批量导出" in r]
    assert len(bulk) == 1 and one in bulk[0] and other not in bulk[0]
