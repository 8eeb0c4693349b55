"""The phone rule (engine/domain/phones.py) on every door a citizen's number comes in by: the agent's intake page,
the public submit page and the JSON API. A wrong-length mobile gets a clear Chinese message and nothing is saved;
a good number is stored in one form, however it was typed, so SMS reach it and same-caller matching finds it."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.models import ApiClient, Ticket
from tests.support.helpers import CITIZEN
from tests.support.pages import INTAKE, count, last_ticket, login, post, text
from web.security import hash_token


def test_agent_intake_page_refuses_a_short_mobile_and_keeps_what_was_typed(client, db):
    login(client, "agent")
    before = count(db, Ticket)
    r = post(client, "/intake", {**INTAKE, "citizen_phone": "138 0000 123", "op": "submit"})
    page = text(r)
    assert r.status_code == 400 and "手机号码应为11位数字，您填写了10位" in page
    assert 'value="138 0000 123"' in page and INTAKE["content"] in page
    assert count(db, Ticket) == before
    r = post(client, "/intake", {**INTAKE, "citizen_phone": "12800001234", "op": "submit"})
    assert r.status_code == 400 and "手机号码应以13至19开头" in text(r)
    r = post(client, "/intake", {**INTAKE, "citizen_phone": "3388123", "op": "submit"})
    assert r.status_code == 400 and "固定电话须带区号，如0762-3388123" in text(r)
    assert count(db, Ticket) == before


@pytest.mark.parametrize("typed, stored", [("+86 138 0000 1234", "13800001234"), ("0762 3388123", "0762-3388123"),
                                           ("12345", "12345")])
def test_agent_intake_page_stores_the_normalised_number(client, db, typed, stored):
    login(client, "agent")
    r = post(client, "/intake", {**INTAKE, "citizen_phone": typed, "op": "submit"})
    assert r.status_code == 302, text(r)[:1500]
    assert last_ticket(db).citizen_phone == stored


def test_the_same_caller_is_found_however_the_number_is_written(client, db, tickets):
    earlier = tickets.new(citizen_phone="13800001234")
    login(client, "agent")
    r = post(client, "/intake", {**INTAKE, "citizen_phone": "+86 138-0000-1234", "op": "panels"})
    assert earlier.number in text(r) and "同一来电" in text(r)


def test_public_submit_page_refuses_a_long_mobile_and_accepts_a_landline(client, db):
    before = count(db, Ticket)
    data = {"citizen_name": "李四", "ticket_type": "help", "address": "源城区", "content": "路灯不亮"}
    r = post(client, "/public/submit", {**data, "citizen_phone": "139000022221"})
    assert r.status_code == 400 and "手机号码应为11位数字，您填写了12位" in text(r)
    assert count(db, Ticket) == before
    r = post(client, "/public/submit", {**data, "citizen_phone": "（0762）3388123"})
    assert r.status_code == 302
    assert last_ticket(db).citizen_phone == "0762-3388123"


def api_login(client, username: str) -> dict:
    r = client.post("/api/v1/session", json={"username": username, "password": "demo12345"})
    return {"Authorization": f"Bearer {r.json['token']}"}


@pytest.fixture
def channel(db, clock):
    token = "c.phone-test-token"
    if db.session.scalar(select(ApiClient).where(ApiClient.name == "phone-test")) is None:
        db.session.add(ApiClient(name="phone-test", channel="app", token_hash=hash_token(token), created_at=clock()))
        db.session.commit()
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("who", ["agent", "channel"])
def test_the_api_refuses_a_wrong_mobile_in_chinese_and_normalises_a_good_one(client, db, channel, who):
    headers = channel if who == "channel" else api_login(client, "agent")
    before = count(db, Ticket)
    r = client.post("/api/v1/tickets", json={**CITIZEN, "citizen_phone": "1380000123"}, headers=headers)
    assert r.status_code == 400 and r.json["error"]["code"] == "invalid"
    assert r.json["error"]["fields"] == {"citizen_phone": "手机号码应为11位数字，您填写了10位"}
    r = client.post("/api/v1/tickets", json={**CITIZEN, "citizen_phone": 13800001234}, headers=headers)
    assert r.status_code == 400 and r.json["error"]["fields"]["citizen_phone"] == "联系电话应为文本"
    assert count(db, Ticket) == before
    r = client.post("/api/v1/tickets", json={**CITIZEN, "citizen_phone": "+86 138 0000 1234"}, headers=headers)
    assert r.status_code == 201
    assert db.session.get(Ticket, r.json["ticket"]["id"]).citizen_phone == "13800001234"


def test_a_staff_phone_for_sms_notices_must_be_a_mobile(client, db):
    from engine.models import User
    from tests.support.pages import unit_id

    login(client, "admin")
    form = {"username": "phoneclerk1", "display_name": "新受理人", "role": "receiver",
            "unit_id": str(unit_id(db, "HY-ZJJ")), "password": "longenough1", "confirm": "longenough1"}
    try:
        r = post(client, "/admin/users/new", {**form, "phone": "0762-3388123"})
        assert r.status_code == 400 and "请填写11位手机号码（用于接收短信提醒）" in text(r)
        r = post(client, "/admin/users/new", {**form, "phone": "1390000"})
        assert r.status_code == 400 and "手机号码应为11位数字，您填写了7位" in text(r)
        r = post(client, "/admin/users/new", {**form, "phone": "+86 139 0000 5678"})
        assert r.status_code == 302
        assert db.session.scalar(select(User.phone).where(User.username == "phoneclerk1")) == "13900005678"
    finally:
        db.session.rollback()
        db.session.execute(User.__table__.delete().where(User.username == "phoneclerk1"))
        db.session.commit()
