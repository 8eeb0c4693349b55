"""The JSON API's files (/api/v1): submit a 诉求, a task or an evaluation with attachments as multipart/form-data,
list a ticket's attachments and download one — under the same checks as the pages.

A multipart request carries the JSON body its plain endpoint takes as the form field ``data`` and the files as
``attachments`` (repeatable) and, for a supervision answer, ``explanation_scan``; the shapes are written down in
``attachments_schema.py`` (OpenAPI), so they can move with the rest of the API's schema.
"""
from __future__ import annotations

import json

from flask import Blueprint, jsonify, request

from engine.attachments import content, for_ticket
from engine.common import Actor, Invalid, transaction
from engine.tickets import attached, complete_task, queries, register

from ..attachments.files import api_url, send, uploads_from_request
from ..extensions import db
from ..security import api_actor, citizen_lookup, now, require_user
from . import step_json

bp = Blueprint("api_files", __name__, url_prefix="/api/v1")
STAFF_SLOTS = ("file", "scan")


def multipart_data() -> dict:
    """The JSON object in the multipart field ``data``.

    :raises Invalid: for a request that is not multipart or a ``data`` that is not a JSON object.
    """
    if request.mimetype != "multipart/form-data":
        raise Invalid("请以 multipart/form-data 提交：字段 data 为 JSON 对象，附件为 attachments 文件字段",
                      f"upload endpoint called with {request.mimetype!r}")
    try:
        data = json.loads(request.form.get("data") or "{}")
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise Invalid("字段 data 必须是 JSON 对象", "multipart data field is not a JSON object")
    return data


def listed(items: list[dict]) -> list[dict]:
    """Listed attachments with the address a client downloads each from (none for masked ones)."""
    return [{**a, "url": api_url(a["token"]) if a["token"] else None} for a in items]


@bp.post("/tickets/multipart")
def create_ticket_with_files():
    actor = api_actor()
    data = multipart_data()
    staff = actor.kind == "user"
    with transaction(db.session):
        ticket, code, step = register(db.session, actor, data, now(),
                                      uploads=uploads_from_request(("file",), public_choice=False, location=True))
        # A channel reads no ticket: its receipt names what was stored, without a way to fetch it.
        files = listed(attached.listing(db.session, actor, ticket.id)) if staff else [
            {k: a[k] for k in ("name", "kind", "mime", "size")} for a in for_ticket(db.session, ticket.id)]
    out = step_json(step)
    out["query_code"] = code
    out["attachments"] = files
    return jsonify(out), 201


@bp.post("/tickets/<int:ticket_id>/tasks/<task_ref>/multipart")
def complete_with_files(ticket_id: int, task_ref: str):
    actor = require_user(api_actor())
    data = multipart_data()
    with transaction(db.session):
        step = complete_task(db.session, actor, ticket_id, task_ref, data, now(),
                             uploads=uploads_from_request(STAFF_SLOTS, location=True))
        files = attached.listing(db.session, actor, ticket_id)
        out = step_json(step)  # read before the commit expires the ticket
    out["attachments"] = listed(files)
    return jsonify(out)


@bp.post("/progress/evaluate/multipart")
def citizen_evaluate_with_files():
    data = multipart_data()
    found = citizen_lookup(str(data.get("number") or ""), str(data.get("code") or ""))  # a wrong pair counts
    with transaction(db.session):
        if not found["can_evaluate"]:
            raise Invalid("该工单当前不在评价阶段", f"ticket {found['number']} not awaiting evaluation",
                          code="not_evaluating")
        step = complete_task(db.session, Actor.citizen(), found["ticket_id"], "evaluate", data, now(),
                             uploads=uploads_from_request(("file",), public_choice=False, location=True))
    return jsonify({"number": step.ticket.number, "status": step.ticket.status,
                    "status_label": step.ticket.status_enum.label})


@bp.get("/tickets/<int:ticket_id>/attachments")
def ticket_attachments(ticket_id: int):
    actor = require_user(api_actor())
    ticket = queries.get_visible_ticket(db.session, actor, ticket_id)
    return jsonify({"attachments": listed(attached.listing(db.session, actor, ticket.id))})


@bp.get("/attachments/<token>")
def download(token: str):
    """One attachment's bytes for a signed-in user who may see its ticket; the opening is logged (Art. 26)."""
    actor = require_user(api_actor())
    thumb = request.args.get("thumb") == "1"
    with transaction(db.session):
        found = attached.open_attachment(db.session, actor, token, now(), via="api", log=not thumb)
        data = content(db.session, found, thumb=thumb)
    return send(found, data, thumb=thumb, download=not thumb and found.kind == "office")
