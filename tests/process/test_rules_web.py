"""Time-limit rule sets in the process area: a new version from the table form or from JSON is stored, becomes
active and is used by new tickets (old ones keep theirs); mistakes are refused in Chinese naming the field path;
an older version can be made active again."""
from __future__ import annotations

import json
import re
from datetime import datetime

from sqlalchemy import func, select

from engine.common.context import calendar
from engine.common.db import transaction
from engine.domain.timelimits import RuleSet as Rules
from engine.domain.timelimits import handling_clock
from engine.models import ProcessVersion, RuleSet, Ticket
from engine.tickets.lifecycle import complete_task, register
from tests.support.helpers import CITIZEN, unit, user

from .conftest import post, text

NOW = datetime.fromisoformat("2026-11-25T10:00:00+08:00")


def signed_ticket(db) -> Ticket:
    with transaction(db.session):
        t, _, _ = register(db.session, user(db.session, "agent"), {**CITIZEN, "scope": "accept"}, NOW)
    with transaction(db.session):
        complete_task(db.session, user(db.session, "dispatcher"), t.id, "dispatch",
                      {"lead_unit": unit(db.session, "HY-ZJJ").id}, NOW)
    with transaction(db.session):
        complete_task(db.session, user(db.session, "receiver"), t.id, "sign", {"decision": "sign"}, NOW)
    db.session.expire_all()
    return db.session.get(Ticket, t.id)


def table_form(client) -> dict[str, str]:
    page = text(client.get("/process/rules/new"))
    return dict(re.findall(r'name="((?:types|acceptance)[\w.]*|[a-z_]+)" value="(\d+)"', page))


def active_rules(db) -> RuleSet:
    db.session.expire_all()
    return db.session.scalar(select(RuleSet).where(RuleSet.active.is_(True)))


def count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(RuleSet))


def test_a_new_version_from_the_table_is_used_by_new_tickets(owner, db, restore_rules):
    old = signed_ticket(db)
    form = table_form(owner)
    assert form["types.complaint.limit"] == str(restore_rules.data["types"]["complaint"]["limit"])
    assert len(form) == 6 * 5 + 3 + 7
    form.update({"types.complaint.limit": "12", "types.complaint.warning_after": "11",
                 "types.complaint.yellow_after": "12", "types.complaint.red_after": "13",
                 "types.complaint.max_extension": "12", "note": "投诉类办理时限调整为12个工作日"})
    r = post(owner, "/process/rules/new", form, get_url="/process/rules/new")
    assert r.status_code == 302, text(r)[:800]
    row = active_rules(db)
    assert r.headers["Location"].endswith(f"/process/rules/{row.version}")
    assert row.id != restore_rules.id and row.data["types"]["complaint"]["limit"] == 12
    assert (row.author, row.note) == ("叶振华", "投诉类办理时限调整为12个工作日")

    new = signed_ticket(db)
    assert new.rule_set_id == row.id and old.rule_set_id == restore_rules.id
    cal = calendar(db.session, force=True)
    expected = handling_clock(cal, Rules.from_dict(row.data), "complaint", NOW).due
    assert new.handling_due == expected
    assert old.handling_due == handling_clock(cal, Rules.from_dict(restore_rules.data), "complaint", NOW).due
    assert new.handling_due > old.handling_due

    listing = text(owner.get("/process/rules"))
    assert f'data-version="{row.version}"' in listing and "当前规则" in listing
    shown = text(owner.get(f"/process/rules/{row.version}"))
    assert "投诉类办理时限调整为12个工作日" in shown and "&#34;limit&#34;: 12" in shown

    r = post(owner, f"/process/rules/{restore_rules.version}/activate", get_url="/process/rules")
    assert r.status_code == 302 and active_rules(db).id == restore_rules.id
    assert signed_ticket(db).rule_set_id == restore_rules.id


def test_table_mistakes_are_refused_in_chinese_with_the_field_path(owner, db, restore_rules):
    before = count(db)
    form = table_form(owner)
    r = post(owner, "/process/rules/new", {**form, "types.complaint.limit": "十"}, get_url="/process/rules/new")
    assert r.status_code == 400 and "「投诉·办理时限」（types.complaint.limit）须填写整数个工作日" in text(r)
    assert 'name="types.complaint.limit" value="十"' in text(r) and 'aria-invalid="true"' in text(r)
    late_warning = {"types.complaint.warning_after": "10", "types.complaint.yellow_after": "11",
                    "types.complaint.red_after": "12"}
    r = post(owner, "/process/rules/new", {**form, **late_warning}, get_url="/process/rules/new")
    assert r.status_code == 400 and "「投诉」（types.complaint）的预警须早于办理时限" in text(r)
    r = post(owner, "/process/rules/new", {**form, "acceptance.red_after": "2"}, get_url="/process/rules/new")
    assert r.status_code == 400 and "「签收监控」（acceptance）的预警、黄牌、红牌天数须依次递增" in text(r)
    r = post(owner, "/process/rules/new", {**form, "return_window": "400"}, get_url="/process/rules/new")
    assert r.status_code == 400 and "「签收退回期限」（return_window）须在 1 至 366 个工作日之间，当前为 400" in text(r)
    r = post(owner, "/process/rules/new", form, get_url="/process/rules/new")
    assert r.status_code == 400 and "无需保存新版本" in text(r)
    assert count(db) == before and active_rules(db).id == restore_rules.id


def test_json_editing_with_chinese_errors(owner, db, restore_rules):
    before = count(db)
    data = dict(restore_rules.data)
    url = "/process/rules/new?mode=json"
    page = text(owner.get(url))
    assert 'name="data"' in page and "&#34;schema&#34;: 1" in page

    r = post(owner, url, {"data": "{\n  \"schema\": 1,\n}"}, get_url=url)
    assert r.status_code == 400 and "JSON 格式错误：第 3 行第 1 列，属性名须用双引号括起来" in text(r)
    for bad, said in [("{\"schema\": 1 \"dispatch\": 2}", "第 1 行第 14 列，缺少逗号"),
                      ("{\"schema\" 1}", "第 1 行第 11 列，缺少冒号"),
                      ("{\"schema\": }", "第 1 行第 12 列，缺少值"),
                      ("{}\n{}", "第 2 行第 1 列，多余的内容"),
                      ("{\"schema", "第 1 行第 2 列，字符串未结束"),
                      ("{\"sch\tema\": 1}", "第 1 行第 6 列，含有无效的控制字符"),
                      ("{\"sch\\qema\": 1}", "第 1 行第 6 列，含有无效的转义字符")]:
        r = post(owner, url, {"data": bad}, get_url=url)
        shown = re.search(r"JSON 格式错误：[^<]*", text(r)).group(0).strip()
        assert r.status_code == 400 and shown == f"JSON 格式错误：{said}", shown
    missing = {k: v for k, v in data.items() if k != "dispatch"}
    r = post(owner, url, {"data": json.dumps(missing)}, get_url=url)
    assert r.status_code == 400 and "「规则」" not in text(r) and "规则缺少字段：dispatch" in text(r)
    bad_type = {**data, "types": {**data["types"], "help": {**data["types"]["help"], "max_extension": 9}}}
    r = post(owner, url, {"data": json.dumps(bad_type)}, get_url=url)
    assert r.status_code == 400 and "「求助·最长延期」（types.help.max_extension）不得超过该类型的办理时限 3 个工作日" in text(r)
    r = post(owner, url, {"data": json.dumps({**data, "dispatch_several_units": 0})}, get_url=url)
    assert r.status_code == 400 and "（dispatch_several_units）须在 1 至 366 个工作日之间" in text(r)
    assert count(db) == before

    ok = {**data, "evaluation_window": data["evaluation_window"] + 1}
    r = post(owner, url, {"data": json.dumps(ok), "note": "回访期限延长一天"}, get_url=url)
    assert r.status_code == 302
    assert active_rules(db).data["evaluation_window"] == data["evaluation_window"] + 1


def test_versions_the_installation_shipped_name_their_author_in_chinese(owner, db):
    """The seeded diagram versions and rule set read 系统（随安装包提供）, never the internal "system"."""
    for url in ("/process/", "/process/rules", "/process/?process=supervision"):
        page = text(owner.get(url))
        cells = re.findall(r"<td>([^<]*)</td>", page)
        assert "系统（随安装包提供）" in cells and "system" not in cells, (url, cells)
    pv = db.session.scalar(select(ProcessVersion).where(ProcessVersion.author == "system").limit(1))
    page = text(owner.get(f"/process/versions/{pv.version}?process={pv.process_id}"))
    assert "<dt>作者</dt><dd>系统（随安装包提供）</dd>" in page
    rules = db.session.scalar(select(RuleSet).where(RuleSet.author == "system").limit(1))
    assert "<dt>作者</dt><dd>系统（随安装包提供）</dd>" in text(owner.get(f"/process/rules/{rules.version}"))
