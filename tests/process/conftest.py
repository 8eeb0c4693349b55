"""Page tests of the process owner's area: sign in through the form, post with the CSRF token of a page, and put
back what a test changed (the active diagram version, the active rule set, drafts)."""
from __future__ import annotations

import copy
import re

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy import text as sql

from engine.common.context import reset_caches
from engine.common.db import transaction
from engine.models import ProcessDraft, ProcessVersion, RuleSet
from engine.process.deploy import activate
from engine.process.drafts import activate_rule_set
from engine.workflow.bundle import MAIN_PROCESS
from tests.support.pages import Client

from ..conftest import TICKET_TABLES

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
OWNERS = ["process_owner", "admin"]
OTHERS = ["agent", "dispatcher", "reviewer", "supervisor", "county_dispatcher", "receiver", "handler", "unit_leader",
          "kb_editor", "city_leader"]


def text(r) -> str:
    return r.get_data(as_text=True)


def token(client, url: str) -> str:
    r = client.get(url)
    found = TOKEN.search(text(r))
    assert found, f"no CSRF token on {url} ({r.status_code})"
    return found.group(1)


def post(client, url: str, data: dict | None = None, *, get_url: str = "/process/", **kw):
    """POST a form as a browser does, with the CSRF token of the page that shows it."""
    return client.post(url, data={"csrf_token": token(client, get_url), **(data or {})}, **kw)


def login(client, username: str) -> None:
    r = client.post("/login", data={"csrf_token": token(client, "/login"), "username": username,
                                    "password": "demo12345"})
    assert r.status_code == 302, text(r)[:500]


@pytest.fixture
def client(app, db):
    return Client(app, app.response_class)  # fresh request globals per request


@pytest.fixture
def owner(client):
    login(client, "process_owner")
    return client


@pytest.fixture(autouse=True)
def _forget_drafts(db):
    yield
    db.session.rollback()
    db.session.execute(delete(ProcessDraft))
    db.session.commit()


def _forget_tickets(db) -> None:
    # The ``db`` fixture empties these after the test too; versions created by the test can only go once no
    # ticket points at them.
    for table in TICKET_TABLES:
        db.session.execute(sql(f"DELETE FROM {table}"))


@pytest.fixture
def restore_version(db):
    """The active diagram version before the test. Afterwards it is made active again and the versions the test
    deployed are removed, so later tests see the same version numbers as without this one."""
    active = db.session.scalar(select(ProcessVersion).where(ProcessVersion.process_id == MAIN_PROCESS,
                                                            ProcessVersion.active.is_(True)))
    last_id = db.session.scalar(select(func.max(ProcessVersion.id)))
    yield active
    db.session.rollback()
    with transaction(db.session):
        activate(db.session, active.version)
        _forget_tickets(db)
        db.session.execute(delete(ProcessVersion).where(ProcessVersion.id > last_id))
    reset_caches()  # SQLite may hand a removed id to the next deployment: forget the parsed bundles by id


@pytest.fixture
def restore_rules(db):
    """The active rule set before the test; made active again afterwards, the versions the test saved removed."""
    active = db.session.scalar(select(RuleSet).where(RuleSet.active.is_(True)))
    last_id = db.session.scalar(select(func.max(RuleSet.id)))
    yield active
    db.session.rollback()
    with transaction(db.session):
        activate_rule_set(db.session, active.version)
        _forget_tickets(db)
        db.session.execute(delete(RuleSet).where(RuleSet.id > last_id))
    reset_caches()


@pytest.fixture
def dry_run_once(monkeypatch):
    """Within one test, the dry run of the same files against the same active version and units is simulated once.

    A refused forced deployment runs the whole dry run again for its report, and the next attempt runs it again:
    over a draft that breaks a journey that is seconds each (every gateway's untaken flows are tried). The result is
    a function of the files, the active version's elements and the sample units' names, so it is kept under exactly
    those and handed out as a fresh copy; the services and pages under test still decide everything from it.
    """
    from engine.process import deploy

    simulate, seen = deploy.dry_run, {}

    def once(files, process_id=MAIN_PROCESS, session=None):
        active = deploy.active_ids(session, process_id)
        key = (tuple(sorted(files.items())), process_id, None if active is None else frozenset(active),
               tuple(sorted(deploy.sample_unit_names(session).items())))
        if key not in seen:
            seen[key] = simulate(files, process_id, session)
        return copy.deepcopy(seen[key])

    monkeypatch.setattr(deploy, "dry_run", once)  # what deploy_version and the pages call
    return once
