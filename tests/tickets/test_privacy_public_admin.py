"""Masking with a logged reason to reveal, the PII view log, the citizens' pages and user administration."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from engine.models import Evaluation, PiiView, Ticket, User
from tests.support.helpers import REPLY
from tests.support.pages import as_user, count, fresh, last_ticket, login, post, text, unit_id

# -- masking and the PII view log ----------------------------------------------------------------------------------

def test_masked_viewer_reveals_with_a_logged_reason(client, db, tickets):
    t = tickets.dispatched()
    login(client, "unit_leader")
    page = text(client.get(f"/tickets/{t.id}"))
    assert "张**" in page and "138****1234" in page and "13800001234" not in page and "查看完整信息" in page
    before = count(db, PiiView)
    r = post(client, f"/tickets/{t.id}/reveal", {"reason": ""})
    assert r.status_code == 400 and "请填写查看诉求人完整信息的事由" in text(r)
    assert count(db, PiiView) == before
    r = post(client, f"/tickets/{t.id}/reveal", {"reason": "黄牌督办需要电话联系诉求人"})
    assert r.status_code == 200 and "13800001234" in text(r) and "张三丰" in text(r) and "已记录" in text(r)
    row = db.session.scalar(select(PiiView).order_by(PiiView.id.desc()).limit(1))
    assert row.reason == "黄牌督办需要电话联系诉求人" and row.ticket_id == t.id
    assert "13800001234" not in text(client.get(f"/tickets/{t.id}"))  # once only
    login(client, "supervisor")
    log = text(client.get("/tickets/pii-views"))
    assert "黄牌督办需要电话联系诉求人" in log and t.number in log


def test_roles_that_need_the_contact_see_it_and_the_view_is_logged(client, db, tickets):
    t = tickets.dispatched()
    before = count(db, PiiView)
    login(client, "receiver")
    page = text(client.get(f"/tickets/{t.id}"))
    assert "13800001234" in page and "查看完整信息" not in page
    assert count(db, PiiView) == before + 1
    assert client.get(f"/tickets/{t.id}/reveal").status_code == 302


# -- citizens ------------------------------------------------------------------------------------------------------

def test_citizen_submits_tracks_and_evaluates_online(client, db, tickets):
    r = client.get("/public/submit")
    assert r.status_code == 200 and "网上提交诉求" in text(r)
    before = count(db, Ticket)
    r = post(client, "/public/submit", {"citizen_name": "", "citizen_phone": "12", "ticket_type": "",
                                        "content": ""})
    assert r.status_code == 400 and "请填写您的姓名" in text(r) and "联系电话格式不正确" in text(r)
    assert count(db, Ticket) == before
    r = post(client, "/public/submit", {"citizen_name": "李四", "citizen_phone": "13900002222",
                                        "ticket_type": "help", "address": "源城区", "content": "路灯不亮"})
    assert r.status_code == 302
    page = text(client.get(r.headers["Location"]))
    number = re.search(r'id="ticket-number">([^<]+)<', page).group(1)
    code = re.search(r'id="query-code">([^<]+)<', page).group(1)
    t = last_ticket(db)
    assert t.number == number and t.channel == "web" and t.status == "scoping"
    r = post(client, "/public/track", {"number": number, "code": "000000" if code != "000000" else "111111"})
    assert r.status_code == 404 and "工单编号或查询码不正确" in text(r)
    r = post(client, "/public/track", {"number": number, "code": code})
    assert r.status_code == 200 and "待受理审查" in text(r) and "李四" not in text(r)

    e, code = tickets.new_with_code(scope="accept")
    tickets.act("dispatcher", e, "dispatch", lead_unit=unit_id(db, "HY-ZJJ"))
    tickets.act("receiver", e, "sign", decision="sign")
    tickets.act("handler", e, "reply", **REPLY)
    tickets.act("reviewer", e, "review", decision="accept")
    r = post(client, "/public/track", {"number": e.number, "code": code})
    assert "提交评价" in text(r) and REPLY["result"] in text(r)
    r = post(client, "/public/evaluate", {"number": e.number, "code": code, "intake_rating": "satisfied"},
             get_url="/public/track")
    assert r.status_code == 400 and "请选择对承办单位办理的评价" in text(r) and count(db, Evaluation) == 0
    r = post(client, "/public/evaluate", {"number": e.number, "code": code, "intake_rating": "satisfied",
                                          "handling_rating": "very_satisfied"}, get_url="/public/track")
    assert r.status_code == 200 and "感谢您的评价" in text(r)
    ev = db.session.scalar(select(Evaluation).where(Evaluation.ticket_id == e.id))
    assert ev.method == "online" and fresh(db, e.id).status == "archived"


# -- administration ------------------------------------------------------------------------------------------------

@pytest.fixture
def cleanup_users(db):
    yield
    db.session.rollback()
    for u in db.session.scalars(select(User).where(User.username.like("newclerk%"))):
        db.session.delete(u)
    db.session.commit()


def test_admin_lists_and_creates_users(client, db, cleanup_users):
    login(client, "admin")
    assert "handler2" in text(client.get("/admin/users"))
    assert "源城区12345热线办" in text(client.get("/admin/units"))
    zjj = unit_id(db, "HY-ZJJ")
    before = count(db, User)
    r = post(client, "/admin/users/new", {"username": "x", "display_name": "", "role": "handler", "unit_id": "",
                                          "password": "short", "confirm": "other"})
    page = text(r)
    assert r.status_code == 400
    for message in ("用户名须为3至60位", "请填写姓名", "密码长度须为8至128位", "两次输入的密码不一致"):
        assert message in page
    r = post(client, "/admin/users/new", {"username": "newclerk1", "display_name": "新经办", "role": "handler",
                                          "unit_id": "", "password": "longenough1", "confirm": "longenough1"})
    assert r.status_code == 400 and "承办单位人员须选择所属的承办单位" in text(r)
    assert count(db, User) == before
    r = post(client, "/admin/users/new", {"username": "newclerk1", "display_name": "新经办", "role": "handler",
                                          "unit_id": str(zjj), "password": "longenough1",
                                          "confirm": "longenough1"})
    assert r.status_code == 302
    u = db.session.scalar(select(User).where(User.username == "newclerk1"))
    assert u.unit_id == zjj and u.role == "handler"
    r = post(client, "/login", {"username": "newclerk1", "password": "longenough1"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/inbox")


def test_unit_role_cannot_open_intake_or_admin(client, db):
    as_user(client, db, "handler")
    assert client.get("/intake").status_code == 403
    assert "您的角色无权访问此页面" in text(client.get("/admin/users"))
