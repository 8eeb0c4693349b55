"""Fixtures for the document store: clean document tables, tickets in the states documents rest on, PDF text,
and a page client that signs in by session."""
from __future__ import annotations

import io
import re
from datetime import datetime, timedelta

import pypdf
import pytest
from sqlalchemy import select, text

from engine.common.db import transaction
from engine.models import Ticket, User
from engine.tickets.lifecycle import complete_task, register

# test_browser.py drives the batch page in headless chromium with the browser suite's own fixtures.
from tests.support.helpers import CITIZEN, REPLY, unit, user
from tests.support.pages import Client

DOCUMENT_TABLES = ("print_batch", "issued_document", "document_counter")
T0 = datetime.fromisoformat("2026-11-25T10:00:00+08:00")


@pytest.fixture(autouse=True)
def clean_documents(db):
    """Documents point at tickets, so they go before the ``db`` fixture empties the ticket tables."""
    yield
    db.session.rollback()
    for table in DOCUMENT_TABLES:
        db.session.execute(text(f"DELETE FROM {table}"))
    db.session.commit()


def squash(value: str) -> str:
    """Drop all whitespace: pypdf breaks CJK lines wherever the layout wrapped them."""
    return re.sub(r"\s+", "", value)


def pdf_text(pdf: bytes) -> str:
    return squash("".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages))


def page_count(pdf: bytes) -> int:
    return len(pypdf.PdfReader(io.BytesIO(pdf)).pages)


class Flow:
    """Drive tickets through the services into the states documents are issued for; time advances an hour a step."""

    def __init__(self, db):
        self.db = db
        self.now = T0

    def tick(self, hours: float = 1) -> datetime:
        self.now += timedelta(hours=hours)
        return self.now

    def act(self, username: str, ticket: Ticket, task: str, **data) -> None:
        with transaction(self.db.session):
            complete_task(self.db.session, user(self.db.session, username), ticket.id, task, data, self.tick())

    def new(self, **extra) -> Ticket:
        with transaction(self.db.session):
            ticket, _code, _step = register(self.db.session, user(self.db.session, "agent"), {**CITIZEN, **extra},
                                            self.tick(0.1))
        return ticket

    def refused(self, code: int = 4, explanation: str = "该事项属于合同纠纷，应通过诉讼途径解决。") -> Ticket:
        t = self.new()
        self.act("agent", t, "decide_scope", scope="refuse", refusal_code=code, refusal_explanation=explanation)
        return t

    def dispatched(self, unit_code: str = "HY-ZJJ") -> Ticket:
        t = self.new(scope="accept")
        self.act("dispatcher", t, "dispatch", lead_unit=unit(self.db.session, unit_code).id)
        return t

    def returned(self) -> Ticket:
        t = self.dispatched()
        self.act("receiver", t, "sign", decision="return", return_reason="经核实，该事项属于人力资源和社会保障部门职责。",
                 return_basis="《劳动保障监察条例》第十三条")
        return t

    def evaluating(self) -> Ticket:
        t = self.dispatched()
        self.act("receiver", t, "sign", decision="sign")
        self.act("handler", t, "reply", **REPLY)
        self.act("reviewer", t, "review", decision="accept")
        return t

    def archived(self) -> Ticket:
        t = self.evaluating()
        self.act("agent", t, "evaluate", intake_rating="very_satisfied", handling_rating="satisfied",
                 method="callback", comment="处理及时")
        return t

    def redone(self) -> Ticket:
        t = self.evaluating()
        self.act("agent", t, "evaluate", intake_rating="satisfied", handling_rating="dissatisfied", method="callback",
                 comment="工地夜间仍在施工")
        self.act("reviewer", t, "redo_decision", reasonable=True, reason="经核查回访录音，诉求人理由合理")
        return t


@pytest.fixture
def flow(db):
    return Flow(db)


@pytest.fixture
def client(app, db):
    return Client(app, app.response_class)  # fresh request globals per request


TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def sign_in(client, db, username: str) -> None:
    uid = db.session.scalar(select(User.id).where(User.username == username))
    with client.session_transaction() as s:
        s.clear()
        s["uid"] = uid


def post(client, url: str, data: dict, get_url: str = "/documents"):
    """POST a form with the CSRF token of the page that shows it."""
    found = TOKEN.search(client.get(get_url).get_data(as_text=True))
    assert found, f"no CSRF token on {get_url}"
    return client.post(url, data={"csrf_token": found.group(1), **data})
