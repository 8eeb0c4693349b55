"""Submit a page with files the way a browser does: the form's own values (only the fields it shows), the files in
the file inputs it shows, multipart."""
from __future__ import annotations

import io
import re

from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from engine.models import Attachment, AttachmentAccess, TaskProjection
from tests.support.pages import as_user, text, token
from tests.tickets.test_every_task_page import fill_form, lane_user

THUMB = re.compile(r'<img src="(/attachments/[^"?]+)\?thumb=1')


def task_url(db, ticket, bpmn_id: str) -> tuple[str, TaskProjection]:
    db.session.rollback()
    proj = db.session.scalar(select(TaskProjection).where(TaskProjection.ticket_id == ticket.id,
                                                          TaskProjection.bpmn_id == bpmn_id))
    assert proj is not None, f"{bpmn_id} is not ready"
    return f"/tickets/{ticket.id}/tasks/{proj.task_uuid}", proj


def with_files(pairs, files: dict[str, list[tuple[bytes, str]]]) -> MultiDict:
    data = MultiDict(pairs)
    for field, items in files.items():
        for content, name in items:
            data.add(field, (io.BytesIO(content), name))
    return data


def submit_task(client, db, ticket, bpmn_id: str, fill: dict, files: dict, *, username: str | None = None,
                extra: dict | None = None):
    """Open the task's page as a user of its lane, fill what it shows, choose the files, submit."""
    url, proj = task_url(db, ticket, bpmn_id)
    as_user(client, db, username or lane_user(db, proj))
    page = text(client.get(url))
    body, shown = fill_form(page, fill)
    for field in files:
        assert field in shown, f"the {bpmn_id} page has no file input {field!r}"
    pairs = [*body, ("op", "submit"), *(extra or {}).items()]
    return client.post(url, data=with_files(pairs, files), content_type="multipart/form-data")


def post_page(client, url: str, fields: dict, files: dict, *, get_url: str | None = None):
    """POST a public or intake form with its CSRF token and files."""
    pairs = [("csrf_token", token(client, get_url or url)), *fields.items()]
    return client.post(url, data=with_files(pairs, files), content_type="multipart/form-data")


def attachments_of(db, ticket_id: int) -> list[Attachment]:
    db.session.rollback()
    return list(db.session.scalars(select(Attachment).where(Attachment.ticket_id == ticket_id)
                                   .order_by(Attachment.id)))


def openings(db, attachment_id: int) -> list[AttachmentAccess]:
    db.session.rollback()
    return list(db.session.scalars(select(AttachmentAccess).where(AttachmentAccess.attachment_id == attachment_id)))


def count_attachments(db) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Attachment))
