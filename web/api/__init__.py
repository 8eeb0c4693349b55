"""JSON API for channels and integrations under /api/v1; errors are JSON with a code and a Chinese message."""
from __future__ import annotations

from flask import Blueprint, jsonify, request
from sqlalchemy import select

from engine.clocks import explain_ticket_clocks
from engine.common import Actor, Invalid, transaction
from engine.domain.states import CHANNEL_LABELS, RATING_LABELS, TYPE_LABELS
from engine.knowledge import search as kb
from engine.models import KnowledgeEntry, RefusalReason, Unit
from engine.tickets import complete_task, load_instance, queries, register

from ..extensions import db
from ..security import api_actor, authenticate, check_lookup, issue_user_token, now, require_user
from .matching import register as register_matching
from .openapi import openapi_document

bp = Blueprint("api", __name__, url_prefix="/api/v1")
register_matching(bp)  # similar tickets and dispatch suggestions (web/api/matching.py)


def body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise Invalid("请求体必须是 JSON 对象", "request body is not a JSON object")
    return data


def step_json(step) -> dict:
    t = step.ticket
    return {"ticket": {"id": t.id, "number": t.number, "status": t.status, "status_label": t.status_enum.label},
            "action": step.action,
            "tasks": [{"task_id": r.uuid, "task": r.bpmn_id, "title": r.title, "role": r.role} for r in step.ready]}


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())


@bp.post("/session")
def login():
    data = body()
    user = authenticate(data.get("username", ""), data.get("password", ""))
    return jsonify({"token": issue_user_token(user), "user": {"id": user.id, "username": user.username,
                                                             "display_name": user.display_name, "role": user.role,
                                                             "unit_id": user.unit_id}})


@bp.post("/tickets")
def create_ticket():
    actor = api_actor()
    data = body()
    with transaction(db.session):
        ticket, code, step = register(db.session, actor, data, now())
    out = step_json(step)
    out["query_code"] = code
    return jsonify(out), 201


@bp.get("/tickets/<int:ticket_id>")
def get_ticket(ticket_id: int):
    actor = require_user(api_actor())
    with transaction(db.session):
        ticket = queries.get_visible_ticket(db.session, actor, ticket_id)
        view = queries.ticket_view(db.session, actor, ticket, now(), reveal_reason=request.args.get("reason"))
        view["clock_explanations"] = explain_ticket_clocks(db.session, ticket)  # 为什么是这个时限
    return jsonify(view)


@bp.get("/tickets/<int:ticket_id>/timeline")
def get_timeline(ticket_id: int):
    actor = require_user(api_actor())
    queries.get_visible_ticket(db.session, actor, ticket_id)
    return jsonify({"timeline": queries.timeline(db.session, ticket_id)})


@bp.get("/tickets/<int:ticket_id>/position")
def get_position(ticket_id: int):
    actor = require_user(api_actor())
    ticket = queries.get_visible_ticket(db.session, actor, ticket_id)
    inst = load_instance(db.session, ticket)
    return jsonify({"process_version_id": ticket.process_version_id, "waiting_at": inst.position(),
                    "completed": inst.completed_ids()})


@bp.get("/tasks")
def my_tasks():
    actor = require_user(api_actor())
    limit = min(int(request.args.get("limit", 100)), 500)
    return jsonify({"tasks": queries.worklist(db.session, actor, limit=limit,
                                              offset=int(request.args.get("offset", 0)))})


@bp.post("/tickets/<int:ticket_id>/tasks/<task_ref>")
def complete(ticket_id: int, task_ref: str):
    actor = require_user(api_actor())
    data = body()
    with transaction(db.session):
        step = complete_task(db.session, actor, ticket_id, task_ref, data, now())
    return jsonify(step_json(step))


@bp.post("/progress")
def progress():
    data = body()
    check_lookup(data.get("number", ""))
    return jsonify(queries.citizen_lookup(db.session, data.get("number", ""), data.get("code", ""), now()))


@bp.post("/progress/evaluate")
def citizen_evaluate():
    data = body()
    check_lookup(data.get("number", ""))
    with transaction(db.session):
        found = queries.citizen_lookup(db.session, data.get("number", ""), data.get("code", ""), now())
        if not found["can_evaluate"]:
            raise Invalid("该工单当前不在评价阶段", f"ticket {found['number']} not awaiting evaluation",
                          code="not_evaluating")
        step = complete_task(db.session, Actor.citizen(), found["ticket_id"], "evaluate", data, now())
    return jsonify({"number": step.ticket.number, "status": step.ticket.status,
                    "status_label": step.ticket.status_enum.label})


@bp.get("/meta")
def meta():
    reasons = db.session.scalars(select(RefusalReason).where(RefusalReason.active.is_(True))
                                 .order_by(RefusalReason.code)).all()
    return jsonify({"ticket_types": {k.value: v for k, v in TYPE_LABELS.items()},
                    "channels": {k.value: v for k, v in CHANNEL_LABELS.items()},
                    "ratings": {k.value: v for k, v in RATING_LABELS.items()},
                    "refusal_reasons": [{"code": r.code, "label": r.label,
                                         "needs_earlier_ticket": r.needs_earlier_ticket} for r in reasons]})


@bp.get("/units")
def units():
    require_user(api_actor())
    rows = db.session.scalars(select(Unit).where(Unit.active.is_(True)).order_by(Unit.id)).all()
    return jsonify({"units": [{"id": u.id, "code": u.code, "name": u.name, "kind": u.kind,
                               "parent_id": u.parent_id} for u in rows]})


@bp.get("/kb")
def kb_search():
    require_user(api_actor())
    q = (request.args.get("q") or "").strip()
    if q:
        hits = kb.search(db.session, q, limit=20, now=now())
        return jsonify({"entries": [{"id": h.entry_id, "title": h.title, "category": h.category,
                                     "title_html": h.title_html, "snippet_html": h.snippet_html, "score": h.score}
                                    for h in hits]})
    rows = [e for e in db.session.scalars(select(KnowledgeEntry).where(KnowledgeEntry.status == "published")
                                          .order_by(KnowledgeEntry.id).limit(20)) if kb.is_live(e, now())]
    return jsonify({"entries": [{"id": e.id, "title": e.title, "category": e.category, "content": e.content}
                                for e in rows]})
