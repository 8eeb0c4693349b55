"""An upload is all or nothing with the action it belongs to: a crash after the file is stored and before the action
commits leaves neither the file nor the action — raised inside the request, and a process killed outright."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import func, select

import engine.tickets.lifecycle as lifecycle
from engine.models import Attachment, FailedSubmission, Reply, Ticket
from tests.support.helpers import REPLY
from tests.support.pages import INTAKE, as_user, text

from .flow import attachments_of, count_attachments, post_page, submit_task
from .samples import photo

ROOT = Path(__file__).resolve().parents[2]
REPLY_FILL = {"action": "reply", "result": REPLY["result"], "basis": REPLY["basis"],
              "contact_method": REPLY["contact_method"], "citizen_informed": "y"}


@pytest.fixture
def crash_after_storing(monkeypatch):
    """The files are written (flushed into the action's transaction), then the process fails before COMMIT."""
    real = lifecycle.store_files
    stored = []

    def store_then_fail(session, *args, **kwargs):
        rows = real(session, *args, **kwargs)
        if not rows:
            return rows  # a step without files (building the ticket up to the task) goes through
        session.flush()
        stored.extend(rows)
        raise RuntimeError("simulated crash between storing the file and committing the action")
    monkeypatch.setattr(lifecycle, "store_files", store_then_fail)
    return stored


def test_a_crash_after_storing_a_reply_photo_leaves_no_file_and_no_reply(client, db, tickets, crash_after_storing):
    t = tickets.handling()
    r = submit_task(client, db, t, "reply", REPLY_FILL, {"attachments": [(photo(), "整改后.jpg")]})
    assert crash_after_storing, "the crash did not come after the file was stored"
    assert r.status_code == 503 and REPLY["result"] in text(r)  # the page keeps what was typed
    db.session.rollback()
    assert attachments_of(db, t.id) == []
    assert db.session.scalar(select(func.count()).select_from(Reply).where(Reply.ticket_id == t.id)) == 0
    assert db.session.get(Ticket, t.id).status == "handling"
    failed = db.session.scalar(select(FailedSubmission).where(FailedSubmission.ticket_id == t.id))
    assert failed is not None and failed.data.get("result") == REPLY["result"]


def test_a_crash_after_storing_the_intake_photo_leaves_no_ticket(client, db, crash_after_storing):
    before = db.session.scalar(select(func.count()).select_from(Ticket))
    as_user(client, db, "agent")
    r = post_page(client, "/intake", INTAKE, {"attachments": [(photo(), "现场.jpg")]})
    assert crash_after_storing and r.status_code == 503
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == before
    assert count_attachments(db) == 0


CHILD = textwrap.dedent('''
    import os, signal, sys
    from datetime import datetime, timezone

    import engine.tickets.lifecycle as lifecycle
    from engine.attachments import Upload
    from engine.common.db import transaction
    from tests.attachments.samples import photo
    from tests.support.helpers import CITIZEN, REPLY, user
    from web import create_app

    url, mode, mark, ticket_id = sys.argv[1:5]
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SCHEDULER_ENABLED": False, "SECRET_KEY": "attachment-crash-test-key-0123456789"})
    real = lifecycle.store_files

    def store_then_die(session, *args, **kwargs):
        if not real(session, *args, **kwargs):
            return []
        session.flush()  # the file's row and bytes are in the database's transaction now
        sys.stdout.write("stored\\n")
        sys.stdout.flush()
        os.kill(os.getpid(), signal.SIGKILL)  # the process dies before COMMIT

    lifecycle.store_files = store_then_die
    now = datetime(2026, 11, 25, 3, 0, tzinfo=timezone.utc)
    with app.app_context():
        from web.extensions import db
        with transaction(db.session):
            if mode == "register":
                lifecycle.register(db.session, user(db.session, "agent"), {**CITIZEN, "content": mark, "scope": "accept"},
                                   now, uploads=[Upload("现场.jpg", photo())])
            else:
                lifecycle.complete_task(db.session, user(db.session, "handler"), int(ticket_id), "reply",
                                        {**REPLY, "result": mark}, now, uploads=[Upload("整改后.jpg", photo())])
    sys.stdout.write("survived\\n")
''')


def _kill_midway(database_url: str, mode: str, mark: str, ticket_id: int = 0) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", CHILD, database_url, mode, mark, str(ticket_id)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_a_process_killed_after_storing_the_file_leaves_neither_file_nor_ticket(db, database_url, tickets):
    mark = "进程中途被杀死的登记：不应留下任何记录"
    db.session.rollback()
    db.session.remove()  # hold no lock while the other process writes
    done = _kill_midway(database_url, "register", mark)
    assert done.returncode == -signal.SIGKILL and done.stdout.strip() == "stored", done.stderr[-2000:]
    assert db.session.scalar(select(func.count()).select_from(Ticket).where(Ticket.content == mark)) == 0
    assert count_attachments(db) == 0
    t = tickets.new()  # and the database takes the next action as usual
    assert t.id is not None


def test_a_process_killed_after_storing_a_reply_file_leaves_the_ticket_as_it_was(db, database_url, tickets):
    t = tickets.handling()
    tid, mark = t.id, "进程中途被杀死的答复"
    db.session.rollback()
    db.session.remove()
    done = _kill_midway(database_url, "reply", mark, tid)
    assert done.returncode == -signal.SIGKILL and done.stdout.strip() == "stored", done.stderr[-2000:]
    assert db.session.scalar(select(func.count()).select_from(Attachment).where(Attachment.ticket_id == tid)) == 0
    assert db.session.scalar(select(func.count()).select_from(Reply).where(Reply.ticket_id == tid)) == 0
    t = db.session.get(Ticket, tid)
    assert t.status == "handling"
    tickets.act("handler", t, "reply", **REPLY)  # the ticket is not stuck: the reply goes through afterwards
    db.session.expire_all()
    assert db.session.get(Ticket, tid).status == "reviewing"
