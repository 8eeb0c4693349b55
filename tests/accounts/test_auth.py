"""Sign-in with lockout and idle timeout, CSRF on every form, security headers, each role's home page."""
from __future__ import annotations

from datetime import timedelta

import pytest

from engine.models import Ticket, User
from tests.support.pages import INTAKE, count, login, post, text

# -- sign-in, session, CSRF, headers -------------------------------------------------------------------------------

def test_login_page_is_chinese_and_wrong_password_is_refused(client, db):
    r = client.get("/login")
    assert r.status_code == 200 and "工作人员登录" in text(r)
    r = post(client, "/login", {"username": "agent", "password": "wrong"})
    assert r.status_code == 401 and "用户名或密码错误" in text(r)
    r = post(client, "/login", {"username": "", "password": ""})
    assert r.status_code == 400 and "请填写用户名" in text(r) and "请填写密码" in text(r)


@pytest.fixture
def temp_user(db, clock):
    from web.security import hash_password

    u = User(username="locktest", password_hash=hash_password("right-password"), display_name="锁定测试",
             role="agent", unit_id=None, created_at=clock())
    db.session.add(u)
    db.session.commit()
    yield u
    db.session.rollback()
    db.session.delete(db.session.get(User, u.id))
    db.session.commit()


def test_lockout_after_repeated_failures(client, db, clock, temp_user):
    for _ in range(5):
        assert post(client, "/login", {"username": "locktest", "password": "bad"}).status_code == 401
    r = post(client, "/login", {"username": "locktest", "password": "right-password"})
    assert r.status_code == 401 and "账号已临时锁定" in text(r)
    clock.now = clock.now + timedelta(minutes=16)
    assert post(client, "/login", {"username": "locktest", "password": "right-password"}).status_code == 302


def test_idle_session_times_out(client, db, monkeypatch):
    import itsdangerous.timed

    login(client, "agent")
    assert client.get("/tasks").status_code == 200
    real = itsdangerous.timed.TimestampSigner.get_timestamp
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp", lambda self: real(self) + 31 * 60)
    r = client.get("/tasks")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_post_without_csrf_token_is_refused(client, db):
    login(client, "agent")
    before = count(db, Ticket)
    r = client.post("/intake", data=INTAKE)
    assert r.status_code == 400 and "页面已过期" in text(r)
    r = client.post("/login", data={"username": "agent", "password": "demo12345"})
    assert r.status_code == 400
    assert count(db, Ticket) == before


def test_security_headers_and_logout(client, db):
    login(client, "agent")
    r = client.get("/intake")
    assert r.headers["X-Frame-Options"] == "DENY" and "default-src 'self'" in r.headers["Content-Security-Policy"]
    assert post(client, "/logout", get_url="/tasks").status_code == 302
    assert client.get("/tasks").status_code == 302


@pytest.mark.parametrize("username, home", [
    ("agent", "/intake"), ("dispatcher", "/dispatch"), ("county_dispatcher", "/dispatch"),
    ("reviewer", "/office/review"), ("receiver", "/inbox"), ("handler", "/inbox"), ("unit_leader", "/inbox"),
    ("supervisor", "/tickets"), ("city_leader", "/tickets"), ("admin", "/admin/users")])
def test_home_routes_by_role(client, db, username, home):
    r = login(client, username)
    assert r.headers["Location"].endswith(home)
    assert client.get("/").headers["Location"].endswith(home)


def test_login_returns_to_the_page_asked_for_but_never_off_site(client, db):
    r = post(client, "/login?next=/tickets", {"username": "agent", "password": "demo12345"}, get_url="/login")
    assert r.headers["Location"].endswith("/tickets")
    r = post(client, "/login?next=//evil.example/x", {"username": "agent", "password": "demo12345"},
             get_url="/login")
    assert r.headers["Location"].endswith("/intake")
