"""Access follows the ticket: another unit gets 404 (page, thumbnail, API), the citizen's own material is masked for
the roles that see the phone masked and opened only after a stated reason, every opening is logged, and nothing is
public until the office (or, for its own files, the unit) publishes it."""
from __future__ import annotations

import re

from sqlalchemy import select

from engine.models import AuditLog, User
from tests.support.helpers import REPLY
from tests.support.pages import INTAKE, as_user, last_ticket, post, text, unit_id

from .flow import attachments_of, openings, post_page, submit_task
from .samples import photo

REPLY_FILL = {"action": "reply", "result": REPLY["result"], "basis": REPLY["basis"],
              "contact_method": REPLY["contact_method"], "citizen_informed": "y"}


def _registered_with_photo(client, db):
    as_user(client, db, "agent")
    r = post_page(client, "/intake", INTAKE, {"attachments": [(photo(), "现场.jpg")]})
    assert r.status_code == 302, text(r)[:2000]
    t = last_ticket(db)
    return t, attachments_of(db, t.id)[0]


def _api_token(client, username: str) -> str:
    r = client.post("/api/v1/session", json={"username": username, "password": "demo12345"})
    return r.get_json()["token"]


def test_another_unit_gets_404_on_the_attachment_url_page_thumbnail_and_api(client, db, tickets):
    t = tickets.handling()  # dispatched to 住建局 (receiver, handler)
    submit_task(client, db, t, "reply", REPLY_FILL, {"attachments": [(photo(), "整改后.jpg")]})
    [a] = attachments_of(db, t.id)
    as_user(client, db, "handler")
    assert client.get(f"/attachments/{a.token}").status_code == 200
    as_user(client, db, "handler2")  # 人社局: never had this ticket
    for url in (f"/attachments/{a.token}", f"/attachments/{a.token}?thumb=1", f"/attachments/{a.token}?dl=1"):
        r = client.get(url)
        assert r.status_code == 404 and "附件不存在或您无权查看" in text(r)
    assert client.get(f"/tickets/{t.id}").status_code == 404
    bearer = {"Authorization": f"Bearer {_api_token(client, 'handler2')}"}
    r = client.get(f"/api/v1/attachments/{a.token}", headers=bearer)
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "not_found"
    assert client.get(f"/api/v1/tickets/{t.id}/attachments", headers=bearer).status_code == 404
    assert len(openings(db, a.id)) == 1  # only the lead unit's own opening


def test_an_unknown_or_guessed_token_is_404_and_tokens_are_long_and_random(client, db, tickets):
    t = tickets.handling()
    submit_task(client, db, t, "reply", REPLY_FILL, {"attachments": [(photo(), "a.jpg"), (photo(), "b.jpg")]})
    a, b = attachments_of(db, t.id)
    assert len(a.token) >= 32 and a.token != b.token and str(a.id) not in (a.token[:3],)
    as_user(client, db, "dispatcher")
    assert client.get(f"/attachments/{a.id}").status_code == 404
    guessed = a.token[:-1] + ("y" if a.token.endswith("x") else "x")  # one character off
    assert client.get(f"/attachments/{guessed}").status_code == 404


def test_signing_in_is_required(client, db, tickets):
    t = tickets.handling()
    submit_task(client, db, t, "reply", REPLY_FILL, {"attachments": [(photo(), "a.jpg")]})
    [a] = attachments_of(db, t.id)
    with client.session_transaction() as s:
        s.clear()
    r = client.get(f"/attachments/{a.token}")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    assert client.get(f"/api/v1/attachments/{a.token}").status_code == 401


def test_the_citizens_photo_is_masked_for_a_supervisor_until_a_reason_is_given(client, db):
    t, a = _registered_with_photo(client, db)
    as_user(client, db, "supervisor")  # sees names and phones masked
    page = text(client.get(f"/tickets/{t.id}"))
    assert "诉求人提供的图片" in page and "已隐藏" in page and a.token not in page and "现场.jpg" not in page
    r = client.get(f"/attachments/{a.token}")
    assert r.status_code == 403 and "查看完整信息" in text(r)
    assert client.get(f"/attachments/{a.token}?thumb=1").status_code == 403
    revealed = text(post(client, f"/tickets/{t.id}/reveal", {"reason": "督办核实现场情况"}))
    link = re.search(r'href="(/attachments/' + a.token + r'\?g=[^"]+)"', revealed)
    assert link and "现场.jpg" in revealed
    r = client.get(link.group(1).replace("&amp;", "&"))
    assert r.status_code == 200 and r.mimetype == "image/jpeg"
    [opened] = openings(db, a.id)
    supervisor = db.session.scalar(select(User).where(User.username == "supervisor"))
    assert (opened.user_id, opened.via) == (supervisor.id, "page")
    # The grant is this user's: another masked user cannot use the same link.
    as_user(client, db, "city_leader")
    assert client.get(link.group(1).replace("&amp;", "&")).status_code == 403


def test_roles_that_need_the_citizen_see_the_photo_and_each_opening_is_logged(client, db, tickets):
    t, a = _registered_with_photo(client, db)
    # The office's policy shows the citizen's details (and so the citizen's own files) to the unit's receiver while
    # the ticket waits for its signature; the dispatcher states a reason first (engine/domain/privacy.py).
    tickets.act("dispatcher", t, "dispatch", lead_unit=unit_id(db, "HY-ZJJ"))
    as_user(client, db, "receiver")
    assert a.token in text(client.get(f"/tickets/{t.id}"))
    client.get(f"/attachments/{a.token}")
    client.get(f"/attachments/{a.token}")
    client.get(f"/attachments/{a.token}?thumb=1")
    assert [o.actor_label for o in openings(db, a.id)] == [openings(db, a.id)[0].actor_label] * 2
    as_user(client, db, "reviewer")
    log = text(client.get("/attachments/log"))
    assert "现场.jpg" in log and t.number in log and "诉求人提供" in log
    as_user(client, db, "handler")
    assert client.get("/attachments/log").status_code == 403


def test_the_office_publishes_a_citizens_photo_and_only_then_the_public_url_serves_it(client, db, tickets):
    t, a = _registered_with_photo(client, db)
    with client.session_transaction() as s:
        s.clear()
    assert client.get(f"/media/{a.token}").status_code == 404
    # the reviewer, whose review task is open, sees the citizen's material under the office's policy
    tickets.act("dispatcher", t, "dispatch", lead_unit=unit_id(db, "HY-ZJJ"))
    tickets.act("receiver", t, "sign", decision="sign")
    tickets.act("handler", t, "reply", **REPLY)
    as_user(client, db, "reviewer")
    page = text(client.get(f"/tickets/{t.id}"))
    assert f'action="/attachments/{a.token}/publish"' in page and "向诉求人公开" in page
    r = post(client, f"/attachments/{a.token}/publish", {"public": "1"}, get_url=f"/tickets/{t.id}")
    assert r.status_code == 302
    db.session.rollback()
    assert db.session.scalar(select(AuditLog.detail).where(AuditLog.ticket_id == t.id,
                                                           AuditLog.action == "attachment_publish")) == {"name": "现场.jpg"}
    with client.session_transaction() as s:
        s.clear()
    r = client.get(f"/media/{a.token}")
    assert r.status_code == 200 and r.headers["Cache-Control"].startswith("public")
    as_user(client, db, "dispatcher")
    post(client, f"/attachments/{a.token}/publish", {"public": "0"}, get_url=f"/tickets/{t.id}")
    with client.session_transaction() as s:
        s.clear()
    assert client.get(f"/media/{a.token}").status_code == 404  # withdrawn: the address stops working


def test_a_unit_publishes_its_own_files_but_not_the_citizens(client, db, tickets):
    t, a = _registered_with_photo(client, db)
    tickets.act("dispatcher", t, "dispatch", lead_unit=unit_id(db, "HY-ZJJ"))
    tickets.act("receiver", t, "sign", decision="sign")
    submit_task(client, db, t, "reply", REPLY_FILL, {"attachments": [(photo(), "整改后.jpg")]})
    own = attachments_of(db, t.id)[1]
    assert own.public is False  # not ticked: kept inside
    as_user(client, db, "handler")
    page = text(client.get(f"/tickets/{t.id}"))
    assert f"/attachments/{own.token}/publish" in page and f"/attachments/{a.token}/publish" not in page
    r = post(client, f"/attachments/{a.token}/publish", {"public": "1"}, get_url=f"/tickets/{t.id}")
    assert r.status_code == 403
    assert post(client, f"/attachments/{own.token}/publish", {"public": "1"},
                get_url=f"/tickets/{t.id}").status_code == 302
    db.session.rollback()
    assert [x.public for x in attachments_of(db, t.id)] == [False, True]


def test_public_attachment_url_is_the_open311_media_url(app, db, client, tickets):
    from web.attachments.files import public_url

    t, a = _registered_with_photo(client, db)
    with app.test_request_context():
        assert public_url(a) is None
        a.public = True
        assert public_url(a).endswith(f"/media/{a.token}") and public_url(a).startswith("http")
    db.session.rollback()
