"""JSON API for channels and integrations under /api/v1; errors are JSON with a code and a Chinese message.

Every request body and query is declared in ``schemas`` and checked by ``validation`` before the view runs; the
OpenAPI document at /api/v1/openapi.json is generated from the same declarations.
"""
from __future__ import annotations

from flask import Blueprint, jsonify, request
from spectree import Response
from sqlalchemy import select

from engine.clocks import explain_ticket_clocks
from engine.common import Actor, Invalid, transaction
from engine.domain.states import CHANNEL_LABELS, RATING_LABELS, TYPE_LABELS
from engine.knowledge import search as kb
from engine.models import KnowledgeEntry, RefusalReason, Unit, User
from engine.oversight import callers
from engine.tickets import complete_task, load_instance, queries, register

from ..extensions import db
from ..security import api_actor, authenticate, citizen_lookup, issue_user_token, now, require_user, revoke_tokens
from . import schemas as s
from .interop import register as register_interop
from .interop import register_callers
from .matching import register as register_matching
from .validation import SPEC, TASK_BODIES, check_body, remember

bp = Blueprint("api", __name__, url_prefix="/api/v1")
register_matching(bp)  # similar tickets and dispatch suggestions (web/api/matching.py)
register_interop(bp)  # 12345 ↔ 110 handoff statistics (web/api/interop.py)
register_callers(bp)  # callers' records and flags, Art. 27 (web/api/interop.py)
E400, E401, E403, E404, E409, E429 = tuple((f"HTTP_{n}", s.ErrorOut) for n in (400, 401, 403, 404, 409, 429))


def answers(ok: tuple[str, type], *errors: tuple[str, type]) -> Response:
    """The documented responses of an operation: its success and the errors it can give."""
    return Response(**dict([ok, *errors]))


def body() -> dict:
    """The validated JSON body of this request, without the fields the client left out."""
    return request.context.json.model_dump(exclude_unset=True)


def query():
    return request.context.query


def answered_transaction():
    """The one transaction of an API write whose answer is read inside it, before the commit: the commit expires
    nothing (Flask-SQLAlchemy's session would mark every object it holds to be reloaded, and the session ends with
    the request, unread). It yields the request's session itself, for the services to use without going through
    ``db.session``'s per-context look-up on every call."""
    session = db.session()
    session.expire_on_commit = False
    return transaction(session)


def step_json(step) -> dict:
    t = step.ticket
    return {"ticket": {"id": t.id, "number": t.number, "status": t.status, "status_label": t.status_enum.label},
            "action": step.action,
            "tasks": [{"task_id": r.uuid, "task": r.bpmn_id, "title": r.title, "role": r.role} for r in step.ready]}


@bp.post("/session")
@SPEC.validate(json=s.SessionIn, resp=answers(("HTTP_200", s.SessionOut), E400, E401), security={})
def login():
    """用户登录，换取访问令牌。同一账号自同一地址连续失败 5 次后锁定 15 分钟。"""
    data = body()
    user = authenticate(data.get("username", ""), data.get("password", ""))
    return jsonify({"token": issue_user_token(user), "user": {"id": user.id, "username": user.username,
                                                             "display_name": user.display_name, "role": user.role,
                                                             "unit_id": user.unit_id}})


@bp.delete("/session")
@SPEC.validate(resp=answers(("HTTP_200", s.SignedOut), E401, E403))
def logout():
    """退出登录：本账号此前签发的全部访问令牌随即失效。"""
    actor = require_user(api_actor())
    revoke_tokens(db.session.get(User, actor.user_id))
    db.session.commit()
    return jsonify({"revoked": True, "user_id": actor.user_id})


@bp.post("/tickets")
@SPEC.validate(json=s.TicketIn, resp=answers(("HTTP_201", s.StepOut), E400, E401, E403))
def create_ticket():
    """登记诉求（任一渠道）。"""
    actor = api_actor()
    data = body()
    with answered_transaction() as session:
        ticket, code, step = register(session, actor, data, now())
        out = step_json(step)
        out["query_code"] = code
        if callers.may_see_flags(actor):  # the intake banner (Art. 27): the call is registered all the same
            # In the registration's transaction: the flags shown and their audit row are committed with the
            # ticket, or neither is (a failure leaves no ticket whose query code the agent never saw).
            out["caller_flags"] = callers.intake_banner(session, actor, ticket.citizen_phone, now())
    return jsonify(out), 201


@bp.get("/tickets/<int:ticket_id>")
@SPEC.validate(query=s.TicketQuery, resp=answers(("HTTP_200", s.TicketOut), E400, E401, E403, E404))
def get_ticket(ticket_id: int):
    """查看工单（按单位范围，诉求人信息按角色脱敏，查看完整信息记入查看记录）。"""
    actor = require_user(api_actor())
    with transaction(db.session):
        ticket = queries.get_visible_ticket(db.session, actor, ticket_id)
        view = queries.ticket_view(db.session, actor, ticket, now(), reveal_reason=query().reason)
        view["clock_explanations"] = explain_ticket_clocks(db.session, ticket)  # 为什么是这个时限
    return jsonify(view)


@bp.get("/tickets/<int:ticket_id>/timeline")
@SPEC.validate(resp=answers(("HTTP_200", s.TimelineOut), E401, E403, E404))
def get_timeline(ticket_id: int):
    """工单办理时间线。"""
    actor = require_user(api_actor())
    queries.get_visible_ticket(db.session, actor, ticket_id)
    return jsonify({"timeline": queries.timeline(db.session, ticket_id)})


@bp.get("/tickets/<int:ticket_id>/position")
@SPEC.validate(resp=answers(("HTTP_200", s.PositionOut), E401, E403, E404))
def get_position(ticket_id: int):
    """工单在流程图中的当前位置。"""
    actor = require_user(api_actor())
    ticket = queries.get_visible_ticket(db.session, actor, ticket_id)
    inst = load_instance(db.session, ticket)
    return jsonify({"process_version_id": ticket.process_version_id, "waiting_at": inst.position(),
                    "completed": inst.completed_ids()})


@bp.get("/tasks")
@SPEC.validate(query=s.TasksQuery, resp=answers(("HTTP_200", s.TaskListOut), E400, E401, E403))
def my_tasks():
    """我的待办（limit 1–500，offset 0–1000000）。"""
    actor = require_user(api_actor())
    q = query()
    return jsonify({"tasks": queries.worklist(db.session, actor, limit=q.limit, offset=q.offset)})


@bp.post("/tickets/<int:ticket_id>/tasks/<task_ref>")
@SPEC.validate(resp=answers(("HTTP_200", s.StepOut), E400, E401, E403, E404, E409))
def complete(ticket_id: int, task_ref: str):
    """办理一项待办任务（task_ref 为任务 ID 或流程节点 ID），请求体按该任务的表单键。"""
    actor = require_user(api_actor())
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        check_body(s.Body, data)  # refuses with "应为 JSON 对象"
    with answered_transaction() as session:
        step = complete_task(session, actor, ticket_id, task_ref, data, now(), check=task_body)
        out = step_json(step)
    return jsonify(out)


def task_body(form_key: str | None, data: dict) -> dict:
    """The request body checked against the schema of the task's form key, found by the service under the lock (a
    task without a form key takes the body as sent; an unknown task is the service's 409)."""
    if form_key is None:
        return data
    return check_body(TASK_BODIES.get(form_key, TASK_BODIES[""]), data)


@bp.post("/progress")
@SPEC.validate(json=s.ProgressIn, resp=answers(("HTTP_200", s.ProgressOut), E400, E404, E429), security={})
def progress():
    """诉求人凭工单编号和查询码查询进度（同一地址或同一编号 10 分钟内查询码错误满 10 次，暂停查询 10 分钟）。"""
    data = body()
    return jsonify(citizen_lookup(data.get("number", ""), data.get("code", "")))


@bp.post("/progress/evaluate")
@SPEC.validate(json=s.CitizenEvaluationIn, resp=answers(("HTTP_200", s.EvaluatedOut), E400, E404, E409, E429),
               security={})
def citizen_evaluate():
    """诉求人网上评价。"""
    data = body()
    found = citizen_lookup(data.get("number", ""), data.get("code", ""))  # a wrong pair counts as a guess
    with transaction(db.session):
        if not found["can_evaluate"]:
            raise Invalid("该工单当前不在评价阶段", f"ticket {found['number']} not awaiting evaluation",
                          code="not_evaluating")
        step = complete_task(db.session, Actor.citizen(), found["ticket_id"], "evaluate", data, now())
        out = {"number": step.ticket.number, "status": step.ticket.status,
               "status_label": step.ticket.status_enum.label}
    return jsonify(out)


@bp.get("/meta")
@SPEC.validate(resp=answers(("HTTP_200", s.MetaOut)), security={})
def meta():
    """类型、渠道、评价等级、不予受理理由。"""
    reasons = db.session.scalars(select(RefusalReason).where(RefusalReason.active.is_(True))
                                 .order_by(RefusalReason.code)).all()
    return jsonify({"ticket_types": {k.value: v for k, v in TYPE_LABELS.items()},
                    "channels": {k.value: v for k, v in CHANNEL_LABELS.items()},
                    "ratings": {k.value: v for k, v in RATING_LABELS.items()},
                    "refusal_reasons": [{"code": r.code, "label": r.label,
                                         "needs_earlier_ticket": r.needs_earlier_ticket} for r in reasons]})


@bp.get("/units")
@SPEC.validate(resp=answers(("HTTP_200", s.UnitsOut), E401, E403))
def units():
    """承办单位列表。"""
    require_user(api_actor())
    rows = db.session.scalars(select(Unit).where(Unit.active.is_(True)).order_by(Unit.id)).all()
    return jsonify({"units": [{"id": u.id, "code": u.code, "name": u.name, "kind": u.kind,
                               "parent_id": u.parent_id} for u in rows]})


@bp.get("/kb")
@SPEC.validate(query=s.KbQuery, resp=answers(("HTTP_200", s.KbOut), E400, E401, E403))
def kb_search():
    """知识库检索（简易）。"""
    require_user(api_actor())
    q = (query().q or "").strip()
    if q:
        hits = kb.search(db.session, q, limit=20, now=now())
        return jsonify({"entries": [{"id": h.entry_id, "title": h.title, "category": h.category,
                                     "title_html": h.title_html, "snippet_html": h.snippet_html, "score": h.score}
                                    for h in hits]})
    rows = [e for e in db.session.scalars(select(KnowledgeEntry).where(KnowledgeEntry.status == "published")
                                          .order_by(KnowledgeEntry.id).limit(20)) if kb.is_live(e, now())]
    return jsonify({"entries": [{"id": e.id, "title": e.title, "category": e.category, "content": e.content}
                                for e in rows]})


remember(s.SessionIn, s.TicketIn, s.ProgressIn, s.CitizenEvaluationIn, s.TicketQuery, s.TasksQuery, s.KbQuery)
SPEC.register(bp)
