"""The 系统管理员 switches accounts off and on, resets passwords and revokes channel clients, all from the pages;
what the person or the channel then gets at their own door (the page, the JSON API, Open311)."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from engine.models import ApiClient, AuditLog, User
from tests.support.helpers import CITIZEN
from tests.support.pages import PASSWORD, Client, login, post, text

LEAVER = "leaver"


@pytest.fixture
def leaver(db, clock):
    """A 派单员 who is about to leave, signed in on their own browser and holding an API token."""
    from web.security import hash_password

    db.session.add(User(username=LEAVER, password_hash=hash_password(PASSWORD), display_name="离职测试",
                        role="dispatcher", unit_id=None, created_at=clock()))
    db.session.commit()
    yield
    db.session.rollback()
    db.session.execute(User.__table__.delete().where(User.username == LEAVER))
    db.session.commit()


@pytest.fixture
def theirs(app, leaver):
    """The leaver's own browser, signed in, and their API token."""
    browser = Client(app, app.response_class)
    login(browser, LEAVER)
    assert browser.get("/tasks").status_code == 200
    r = browser.post("/api/v1/session", json={"username": LEAVER, "password": PASSWORD})
    assert r.status_code == 200
    headers = {"Authorization": f"Bearer {r.json['token']}"}
    assert browser.get("/api/v1/tasks", headers=headers).status_code == 200
    return browser, headers


def signed_out(browser) -> bool:
    r = browser.get("/tasks")
    return r.status_code == 302 and "/login" in r.headers["Location"]


def audit(db, action: str) -> list[AuditLog]:
    db.session.rollback()
    return db.session.scalars(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)).all()


def test_deactivating_signs_the_user_out_everywhere_and_reactivating_lets_them_back(client, db, theirs):
    browser, headers = theirs
    login(client, "admin")
    page = text(client.get("/admin/users"))
    assert "停用" in page and "重置密码" in page and "接口客户端" in page
    confirm = client.get(f"/admin/users/{LEAVER}/deactivate")
    assert confirm.status_code == 200 and "确定停用用户" in text(confirm) and "离职测试" in text(confirm)

    r = post(client, f"/admin/users/{LEAVER}/deactivate")
    assert r.status_code == 302
    listing = text(client.get(r.headers["Location"]))
    assert f"用户 {LEAVER} 已停用" in listing

    assert signed_out(browser)
    assert browser.get("/api/v1/tasks", headers=headers).status_code == 401
    refused = post(browser, "/login", {"username": LEAVER, "password": PASSWORD})
    assert refused.status_code == 401 and "用户名或密码错误" in text(refused)
    [row] = audit(db, "user_deactivate")
    assert row.detail["username"] == LEAVER and "系统管理员" in row.actor_label and row.at is not None

    r = post(client, f"/admin/users/{LEAVER}/activate", get_url="/admin/users")
    assert r.status_code == 302 and f"用户 {LEAVER} 已启用" in text(client.get(r.headers["Location"]))
    login(browser, LEAVER)
    assert browser.get("/tasks").status_code == 200
    assert browser.get("/api/v1/tasks", headers=headers).status_code == 401  # the old token stays void
    assert [a.detail["username"] for a in audit(db, "user_activate")] == [LEAVER]


def test_resetting_a_password_voids_the_old_one_and_every_session(client, db, theirs):
    browser, headers = theirs
    login(client, "admin")
    page = client.get(f"/admin/users/{LEAVER}/password")
    assert page.status_code == 200 and "重置密码" in text(page)
    short = post(client, f"/admin/users/{LEAVER}/password", {"password": "short", "confirm": "short"})
    assert short.status_code == 400 and "密码长度须为8至128位" in text(short)
    other = post(client, f"/admin/users/{LEAVER}/password", {"password": "new-pass-2026", "confirm": "different1"})
    assert other.status_code == 400 and "两次输入的密码不一致" in text(other)

    r = post(client, f"/admin/users/{LEAVER}/password", {"password": "new-pass-2026", "confirm": "new-pass-2026"})
    assert r.status_code == 302 and "的密码已重置" in text(client.get(r.headers["Location"]))
    assert signed_out(browser)
    assert browser.get("/api/v1/tasks", headers=headers).status_code == 401
    assert post(browser, "/login", {"username": LEAVER, "password": PASSWORD}).status_code == 401
    assert post(browser, "/login", {"username": LEAVER, "password": "new-pass-2026"}).status_code == 302
    assert browser.get("/tasks").status_code == 200
    [row] = audit(db, "user_password_reset")
    assert row.detail["username"] == LEAVER and "new-pass-2026" not in str(row.detail)


def test_an_administrator_cannot_deactivate_themselves(client, db):
    login(client, "admin")
    row = re.search(r"<tr><td data-label=\"用户名\">admin</td>.*?</tr>", text(client.get("/admin/users")), re.S)
    assert row and "/admin/users/admin/deactivate" not in row.group(0) and "（本人）" in row.group(0)
    r = post(client, "/admin/users/admin/deactivate", get_url="/admin/users")
    assert r.status_code == 302 and "不能停用自己的账号" in text(client.get(r.headers["Location"]))
    db.session.rollback()
    assert db.session.scalar(select(User.active).where(User.username == "admin")) is True
    assert client.get("/admin/users").status_code == 200  # still signed in
    assert audit(db, "user_deactivate") == []


def test_unknown_user_is_not_found_in_chinese(client, db):
    login(client, "admin")
    r = client.get("/admin/users/nobody-here/password")
    assert r.status_code == 404 and "用户不存在" in text(r)


CLIENT = "测试渠道客户端"


@pytest.fixture
def cleanup_client(db):
    yield
    db.session.rollback()
    db.session.execute(ApiClient.__table__.delete().where(ApiClient.name == CLIENT))
    db.session.commit()


def test_a_channel_client_is_created_shown_once_and_revoked_at_once(client, db, cleanup_client):
    login(client, "admin")
    assert "接口客户端" in text(client.get("/tasks"))  # in the menu
    r = post(client, "/admin/api-clients/new", {"name": CLIENT, "channel": "open311"})
    assert r.status_code == 200 and "只显示这一次" in text(r) and r.headers["Cache-Control"] == "no-store"
    token = re.search(r'<code id="token">([^<]+)</code>', text(r)).group(1)
    again = post(client, "/admin/api-clients/new", {"name": CLIENT, "channel": "wechat"})
    assert again.status_code == 400 and "已被使用" in text(again)

    listing = text(client.get("/admin/api-clients"))
    assert CLIENT in listing and "开放接口" in listing and "正常" in listing and token not in listing
    db.session.rollback()
    stored = db.session.scalar(select(ApiClient).where(ApiClient.name == CLIENT))
    assert stored.token_hash != token and token not in stored.token_hash

    # Its calls are taken while it is active: Open311 gets past the key to the service check, the API to the body.
    caller = Client(client.application, client.application.response_class)
    open311 = {"api_key": token, "service_code": "nope"}
    assert caller.post("/open311/v2/requests.json", data=open311).status_code == 404  # key taken, no such service
    api = {"Authorization": f"Bearer {token}"}
    filed = caller.post("/api/v1/tickets", json={**CITIZEN, "channel": "open311"}, headers=api)
    assert filed.status_code in (200, 201), filed.json

    confirm = client.get("/admin/api-clients/revoke", query_string={"name": CLIENT})
    assert confirm.status_code == 200 and "确定吊销接口客户端" in text(confirm)
    r = post(client, "/admin/api-clients/revoke", {"name": CLIENT}, get_url="/admin/api-clients")
    assert r.status_code == 302 and "已吊销" in text(client.get(r.headers["Location"]))
    gone = caller.post("/api/v1/tickets", json={**CITIZEN, "channel": "open311"}, headers=api)
    assert gone.status_code == 401 and gone.json["error"]["message"] == "访问令牌无效"
    refused = caller.post("/open311/v2/requests.json", data=open311)
    assert refused.status_code == 403 and "api_key" in text(refused)  # GeoReport's answer to a bad key
    assert "已吊销" in text(client.get("/admin/api-clients"))
    assert [a.detail["name"] for a in audit(db, "api_client_create")] == [CLIENT]
    assert [a.detail["name"] for a in audit(db, "api_client_revoke")] == [CLIENT]


def test_the_cli_client_is_listed_and_audited(app, client, db, cleanup_client):
    result = app.test_cli_runner().invoke(args=["create-api-client", CLIENT, "--channel", "wechat"])
    assert result.exit_code == 0 and result.output.startswith("c.")
    login(client, "admin")
    listing = text(client.get("/admin/api-clients"))
    assert CLIENT in listing and "微信" in listing and result.output.strip() not in listing
    [row] = audit(db, "api_client_create")
    assert row.actor_label == "命令行"
    again = app.test_cli_runner().invoke(args=["create-api-client", CLIENT, "--channel", "wechat"])
    assert again.exit_code == 1 and "已被使用" in again.output


ROUTES = [("get", "/admin/users/agent/deactivate"), ("post", "/admin/users/agent/deactivate"),
          ("post", "/admin/users/agent/activate"), ("get", "/admin/users/agent/password"),
          ("post", "/admin/users/agent/password"), ("get", "/admin/api-clients"),
          ("get", "/admin/api-clients/new"), ("post", "/admin/api-clients/new"),
          ("get", "/admin/api-clients/revoke?name=x"), ("post", "/admin/api-clients/revoke")]


@pytest.mark.parametrize("username", ["dispatcher", "supervisor", "process_owner"])
def test_nobody_but_the_administrator_reaches_these_pages(client, db, username):
    login(client, username)
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', text(client.get("/account/password"))).group(1)
    for method, url in ROUTES:
        r = getattr(client, method)(url, data={"csrf_token": csrf, "name": "x", "password": "whatever-123",
                                               "confirm": "whatever-123"} if method == "post" else None)
        assert r.status_code in (403, 404), (method, url, r.status_code)
    db.session.rollback()
    assert db.session.scalar(select(User.active).where(User.username == "agent")) is True
    assert audit(db, "user_deactivate") == [] and audit(db, "user_password_reset") == []


def test_signed_out_visitors_are_sent_to_sign_in(client, db):
    for method, url in ROUTES:
        r = getattr(client, method)(url)
        assert r.status_code in (302, 400, 403), (method, url, r.status_code)
        if r.status_code == 302:
            assert "/login" in r.headers["Location"]
