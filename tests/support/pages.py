"""Helpers for page tests: sign in through the form (or set the session directly), post forms with their CSRF
token, and build tickets through the services."""
from __future__ import annotations

import re
from datetime import datetime

import pytest
from flask import g, has_app_context
from flask.testing import FlaskClient
from sqlalchemy import func, select

from engine.common.db import transaction
from engine.models import TaskProjection, Ticket, Unit, User
from engine.tickets.lifecycle import complete_task, register
from tests.support.helpers import CITIZEN, REPLY, user

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PASSWORD = "demo12345"
ROLES = ["agent", "dispatcher", "reviewer", "supervisor", "county_dispatcher", "receiver", "handler", "unit_leader",
         "kb_editor", "process_owner", "city_leader", "admin", "receiver2", "handler2", "receiver3", "handler3"]


class Client(FlaskClient):
    """A test client whose requests start with fresh per-request globals.

    The ``db`` fixture keeps one app context open for the whole test, so Flask reuses it (and its ``g``) for every
    request; a real server gives each request its own. Forget what a request cached in ``g``: the signed-in user
    and the CSRF token.
    """

    def open(self, *args, **kwargs):
        if has_app_context():
            for key in ("user", "csrf_token"):
                g.pop(key, None)
        return super().open(*args, **kwargs)


@pytest.fixture
def client(app, db):
    return Client(app, app.response_class)


INTAKE = {"channel": "phone", "citizen_name": CITIZEN["citizen_name"], "citizen_phone": CITIZEN["citizen_phone"],
          "address": CITIZEN["address"], "content": CITIZEN["content"], "ticket_type": "complaint",
          "category": "城乡建设/噪音扰民", "scope": "accept"}


def count(db, model) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


def last_ticket(db) -> Ticket:
    db.session.rollback()
    return db.session.scalar(select(Ticket).order_by(Ticket.id.desc()).limit(1))


def token(client, url: str = "/login") -> str:
    r = client.get(url)
    found = TOKEN.search(r.get_data(as_text=True))
    assert found, f"no CSRF token on {url} ({r.status_code})"
    return found.group(1)


def post(client, url: str, data: dict | None = None, *, get_url: str | None = None, **kw):
    """POST a form the way a browser does: with the CSRF token of the page that shows it."""
    body = {"csrf_token": token(client, get_url or url), **(data or {})}
    return client.post(url, data=body, **kw)


def login(client, username: str):
    r = post(client, "/login", {"username": username, "password": PASSWORD})
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    return r


def as_user(client, db, username: str) -> None:
    """Sign in by setting the session (fast; the login form itself is tested separately)."""
    uid = db.session.scalar(select(User.id).where(User.username == username))
    with client.session_transaction() as s:
        s.clear()
        s["uid"] = uid


def text(r) -> str:
    return r.get_data(as_text=True)


def entry_via_page(client, db, data: dict):
    """The signed-in 信息采编员 creates a knowledge entry through /kb/new; return it as stored."""
    from engine.models import KnowledgeEntry

    r = post(client, "/kb/new", data)
    assert r.status_code == 302, text(r)[:2000]
    entry_id = int(re.search(r"/kb/(\d+)$", r.headers["Location"]).group(1))
    db.session.expire_all()
    return db.session.get(KnowledgeEntry, entry_id)


def at(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


def unit_id(db, code: str) -> int:
    return db.session.scalar(select(Unit.id).where(Unit.code == code))


def ready_task_url(db, t, bpmn_id: str) -> str:
    """The page of the ticket's ready task ``bpmn_id``, as the worklist links it (read fresh)."""
    db.session.rollback()
    uuid = db.session.scalar(select(TaskProjection.task_uuid).where(TaskProjection.ticket_id == t.id,
                                                                    TaskProjection.bpmn_id == bpmn_id))
    assert uuid, f"{bpmn_id} is not ready"
    return f"/tickets/{t.id}/tasks/{uuid}"


def fresh(db, ticket_id: int) -> Ticket:
    db.session.expire_all()
    return db.session.get(Ticket, ticket_id)


class Tickets:
    """Build tickets in a given state through the services, at the frozen clock's time."""

    def __init__(self, db, clock):
        self.db, self.clock = db, clock

    def act(self, username: str, ticket: Ticket, task: str, **data):
        with transaction(self.db.session):
            complete_task(self.db.session, user(self.db.session, username), ticket.id, task, data, self.clock())

    def new(self, scope: str | None = "accept", **extra) -> Ticket:
        data = {**CITIZEN, **extra}
        if scope:
            data["scope"] = scope
        with transaction(self.db.session):
            t, _code, _ = register(self.db.session, user(self.db.session, "agent"), data, self.clock())
        return t

    def new_with_code(self, **extra) -> tuple[Ticket, str]:
        with transaction(self.db.session):
            t, code, _ = register(self.db.session, user(self.db.session, "agent"), {**CITIZEN, **extra},
                                  self.clock())
        return t, code

    def dispatched(self, code: str = "HY-ZJJ", **extra) -> Ticket:
        t = self.new(**extra)
        self.act("dispatcher", t, "dispatch", lead_unit=unit_id(self.db, code))
        return t

    def handling(self) -> Ticket:
        t = self.dispatched()
        self.act("receiver", t, "sign", decision="sign")
        return t

    def reviewing(self) -> Ticket:
        t = self.handling()
        self.act("handler", t, "reply", **REPLY)
        return t

    def evaluating(self) -> Ticket:
        t = self.reviewing()
        self.act("reviewer", t, "review", decision="accept")
        return t

    def evaluating_with_code(self) -> tuple[Ticket, str]:
        """A ticket awaiting the citizen's evaluation, with the query code the citizen was given."""
        t, code = self.new_with_code(scope="accept")
        self.act("dispatcher", t, "dispatch", lead_unit=unit_id(self.db, "HY-ZJJ"))
        self.act("receiver", t, "sign", decision="sign")
        self.act("handler", t, "reply", **REPLY)
        self.act("reviewer", t, "review", decision="accept")
        return t, code


@pytest.fixture
def tickets(db, clock):
    return Tickets(db, clock)
