"""Issue 16 items 1, 2 and 6: no forgeable key, no open redirect, attempt limits every worker shares, tokens revoked.

Each reproduction of the issue is sent through the login form or the JSON API as a browser or client would.
"""
from __future__ import annotations

import os
import stat
import threading

import pytest
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select

from engine.models import User
from tests.support.pages import Client, login, post, text
from web.secret import InsecureSecretKey

OLD_DEFAULT = "dev-only-change-me"


def uid(db, username: str) -> int:
    return db.session.scalar(select(User.id).where(User.username == username))


def other_app(database_url, clock, **config):
    """A second app on the same database: another worker, or the same one after a restart."""
    from web import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": database_url, "CLOCK": clock, "SCHEDULER_ENABLED": False,
                       "TESTING": True, **config})


# -- item 1: the signing key --------------------------------------------------------------------------------------

def test_a_token_forged_with_the_old_default_key_gets_401(client, db):
    forged = URLSafeTimedSerializer(OLD_DEFAULT, salt="hotline-api-user").dumps({"uid": uid(db, "admin"), "gen": 0})
    r = client.get("/api/v1/units", headers={"Authorization": f"Bearer u.{forged}"})
    assert r.status_code == 401 and r.json["error"]["message"] == "访问令牌无效"


def test_a_session_cookie_forged_with_the_old_default_key_is_not_signed_in(app, client, db):
    class Old:
        secret_key, config = OLD_DEFAULT, app.config

    cookie = SecureCookieSessionInterface().get_signing_serializer(Old).dumps({"uid": uid(db, "admin")})
    client.set_cookie("session", cookie)
    r = client.get("/admin/users")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_without_a_setting_a_random_key_is_generated_once_into_the_instance_folder(db, database_url, clock,
                                                                                   tmp_path):
    path = tmp_path / "instance" / "secret_key"
    first = other_app(database_url, clock, SECRET_KEY=None, SECRET_KEY_FILE=str(path))
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    key = path.read_text().strip()
    assert first.config["SECRET_KEY"] == key and len(key) >= 48 and key != OLD_DEFAULT
    with first.test_client() as c:  # a token issued before a restart still works after it, with the same key
        token = c.post("/api/v1/session", json={"username": "agent", "password": "demo12345"}).json["token"]
    again = other_app(database_url, clock, SECRET_KEY=None, SECRET_KEY_FILE=str(path))
    assert again.config["SECRET_KEY"] == key
    with again.test_client() as c:
        assert c.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_the_published_default_key_refuses_to_start(database_url, clock):
    with pytest.raises(InsecureSecretKey):
        other_app(database_url, clock, SECRET_KEY=OLD_DEFAULT)


def test_default_key_file_is_in_flasks_instance_folder(app):
    from web.config import Config

    assert Config.SECRET_KEY is None or os.environ.get("HOTLINE_SECRET_KEY")
    assert Config.SECRET_KEY_FILE is None or os.environ.get("HOTLINE_SECRET_KEY_FILE")
    assert app.instance_path.endswith("instance")


# -- item 2: where the login form sends you ----------------------------------------------------------------------

@pytest.mark.parametrize("target", ["/%09/evil.example", "//evil.example/x", "/%5Cevil.example", "/\\evil.example",
                                    "https://evil.example/", "javascript:alert(1)", "/%0d%0aX:1",
                                    "/%0d%0aSet-Cookie:%20x=1", "%2F%2Fevil.example", "/%20/evil.example",
                                    "/%E3%80%80/evil.example", "http:/evil.example"])
def test_login_never_redirects_off_site(client, db, target):
    r = post(client, f"/login?next={target}", {"username": "agent", "password": "demo12345"}, get_url="/login")
    assert r.status_code == 302
    assert r.headers["Location"] == "/intake", target
    assert "X" not in r.headers and "Set-Cookie: x" not in str(r.headers)


def test_login_keeps_a_same_site_path_with_its_query(client, db):
    r = post(client, "/login?next=/tickets%3Fstatus%3Dsigning", {"username": "agent", "password": "demo12345"},
             get_url="/login")
    assert r.headers["Location"] == "/tickets?status=signing"


# -- item 6: sign-in attempts ------------------------------------------------------------------------------------

def _api_login(app, username, password, address="127.0.0.1"):
    with app.test_client() as c:
        r = c.post("/api/v1/session", json={"username": username, "password": password},
                   environ_base={"REMOTE_ADDR": address})
        return r.status_code, r.json["error"]["code"] if r.status_code != 200 else "ok"


def test_forty_parallel_wrong_passwords_get_exactly_five_checks(app, db, monkeypatch):
    import web.security as security

    checks = []
    real = security.check_password_hash

    def counting(hashed, password):
        checks.append(1)
        return real(hashed, password)

    monkeypatch.setattr(security, "check_password_hash", counting)
    results = []
    barrier = threading.Barrier(40)

    def attempt():
        barrier.wait()
        results.append(_api_login(app, "kb_editor", "wrong-password"))

    threads = [threading.Thread(target=attempt) for _ in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(results) == 40 and len(checks) == 5
    assert sorted(results).count((401, "unauthorized")) == 5 and results.count((401, "locked")) == 35


def test_unknown_and_real_names_get_the_same_answers_and_the_same_work(app, db, monkeypatch):
    import web.security as security

    hashes = []
    real = security.check_password_hash
    monkeypatch.setattr(security, "check_password_hash", lambda h, p: hashes.append(h.split("$")[0]) or real(h, p))
    real_name = [_api_login(app, "kb_editor", "wrong") for _ in range(6)]
    unknown = [_api_login(app, "no-such-user", "wrong") for _ in range(6)]
    assert real_name == unknown == [(401, "unauthorized")] * 5 + [(401, "locked")]
    # The same password hashing (method and cost) ran for both: one check per attempt until the lock.
    assert len(hashes) == 10 and len(set(hashes)) == 1


def test_the_lock_is_per_account_and_address_and_the_office_lifts_it(app, client, db):
    for _ in range(5):
        assert _api_login(app, "handler", "wrong", "10.0.0.1") == (401, "unauthorized")
    assert _api_login(app, "handler", "demo12345", "10.0.0.1") == (401, "locked")
    assert _api_login(app, "handler", "demo12345", "10.0.0.2") == (200, "ok")  # the owner elsewhere still signs in
    login(client, "admin")
    page = text(client.get("/admin/locks"))
    assert "handler" in page and "10.0.0.1" in page and "解除锁定" in page
    r = post(client, "/admin/locks/unlock", {"account": "handler"}, get_url="/admin/locks")
    assert r.status_code == 302
    assert "已解除账号 handler 的登录锁定" in text(client.get("/admin/locks"))
    assert _api_login(app, "handler", "demo12345", "10.0.0.1") == (200, "ok")


def test_counts_are_shared_by_every_worker_and_survive_a_restart(app, db, database_url, clock):
    for _ in range(5):
        _api_login(app, "receiver", "wrong")
    second = other_app(database_url, clock, SECRET_KEY="test-secret")
    assert _api_login(second, "receiver", "demo12345") == (401, "locked")
    with second.test_client() as c:
        codes = [c.post("/api/v1/progress", json={"number": "HL20261125999999", "code": "000000"}).status_code
                 for _ in range(4)]
    with app.test_client() as c:  # 4 look-ups on one worker, 6 on the other: the 11th is refused
        codes += [c.post("/api/v1/progress", json={"number": "HL20261125999999", "code": "000000"}).status_code
                  for _ in range(7)]
    assert codes == [404] * 10 + [429]


# -- item 6: tokens end with the session ---------------------------------------------------------------------------

def _token(client, username="dispatcher"):
    r = client.post("/api/v1/session", json={"username": username, "password": "demo12345"})
    return {"Authorization": f"Bearer {r.json['token']}"}


def test_signing_out_through_the_api_revokes_every_token_of_the_account(client, db):
    first, second = _token(client), _token(client)
    assert client.get("/api/v1/tasks", headers=first).status_code == 200
    assert client.delete("/api/v1/session", headers=second).json == {"revoked": True, "user_id": uid(db, "dispatcher")}
    for h in (first, second):
        r = client.get("/api/v1/tasks", headers=h)
        assert r.status_code == 401 and r.json["error"]["message"] == "访问令牌已失效，请重新登录"
    assert client.get("/api/v1/tasks", headers=_token(client)).status_code == 200  # a new sign-in works


def test_signing_out_of_the_pages_revokes_the_accounts_api_tokens(client, db):
    api = _token(client, "agent")
    login(client, "agent")
    assert post(client, "/logout", get_url="/tasks").status_code == 302
    assert client.get("/api/v1/tasks", headers=api).status_code == 401


def test_a_password_change_revokes_tokens_and_other_sessions_but_keeps_this_one(app, client, db):
    from web.security import hash_password

    api = _token(client, "reviewer")
    elsewhere = Client(app, app.response_class)
    login(elsewhere, "reviewer")
    login(client, "reviewer")
    r = post(client, "/account/password", {"old": "wrong", "password": "new-password-1", "confirm": "new-password-1"})
    assert r.status_code == 400 and "原密码不正确" in text(r)
    r = post(client, "/account/password", {"old": "demo12345", "password": "new-password-1",
                                           "confirm": "new-password-1"})
    assert r.status_code == 302
    try:
        assert client.get("/tasks").status_code == 200  # this browser stays signed in
        assert elsewhere.get("/tasks").status_code == 302  # the other one is signed out
        assert client.get("/api/v1/tasks", headers=api).status_code == 401
        assert _api_login(app, "reviewer", "new-password-1") == (200, "ok")
    finally:
        user = db.session.get(User, uid(db, "reviewer"))
        user.password_hash = hash_password("demo12345")
        db.session.commit()
