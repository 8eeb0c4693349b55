"""Who may see which page: every page route, over every demo role and an anonymous visitor.

200 = shown, 302 = sent elsewhere (sign-in, or nothing to reveal), 403 = role refused, 404 = outside the unit's scope
(no existence leak). One ticket is dispatched to 河源市住房和城乡建设局 (HY-ZJJ) and waits to be signed; another waits
at 源城区12345热线办 (YC-OFFICE) for county dispatch.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select, text

from engine.common.db import transaction
from engine.models import KnowledgeEntry, User
from engine.oversight.accountability import add_case
from engine.oversight.callers import propose_flag
from tests.conftest import TICKET_TABLES
from tests.support.helpers import user
from tests.support.pages import ROLES, Tickets, unit_id

ANON = "anonymous"
OFFICE = {"agent", "dispatcher", "reviewer", "supervisor", "process_owner", "city_leader", "admin"}
ZJJ_STAFF = {"receiver", "handler", "unit_leader", "kb_editor"}
UNIT_STAFF = ZJJ_STAFF | {"receiver2", "handler2", "receiver3", "handler3"}
# The office's default privacy policy on the HY-ZJJ ticket waiting to be signed (engine/domain/privacy.py): the
# receiver has its task there and sees the contact details; kb_editor and process_owner may never see them.
SHOWN = {"receiver"}
# The office's desk that keeps callers' records and flags (Art. 27); the process owner and city leader do not.
FLAG_DESK = {"agent", "dispatcher", "reviewer", "supervisor", "admin"}
NEVER = {"kb_editor", "process_owner"}


def only(*allowed, other=403):
    """Signed-in roles in ``allowed`` get 200, the other roles ``other``, anonymous visitors the sign-in page."""
    allowed = set().union(*[a if isinstance(a, set) else {a} for a in allowed])
    return lambda role: 302 if role == ANON else 200 if role in allowed else other


def everyone(role):
    return 200


def signed_in(role):
    return 302 if role == ANON else 200


def redirect(role):
    return 302


def zjj_ticket_page(role):
    return 302 if role == ANON else 200 if role in OFFICE | ZJJ_STAFF else 404


def reveal(role):
    if role == ANON:
        return 302
    if role not in OFFICE | ZJJ_STAFF:
        return 404
    return 302 if role in SHOWN else 403 if role in NEVER else 200


def sign_task(role):
    return 302 if role == ANON else 200 if role == "receiver" else 403 if role in OFFICE | ZJJ_STAFF else 404


def county_task(role):
    if role == ANON:
        return 302
    if role == "county_dispatcher":
        return 200
    return 403 if role in OFFICE else 404


# (url template, expectation); {zjj} and {county} are the two tickets' ids.
ROUTES = [
    ("/", redirect),
    ("/login", everyone),
    ("/tasks", signed_in),
    ("/intake", only("agent", "admin")),
    ("/intake/done/{zjj}", only("agent", "admin")),
    ("/intake/kb-suggest", only("agent", "admin")),
    ("/dispatch", only("dispatcher", "county_dispatcher")),
    ("/inbox", only(UNIT_STAFF)),
    ("/office/review", only("reviewer")),
    ("/tickets", signed_in),
    ("/tickets/pii-views", only("reviewer", "supervisor", "admin")),
    ("/failures", only("agent", "admin", "process_owner")),
    ("/admin/privacy", only("reviewer", "supervisor", "admin")),
    ("/tickets/{zjj}", zjj_ticket_page),
    ("/tickets/{zjj}/diagram.json", zjj_ticket_page),
    ("/tickets/{zjj}/reveal", reveal),
    ("/tickets/{zjj}/tasks/sign", sign_task),
    ("/tickets/{county}/tasks/county_dispatch", county_task),
    ("/admin/users", only("admin")),
    ("/admin/users/new", only("admin")),
    ("/admin/units", only("admin")),
    ("/admin/locks", only("admin")),
    ("/admin/users/agent/deactivate", only("admin")),
    ("/admin/users/agent/activate", only("admin")),
    ("/admin/users/agent/password", only("admin")),
    ("/admin/api-clients", only("admin")),
    ("/admin/api-clients/new", only("admin")),
    ("/admin/api-clients/revoke", lambda role: 302 if role == ANON else 404 if role == "admin" else 403),  # no name
    ("/account/password", signed_in),
    ("/public/submit", everyone),
    ("/public/track", everyone),
    ("/public/submitted", redirect),
    ("/admin/notices", only(OFFICE)),
    ("/admin/calendar", only("admin", "process_owner")),
    ("/oversight/supervisions", only("supervisor", "reviewer", "admin", "city_leader")),
    ("/oversight/supervisions/new", only("supervisor", "reviewer", "admin", "city_leader")),
    ("/oversight/accountability", only("supervisor", "reviewer", "admin", "city_leader")),
    ("/oversight/accountability/new", only("supervisor", "admin")),
    ("/oversight/accountability/{case}", only("supervisor", "reviewer", "admin", "city_leader")),
    ("/kb", signed_in),
    ("/kb/{entry}", signed_in),
    ("/kb/new", only("kb_editor")),
    ("/kb/{entry}/edit", only("kb_editor", "reviewer", "admin")),
    ("/kb/flags", only(OFFICE, "kb_editor")),
    ("/kb/mine", only(OFFICE, "kb_editor")),
    ("/kb/{entry}/versions/1", signed_in),
    ("/handoffs", only(OFFICE)),
    ("/callers", only(FLAG_DESK)),
    ("/callers/flags/{flag}", only(FLAG_DESK)),
]
POST_ONLY = {"/logout", "/admin/locks/unlock", "/public/evaluate", "/failures/<int:failure_id>/resolve", "/admin/notices/<int:outbox_id>/resend", "/admin/calendar/import",
             "/oversight/accountability/detect", "/oversight/accountability/<int:case_id>/confirm",
             "/oversight/accountability/<int:case_id>/dismiss", "/oversight/accountability/<int:case_id>/propose",
             "/oversight/accountability/<int:case_id>/outcome",
             "/kb/<int:entry_id>/status", "/kb/<int:entry_id>/flag", "/kb/<int:entry_id>/requests/<int:request_id>",
             "/kb/flags/<int:flag_id>/fix", "/kb/flags/<int:flag_id>/notice", "/callers/flags",
             "/callers/flags/<int:flag_id>/confirm", "/callers/flags/<int:flag_id>/lift",
             "/callers/flags/<int:flag_id>/referral"}


@pytest.fixture(scope="module")
def world(app, clock):
    """The two tickets and every user's id, built once for the module and removed afterwards."""
    from web.extensions import db

    with app.app_context():
        clock.set("2026-11-25T10:00:00+08:00")
        build = Tickets(db, clock)
        zjj = build.dispatched()
        county = build.new()
        build.act("dispatcher", county, "dispatch", via_county=unit_id(db, "YC-OFFICE"))
        with transaction(db.session):
            case = add_case(db.session, user(db.session, "supervisor"), 8, unit_id(db, "HY-ZJJ"), ["泄露诉求人电话"],
                            clock(), ticket_ids=[zjj.id])
        entry = db.session.scalar(select(KnowledgeEntry.id).where(KnowledgeEntry.title == "社会保障卡挂失与补办"))
        with transaction(db.session):
            flag = propose_flag(db.session, user(db.session, "supervisor"),
                                {"phone": zjj.citizen_phone, "kind": "harassment", "reason": "多次辱骂话务员",
                                 "evidence": [zjj.id], "ends_on": "2027-05-25"}, clock())
        ids = {"zjj": zjj.id, "county": county.id, "case": case.id, "entry": entry, "flag": flag.id}
        users = dict(db.session.execute(select(User.username, User.id)).all())
        db.session.remove()
    yield ids, users
    with app.app_context():
        for table in TICKET_TABLES:
            db.session.execute(text(f"DELETE FROM {table}"))
        db.session.commit()
        db.session.remove()


def test_every_page_route_is_in_the_table(app):
    """Every route of the work pages (accounts, tickets, oversight, knowledge) is checked here, and nothing listed has
    gone; the process, documents, clocks and analytics areas have their own permission tables."""
    from web.blueprints import BLUEPRINTS

    names = {m.bp.name for cap in ("accounts", "tickets", "oversight", "knowledge") for m in BLUEPRINTS[cap]}
    rules = {r.rule: r.endpoint for r in app.url_map.iter_rules()}
    pages = {rule for rule, endpoint in rules.items() if endpoint.split(".")[0] in names}
    listed = {url.replace("{zjj}", "<int:ticket_id>").replace("{county}", "<int:ticket_id>")
              .replace("{case}", "<int:case_id>").replace("{entry}", "<int:entry_id>")
              .replace("{flag}", "<int:flag_id>")
              .replace("/tasks/sign", "/tasks/<task_ref>").replace("/tasks/county_dispatch", "/tasks/<task_ref>")
              .replace("/versions/1", "/versions/<int:version>").replace("/users/agent/", "/users/<username>/")
              for url, _ in ROUTES} | POST_ONLY
    assert pages - listed == set()
    assert listed - set(rules) == set()


@pytest.mark.parametrize("role", [ANON, *ROLES])
@pytest.mark.parametrize("url, expect", ROUTES, ids=[u for u, _ in ROUTES])
def test_who_may_see_each_page(app, world, role, url, expect):
    ids, users = world
    client = app.test_client()
    if role != ANON:
        with client.session_transaction() as s:
            s["uid"] = users[role]
    r = client.get(url.format(**ids))
    assert r.status_code == expect(role), f"{role} GET {url}: {r.status_code}"
    if r.status_code in (403, 404):
        body = r.get_data(as_text=True)
        assert "无权" in body or "不存在" in body
