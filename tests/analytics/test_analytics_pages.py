"""The office's statistics pages (/analytics): who may open them, bad periods, the figures of a hand-built data set,
links from every figure to its tickets, and no unmasked phone or address on the findings page."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import lxml.html
import pytest
from sqlalchemy import update

from engine.common.db import transaction
from engine.models import Ticket
from engine.tickets import merge
from tests.support.helpers import REPLY, unit, user
from tests.support.pages import as_user, text, unit_id

PHONE = "13812345678"
ADDRESS = "源城区新江街道永和路18号"
PERIOD = "from=2026-11-01&to=2026-11-30"
URLS = ["/analytics/", "/analytics/data.json", "/analytics/findings", "/analytics/assessment", "/analytics/tickets"]
ALLOWED = ["dispatcher", "reviewer", "supervisor", "city_leader", "admin"]
REFUSED = ["agent", "county_dispatcher", "receiver", "handler", "unit_leader", "kb_editor", "process_owner"]


def tree(r):
    return lxml.html.fromstring(text(r))


def cells(page, table_id: str) -> dict[str, tuple[str, str | None]]:
    """First column → (second column's text, its link) of a table."""
    out = {}
    for tr in page.get_element_by_id(table_id).iterfind(".//tbody/tr"):
        tds = tr.xpath("./td|./th")
        if len(tds) < 2:
            continue
        links = tds[1].xpath(".//a/@href")
        out[tds[0].text_content().strip()] = (tds[1].text_content().strip(), links[0] if links else None)
    return out


def numbers(page) -> set[str]:
    return {a.text_content().strip() for a in page.xpath(".//table//a[starts-with(@href, '/tickets/')]")}


@pytest.fixture
def data(db, clock, tickets):
    """Five tickets registered in November 2026: three by phone from one caller at one address (a repeated matter),
    two on the web; one of the phone tickets signed by 市住建局 and on a yellow card, one still waiting for a
    dispatcher; one web ticket replied, reviewed and waiting for evaluation. One ticket in October (outside)."""
    clock.set("2026-10-20T10:00:00+08:00")
    october = tickets.new(scope=None, citizen_phone="13911112222", address="别处1号", content="十月份的诉求，另一件事。")
    made = {"october": october.id, "phone": [], "web": []}
    for day in ("2026-11-20", "2026-11-21", "2026-11-23"):
        clock.set(f"{day}T10:00:00+08:00")
        made["phone"].append(tickets.new(citizen_phone=PHONE, address=ADDRESS,
                                         content=f"{day}：小区工地夜间施工噪音扰民。").id)
    clock.set("2026-11-24T10:00:00+08:00")
    for i in range(2):
        made["web"].append(tickets.new(channel="web", citizen_phone=f"1370000000{i}", address=f"龙岭路{i}号",
                                       category="社会保障/欠薪讨薪", ticket_type="help",
                                       content=f"第{i}件网上诉求：公司拖欠工资三个月。").id)
    clock.set("2026-11-25T10:00:00+08:00")
    signed = db.session.get(Ticket, made["phone"][0])
    tickets.act("dispatcher", signed, "dispatch", lead_unit=unit_id(db, "HY-ZJJ"))
    tickets.act("receiver", signed, "sign", decision="sign")
    replied = db.session.get(Ticket, made["web"][0])
    tickets.act("dispatcher", replied, "dispatch", lead_unit=unit_id(db, "HY-ZJJ"))
    tickets.act("receiver", replied, "sign", decision="sign")
    tickets.act("handler", replied, "reply", **REPLY)
    tickets.act("reviewer", replied, "review", decision="accept")
    with transaction(db.session):  # the deadline monitor's verdict, set by hand: a yellow card
        db.session.execute(update(Ticket).where(Ticket.id == signed.id).values(monitor_level="yellow"))
    made["numbers"] = dict(db.session.query(Ticket.id, Ticket.number).all())
    return made


@pytest.mark.parametrize("url", URLS)
def test_only_the_office_roles_open_the_statistics_pages(client, db, url):
    assert client.get(url).status_code == 302 and "/login" in client.get(url).headers["Location"]
    for name in ALLOWED:
        as_user(client, db, name)
        assert client.get(url).status_code == 200, name
    for name in REFUSED:
        as_user(client, db, name)
        r = client.get(url)
        assert r.status_code == 403 and "无权" in text(r), name


def test_unit_page_is_office_only_and_unknown_units_are_not_found(client, db):
    zjj = unit_id(db, "HY-ZJJ")
    as_user(client, db, "receiver")
    assert client.get(f"/analytics/units/{zjj}").status_code == 403
    as_user(client, db, "supervisor")
    assert client.get(f"/analytics/units/{zjj}").status_code == 200
    assert client.get("/analytics/units/999999").status_code == 404


@pytest.mark.parametrize(("query", "message"), [
    ("from=nonsense&to=2026-11-30", "日期格式有误"),
    ("from=2026-11-31&to=2026-12-01", "日期格式有误"),
    ("from=0001-01-01&to=0001-01-02", "年份须在2000至2100之间"),
    ("from=2026-12-01&to=2026-11-01", "开始日期不能晚于结束日期"),
    ("from=2024-01-01&to=2026-11-01", "统计期间最长366天"),
])
def test_a_bad_period_gets_a_chinese_message_never_a_500(client, db, query, message):
    as_user(client, db, "dispatcher")
    for url in ("/analytics/", "/analytics/findings", "/analytics/assessment", "/analytics/tickets",
                f"/analytics/units/{unit_id(db, 'HY-ZJJ')}"):
        r = client.get(f"{url}?{query}")
        assert r.status_code == 400 and message in text(r), url
        assert 'name="from"' in text(r)  # the form is there to correct it
    body = client.get(f"/analytics/data.json?{query}")
    assert body.status_code == 400 and message in body.get_json()["error"]["message"]


def test_other_bad_input_is_refused_in_chinese(client, db):
    as_user(client, db, "dispatcher")
    for url, message in (("/analytics/findings?n=1", "重复次数应为2至20之间的整数"),
                         ("/analytics/tickets?ids=1,x", "工单编号列表有误"),
                         ("/analytics/tickets?county=abc", "统计维度的取值有误"),
                         ("/analytics/tickets?status=archived", "未知的办理环节"),
                         ("/analytics/tickets?finding=nope&unit=1", "分析项目有误"),
                         (f"/analytics/units/{unit_id(db, 'HY-ZJJ')}?metric=nope", "未知指标")):
        r = client.get(url)
        assert r.status_code == 400 and message in text(r), url


def test_the_default_period_is_the_last_30_days(client, db, clock, data):
    clock.set("2026-11-25T10:00:00+08:00")
    as_user(client, db, "dispatcher")
    body = client.get("/analytics/data.json").get_json()
    assert body["period"] == {"from": "2026-10-27", "to": "2026-11-25"}
    assert body["total"] == 5 and len(body["trend"]) == 30  # October 20th lies outside


def test_the_dashboard_shows_the_figures_and_links_each_to_its_tickets(client, db, data):
    as_user(client, db, "city_leader")
    r = client.get(f"/analytics/?{PERIOD}")
    page = tree(r)
    assert page.get_element_by_id("kpi-total").text_content() == "5"
    channel = cells(page, "table-by_channel")
    assert channel["电话"][0] == "3" and channel["网站"][0] == "2"
    assert {k: v[0] for k, v in cells(page, "table-by_type").items()} == {"投诉": "3", "求助": "2"}
    assert cells(page, "table-by_category")["社会保障/欠薪讨薪"][0] == "2"
    units = cells(page, "table-by_unit")
    assert units[unit(db.session, "HY-ZJJ").name][0] == "2" and units["尚无承办单位"][0] == "3"
    trend = cells(page, "table-trend")
    assert trend["2026-11-24"][0] == "2" and trend["2026-11-22"] == ("0", None) and len(trend) == 30

    # Open work by stage and card colour: 办理中 on a yellow card, 待回访评价, and the three waiting for dispatch.
    open_rows = {tr.xpath("./th")[0].text_content(): [td.text_content().strip() for td in tr.xpath("./td")]
                 for tr in page.get_element_by_id("table-open").iterfind(".//tbody/tr")}
    assert open_rows["办理中"] == ["0", "0", "1", "0", "1"]  # 正常 预警 黄牌 红牌 合计
    assert open_rows["待回访评价"][-1] == "1"
    assert sum(int(v[-1]) for v in open_rows.values()) == 6  # the October ticket is open too: a snapshot

    # Each count opens the list of exactly its tickets.
    listed = tree(client.get(channel["电话"][1]))
    assert numbers(listed) == {data["numbers"][i] for i in data["phone"]}
    assert parse_qs(urlsplit(channel["电话"][1]).query) == {"channel": ["phone"], "from": ["2026-11-01"],
                                                           "to": ["2026-11-30"]}
    assert numbers(tree(client.get(units["尚无承办单位"][1]))) == {data["numbers"][i] for i in data["phone"][1:]} | {
        data["numbers"][data["web"][1]]}
    assert numbers(tree(client.get(trend["2026-11-24"][1]))) == {data["numbers"][i] for i in data["web"]}
    yellow = page.xpath("//table[@id='table-open']//tr[th='办理中']/td[3]/a/@href")[0]
    assert numbers(tree(client.get(yellow))) == {data["numbers"][data["phone"][0]]}

    # The chart data is embedded for the bundle (no inline script runs) and served as JSON too.
    body = client.get(f"/analytics/data.json?{PERIOD}").get_json()
    assert {c["id"] for c in body["charts"]} == {"trend", "by_channel", "by_type", "by_category", "by_county",
                                                 "by_unit", "open"}
    assert next(c for c in body["charts"] if c["id"] == "by_channel")["series"][0]["data"] == [3, 2]
    assert "onclick" not in text(r) and "<script>" not in text(r)


def test_findings_show_the_repeated_matter_masked_and_link_to_its_tickets(client, db, data):
    as_user(client, db, "supervisor")
    r = client.get(f"/analytics/findings?{PERIOD}")
    assert r.status_code == 200
    html = text(r)
    assert PHONE not in html and ADDRESS not in html and "1370000000" not in html
    page = tree(r)
    rows = page.xpath("//table[@id='repeat-table']/tbody/tr")
    found = {tr.xpath("./td")[0].text_content(): tr for tr in rows}
    assert set(found) == {"同一来电号码", "同一地址"}
    phone_row = found["同一来电号码"]
    assert phone_row.xpath("./td")[1].text_content() == "138****5678"
    link = phone_row.xpath(".//a/@href")[0]
    assert numbers(tree(client.get(link))) == {data["numbers"][i] for i in data["phone"]}
    # With N = 2 nothing else qualifies (each web ticket has its own phone, address and text).
    assert len(tree(client.get(f"/analytics/findings?{PERIOD}&n=2")).xpath("//table[@id='repeat-table']/tbody/tr")) == 2


def test_unit_page_drills_down_from_a_metric_to_its_tickets(client, db, data):
    zjj = unit_id(db, "HY-ZJJ")
    as_user(client, db, "reviewer")
    ranking = tree(client.get(f"/analytics/assessment?{PERIOD}"))
    assert ranking.xpath("//a[@href='/reports/']")
    unit_link = ranking.xpath(f"//table[@id='ranking']//a[text()='{unit(db.session, 'HY-ZJJ').name}']/@href")[0]
    assert urlsplit(unit_link).path == f"/analytics/units/{zjj}"

    page = tree(client.get(f"/analytics/units/{zjj}?{PERIOD}&metric=sign_rate"))
    metrics = {tr.xpath("./th")[0].text_content(): [td.text_content().strip() for td in tr.xpath("./td")]
               for tr in page.get_element_by_id("unit-metrics").iterfind(".//tbody/tr")}
    assert metrics["签收及时率"][:3] == ["100.0%", "2", "2"]
    assert metrics["按时办结率"][:3] == ["100.0%", "1", "1"]
    assert metrics["满意率"][0] == "—"
    signed = {data["numbers"][data["phone"][0]], data["numbers"][data["web"][0]]}
    assert numbers(page.get_element_by_id("drill-1")) == signed
    assert numbers(page.get_element_by_id("drill-2")) == signed


def test_findings_over_a_long_period_leave_out_only_the_repeated_matters(client, db, data):
    as_user(client, db, "supervisor")
    page = tree(client.get("/analytics/findings?from=2026-08-01&to=2026-11-30"))
    assert "最长 92 天" in page.get_element_by_id("repeat-too-long").text_content()
    assert page.get_element_by_id("hot-category") is not None and page.get_element_by_id("units-returns") is not None


def test_a_ticket_at_a_county_office_is_not_called_undispatched_by_unit(client, db, clock, tickets):
    # Sent to 源城区 for its own dispatch: 按区县 counts it under 源城区; 按承办单位 has no unit for it yet, and says
    # so without calling it 未派单 (the 按区县 table's name for tickets nobody has dispatched).
    clock.set("2026-11-24T10:00:00+08:00")
    waiting = tickets.new(content="源城区某小区电梯停运一周无人维修。")
    clock.set("2026-11-24T11:00:00+08:00")
    tickets.act("dispatcher", waiting, "dispatch", via_county=unit_id(db, "YC-OFFICE"))
    as_user(client, db, "city_leader")
    page = tree(client.get(f"/analytics/?{PERIOD}"))
    by_county, by_unit = cells(page, "table-by_county"), cells(page, "table-by_unit")
    assert "未派单" not in by_county and by_county["源城区"][0] == "1"
    assert "未派单" not in by_unit and by_unit["尚无承办单位"][0] == "1"
    listed = tree(client.get(by_unit["尚无承办单位"][1]))
    assert numbers(listed) == {db.session.get(Ticket, waiting.id).number}
    assert "尚无承办单位" in listed.text_content()


def test_open_work_counts_a_merged_call_with_its_main_ticket(client, db, clock, data):
    # Two of the phone calls are one matter: merged, the second is handled with the first (已并单) and, as in the
    # assessment and 并单统计, the open work counts the matter once and names the merged call apart.
    main, child = data["phone"][1], data["phone"][2]
    with transaction(db.session):
        merge(db.session, user(db.session, "dispatcher"), main, [child], "同一工地夜间施工，同一事项", clock())
    as_user(client, db, "city_leader")
    page = tree(client.get(f"/analytics/?{PERIOD}"))
    assert page.get_element_by_id("kpi-open").text_content() == "5"
    assert "另有1件来电已并入主单" in page.xpath("//a[strong[@id='kpi-open']]")[0].text_content()
    open_rows = {tr.xpath("./th")[0].text_content(): [td.text_content().strip() for td in tr.xpath("./td")]
                 for tr in page.get_element_by_id("table-open").iterfind(".//tbody/tr")}
    assert "已并单（随主单办理）" not in open_rows and sum(int(v[-1]) for v in open_rows.values()) == 5
    listed = tree(client.get(page.xpath("//a[strong[@id='kpi-open']]/@href")[0]))
    assert data["numbers"][child] not in numbers(listed) and data["numbers"][main] in numbers(listed)
    note = page.get_element_by_id("open-merged")
    assert "另有 1 件来电已并入主单" in note.text_content()
    assert numbers(tree(client.get(note.xpath(".//a/@href")[0]))) == {data["numbers"][child]}
