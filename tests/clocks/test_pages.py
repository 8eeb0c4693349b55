"""The office pages: 发送记录 shows every notice and its failures; the calendar page shows a year, takes a notice
upload and warns about provisional deadlines. Both are for office staff only."""
from __future__ import annotations

import io
import re

import pytest
from flask import g
from flask.testing import FlaskClient
from sqlalchemy import select

from engine.common.db import transaction
from engine.models import Outbox, User
from engine.notices import outbox as notify

from .flow import at, fresh, iso8, received

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Client(FlaskClient):
    def open(self, *args, **kwargs):
        for key in ("user", "csrf_token"):  # the test's app context outlives requests: forget per-request globals
            g.pop(key, None)
        return super().open(*args, **kwargs)


@pytest.fixture
def client(app, db):
    return Client(app, app.response_class)


def sign_in(client, db, username: str) -> None:
    uid = db.session.scalar(select(User.id).where(User.username == username))
    with client.session_transaction() as s:
        s.clear()
        s["uid"] = uid


def token(client, url: str) -> str:
    found = TOKEN.search(client.get(url).get_data(as_text=True))
    assert found, url
    return found.group(1)


def test_outbox_page_shows_sent_and_failed_notices_and_sends_again(client, db):
    with transaction(db.session):
        ok = notify.enqueue(db.session, kind="sms", recipient="13800000001", recipient_name="张伟强",
                            recipient_role="receiver", template="handling.warning", text="【12345热线】预警：工单HL1",
                            dedupe_key="p1", now=at("2026-11-25T10:00:00+08:00"))
        bad = notify.enqueue(db.session, kind="voice", recipient="13800000002", template="handling.red",
                             text="【12345热线】红牌：工单HL2", dedupe_key="p2", now=at("2026-11-25T10:00:00+08:00"))
    with transaction(db.session):
        ok.status, ok.sent_at, ok.delivered_by, ok.attempts = "sent", at("2026-11-25T10:00:05+08:00"), "dev", 1
        bad.status, bad.attempts, bad.last_error = "failed", 8, "http: HTTP 503 busy"
    sign_in(client, db, "dispatcher")
    page = client.get("/admin/notices").get_data(as_text=True)
    assert "发送记录" in page and "预警：工单HL1" in page and "开发网关（未实际发送）" in page
    assert "HTTP 503 busy" in page and "有 1 条通知多次发送失败" in page
    failed_only = client.get("/admin/notices?status=failed").get_data(as_text=True)
    assert "红牌：工单HL2" in failed_only and "预警：工单HL1" not in failed_only

    r = client.post(f"/admin/notices/{bad.id}/resend", data={"csrf_token": token(client, "/admin/notices")})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(Outbox, bad.id).status == "pending"
    assert client.post(f"/admin/notices/{bad.id}/resend").status_code == 400  # no CSRF token


@pytest.mark.parametrize("username", ["receiver", "handler", "unit_leader"])
def test_unit_staff_cannot_see_the_notices_or_the_calendar(client, db, username):
    sign_in(client, db, username)
    assert client.get("/admin/notices").status_code == 403
    assert client.get("/admin/calendar").status_code == 403


def test_calendar_needs_admin_or_process_owner(client, db):
    sign_in(client, db, "dispatcher")
    assert client.get("/admin/calendar").status_code == 403
    sign_in(client, db, "process_owner")
    assert client.get("/admin/calendar").status_code == 200
    with client.session_transaction() as s:
        s.clear()
    assert client.get("/admin/calendar").status_code == 302  # to the login page


def test_calendar_page_shows_a_year_warns_and_imports(client, db, clock):
    t = received(db, "complaint", "2026-12-24T10:00:00+08:00")
    sign_in(client, db, "admin")
    page = client.get("/admin/calendar?year=2026").get_data(as_text=True)
    assert "2026-10-01 周四 国庆节" in page and "2026-10-10 周六 国庆节" in page
    assert "来源：国务院节假日安排（内置数据）；录入于" in page and "chinesecalendar" not in page
    assert re.search(r">2026年</a> <span class=\"muted\">国务院节假日安排（内置数据）</span>", page)
    assert "有 1 件在办工单的时限为暂定" in page and t.number in page and "2027-01-07 24:00（暂定）" in page
    assert "未录入" in client.get("/admin/calendar?year=2027").get_data(as_text=True)

    clock.set("2026-12-28T09:00:00+08:00")
    csrf = token(client, "/admin/calendar")
    notice = "2027-01-01,休\n2027-02-20,班\n".encode()
    r = client.post("/admin/calendar/import", data={"csrf_token": csrf, "year": "2027",
                                                    "notice": (io.BytesIO(notice), "2027年安排.csv")},
                    content_type="multipart/form-data")
    assert r.status_code == 302 and r.headers["Location"].endswith("/admin/calendar?year=2027")
    page = client.get("/admin/calendar?year=2027").get_data(as_text=True)
    assert "已录入2027年节假日安排：放假 1 天，调休上班 1 天" in page and "时限变动并已重算 1 件" in page
    assert "2027-01-01 周五" in page and "时限为暂定" not in page
    assert "来源：热线办录入：国务院通知（2027年安排.csv）；录入于 2026-12-28 09:00" in page
    assert re.search(r">2027年</a> <span class=\"muted\">热线办录入：国务院通知（2027年安排.csv）</span>", page)
    assert "chinesecalendar" not in page
    t = fresh(db, t)
    assert iso8(t.handling_due) == "2027-01-09T00:00:00+08:00" and not t.deadline_provisional


def test_a_bad_upload_is_refused_with_a_message(client, db):
    sign_in(client, db, "admin")
    csrf = token(client, "/admin/calendar")
    r = client.post("/admin/calendar/import", data={"csrf_token": csrf, "year": "2027",
                                                    "notice": (io.BytesIO(b"2027-01-01,maybe\n"), "x.csv")},
                    content_type="multipart/form-data", follow_redirects=True)
    page = r.get_data(as_text=True)
    assert "节假日文件有误：第1行：未知的类型“maybe”，请写 休/班、off/on 或 0/1" in page and "unknown status" not in page
    for notice, said in [(b"2027-01-01,off\n\n2027-02-30,off\n", "第3行：“2027-02-30”不是有效日期（应为 YYYY-MM-DD）"),
                         (b"2027-01-01,off\n2028-01-02,off\n", "第2行：2028-01-02 不在2027年内"),
                         (b"2027-01-01,off\n2027-01-01,on\n", "第2行：2027-01-01 已在第1行写过"),
                         (b"2027-01-01\n", "第1行：应为一个日期和一个类型（休/班、off/on 或 0/1），实有 1 项"),
                         (b"# \xe6\xb3\xa8\xe9\x87\x8a\n", "文件中没有日期")]:
        r = client.post("/admin/calendar/import", data={"csrf_token": csrf, "year": "2027",
                                                        "notice": (io.BytesIO(notice), "x.csv")},
                        content_type="multipart/form-data", follow_redirects=True)
        page = r.get_data(as_text=True)
        assert r.status_code == 200 and f"节假日文件有误：{said}" in page
        shown = re.search(r"节假日文件有误：[^<]*", page).group(0)
        assert not re.search(r"\b(line|outside|expected|already|notice|dates)\b", shown), shown
    r = client.post("/admin/calendar/import", data={"csrf_token": csrf, "year": "2027"},
                    content_type="multipart/form-data", follow_redirects=True)
    assert "请选择节假日安排文件" in r.get_data(as_text=True)
