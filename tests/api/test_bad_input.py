"""Issue 16 item 4: input of the wrong shape gets a Chinese 400 naming the field, never a 500, and changes nothing.

Each reproduction from the issue is sent as a client would send it, raw bytes included; the same class is then
checked on every JSON endpoint and on the HTML pages.
"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine.common import form_keys
from engine.models import AuditLog, Ticket
from tests.support.helpers import CITIZEN
from tests.support.pages import login as page_login
from tests.support.pages import post, text

from .test_api import do, login, unit_id

JSON = {"Content-Type": "application/json"}
DEEP = "[" * 100_000 + "]" * 100_000
ENDPOINTS = ["/api/v1/session", "/api/v1/tickets", "/api/v1/progress", "/api/v1/progress/evaluate",
             "/api/v1/tickets/1/tasks/dispatch"]


def tickets(db) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Ticket))


def fields(r) -> dict:
    assert r.status_code == 400, (r.status_code, r.get_data(as_text=True)[:300])
    assert r.json["error"]["message"]  # Chinese for the user
    return r.json["error"].get("fields") or {}


def test_wrong_json_types_from_the_issue_get_400_per_field(client, db):
    assert fields(client.post("/api/v1/session", json={"username": [None], "password": "x"})) == {
        "username": "用户名应为文本"}
    for url in ("/api/v1/progress", "/api/v1/progress/evaluate"):
        got = fields(client.post(url, json={"number": [None], "code": ""}))
        assert got == {"number": "工单编号应为文本", "code": "请填写查询码"}
    agent = login(client, "agent")
    before = tickets(db)
    got = fields(client.post("/api/v1/tickets", json={**CITIZEN, "ticket_type": {}}, headers=agent))
    assert got["ticket_type"].startswith("诉求类型的取值不正确，可选：")
    got = fields(client.post("/api/v1/tickets", json={**CITIZEN, "ticket_type": "complaint", "channel": []},
                             headers=agent))
    assert got["channel"].startswith("渠道的取值不正确")
    assert fields(client.post("/api/v1/tickets", json={**CITIZEN, "ticket_type": "complaint", "colour": "red"},
                              headers=agent)) == {"colour": "不支持该字段，请对照接口文档"}
    assert tickets(db) == before


@pytest.mark.parametrize("url", ENDPOINTS)
def test_deeply_nested_json_is_refused_on_every_json_endpoint(client, db, url):
    r = client.post(url, data=DEEP, headers={**JSON, **login(client, "dispatcher")})
    assert r.status_code == 400 and r.json["error"]["message"] == "请求体嵌套层数过多"
    shallow_but_deep = "{\"a\":" * 40 + "1" + "}" * 40  # parses, but deeper than any body we take
    r = client.post(url, data=shallow_but_deep, headers={**JSON, **login(client, "dispatcher")})
    assert r.status_code == 400 and "嵌套过深" in r.json["error"]["message"]


@pytest.mark.parametrize("args, field, message", [
    ("limit=abc", "limit", "每页条数应为整数"), ("limit=1e3", "limit", "每页条数应为整数"),
    ("limit=-1", "limit", "每页条数超出允许的范围"), ("offset=abc", "offset", "起始位置应为整数"),
    ("offset=-1", "offset", "起始位置超出允许的范围"),
    ("offset=99999999999999999999", "offset", "起始位置超出允许的范围")])
def test_bad_paging_of_the_worklist_is_400(client, db, args, field, message):
    r = client.get(f"/api/v1/tasks?{args}", headers=login(client, "dispatcher"))
    assert fields(r) == {field: message}
    assert client.get("/api/v1/tasks?limit=500&offset=0", headers=login(client, "dispatcher")).status_code == 200


@pytest.mark.parametrize("url, body", [
    ("/api/v1/session", '{"username": "\\ud800", "password": "x"}'),
    ("/api/v1/progress", '{"number": "HL2026\\udfff", "code": "123456"}'),
    ("/api/v1/tickets", '{"citizen_name": "\\ud83d", "citizen_phone": "13800001234", "content": "x",'
                        ' "ticket_type": "consult"}'),
    ("/api/v1/session", '{"username": "agent\\u0000", "password": "x"}'),
    ("/api/v1/progress", '{"number": "HL\\u0000", "code": "123456"}'),
    ("/api/v1/tickets", '{"\\u0000": 1}')])
def test_lone_surrogates_and_nul_bytes_are_refused_before_any_database(client, db, url, body):
    before = tickets(db)
    r = client.post(url, data=body.encode(), headers={**JSON, **login(client, "agent")})
    got = fields(r)
    assert any("不允许的字符" in m for m in got.values()), got
    assert tickets(db) == before


def test_every_form_key_has_a_declared_body_in_the_document(client, app):
    from web.api.schemas import TASK_BODIES

    assert form_keys() | {""} == set(TASK_BODIES)
    doc = client.get("/api/v1/openapi.json").json
    body = doc["paths"]["/api/v1/tickets/{ticket_id}/tasks/{task_ref}"]["post"]["requestBody"]
    names = {ref["$ref"].rsplit("/", 1)[1] for ref in body["content"]["application/json"]["schema"]["anyOf"]}
    assert names == {m.__name__ for m in TASK_BODIES.values()} and names <= set(doc["components"]["schemas"])


@pytest.mark.parametrize("task, body, field, message", [
    ("dispatch", {"lead_unit": "1"}, "lead_unit", "主办单位应为整数"),
    ("dispatch", {"lead_unit": 1, "co_units": [0]}, "co_units", "协办单位超出允许的范围"),
    ("dispatch", {"lead_unit": True}, "lead_unit", "主办单位应为整数"),
    ("dispatch", {"action": "both"}, "action", "派单方式的取值不正确，可选：'dispatch' or 'joint_review'"),
    ("dispatch", {"sign_decision": "sign"}, "sign_decision", "不支持该字段，请对照接口文档")])
def test_a_task_body_is_checked_against_its_form_key_before_the_service(client, db, task, body, field, message):
    agent, dispatcher = login(client, "agent"), login(client, "dispatcher")
    tid = client.post("/api/v1/tickets", json={**CITIZEN, "scope": "accept"}, headers=agent).json["ticket"]["id"]
    audits = db.session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.ticket_id == tid))
    assert fields(client.post(f"/api/v1/tickets/{tid}/tasks/{task}", json=body, headers=dispatcher)) == {
        field: message}
    db.session.rollback()
    assert db.session.get(Ticket, tid).status == "dispatching"
    assert db.session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.ticket_id == tid)) == audits


def test_extension_days_beyond_any_number_is_400_not_500(client, db):
    agent, dispatcher = login(client, "agent"), login(client, "dispatcher")
    tid = client.post("/api/v1/tickets", json={**CITIZEN, "scope": "accept"}, headers=agent).json["ticket"]["id"]
    do(client, dispatcher, tid, "dispatch", lead_unit=unit_id(db, "HY-ZJJ"))
    do(client, login(client, "receiver"), tid, "sign", decision="sign")
    handler = {**JSON, **login(client, "handler")}
    for raw in ('{"action": "extension", "days": 1e999, "reason": "x"}',
                '{"action": "extension", "days": NaN, "reason": "x"}',
                '{"action": "extension", "days": 99999999999999999999999, "reason": "x"}'):
        got = fields(client.post(f"/api/v1/tickets/{tid}/tasks/reply", data=raw, headers=handler))
        assert set(got) == {"days"}


# -- the HTML pages: the same class closed ----------------------------------------------------------------------

def test_pages_refuse_nul_in_form_fields_and_drop_it_from_query_strings(client, db):
    r = post(client, "/login", {"username": "agent\x00", "password": "demo12345"})
    assert r.status_code == 400 and "含有不允许的字符" in text(r)
    page_login(client, "agent")
    r = client.get("/tickets?number=HL%00&status=%00")
    assert r.status_code == 200 and "\x00" not in text(r)
    assert client.get("/api/v1/kb?q=%00社保", headers=login(client, "agent")).status_code == 200


def test_pages_read_huge_page_numbers_as_the_first_page(client, db):
    page_login(client, "dispatcher")
    for url in ("/documents?page=99999999999999999999", "/tickets?page=99999999999999999999",
                "/kb?page=-99999999999999999999999"):
        r = client.get(url)
        assert r.status_code == 200, url


def test_undecodable_form_bytes_do_not_break_sign_in(client, db):
    """A browser cannot send a lone surrogate in a form: the bytes of one (ED A0 80) are not UTF-8 and arrive as
    U+FFFD; the answer is the ordinary wrong-password message."""
    from tests.support.pages import token

    body = f"csrf_token={token(client, '/login')}&username=ag%ED%A0%80ent&password=x"
    r = client.post("/login", data=body, content_type="application/x-www-form-urlencoded")
    assert r.status_code == 401 and "用户名或密码错误" in text(r)
