"""JSON API of the same matter (issue 21): similar tickets of a ticket or of a request being typed, and dispatch
suggestions. Registered on the /api/v1 blueprint by :func:`register`; each handler checks its input explicitly
(errors are the API's JSON errors: 400 with Chinese messages per field, 401, 403, 404)."""
from __future__ import annotations

from flask import Blueprint, jsonify, request
from spectree import Response

from engine.common import Forbidden, Invalid, transaction
from engine.domain.roles import Role
from engine.matching import check_draft, check_limit, record_shown, search, similar_to_ticket
from engine.matching import suggest as suggestions
from engine.tickets import queries

from ..extensions import db
from ..security import api_actor, now, require_user
from . import schemas as s
from .validation import SPEC

ERRORS = tuple((f"HTTP_{n}", s.ErrorOut) for n in (400, 401, 403, 404))

#: Who may ask which units to dispatch a ticket to: those who dispatch.
SUGGEST_ROLES = frozenset({Role.DISPATCHER, Role.COUNTY_DISPATCHER, Role.REVIEWER, Role.ADMIN})

def register(bp: Blueprint) -> None:
    """Add the same-matter endpoints to the API blueprint."""

    @bp.get("/tickets/<int:ticket_id>/similar")
    @SPEC.validate(query=s.SimilarQuery, resp=Response(**dict([("HTTP_200", s.SimilarOut), *ERRORS])))
    def ticket_similar(ticket_id: int):
        """相似工单（按内容、地点、时间排序，按单位范围）。"""
        actor = require_user(api_actor())
        limit = check_limit(request.args.get("limit"))
        ticket = queries.get_visible_ticket(db.session, actor, ticket_id)
        hits = similar_to_ticket(db.session, actor, ticket, now(), limit=limit)
        return jsonify({"similar": [h.as_json() for h in hits]})

    @bp.post("/similar")
    @SPEC.validate(json=s.SimilarDraftIn, resp=Response(**dict([("HTTP_200", s.SimilarOut), *ERRORS[:3]])))
    def draft_similar():
        """尚未登记的诉求的相似工单（登记时实时查看）。"""
        actor = require_user(api_actor())
        data = request.get_json(silent=True)
        query = check_draft(data)
        limit = check_limit(data.get("limit"))
        hits = search(db.session, actor, query, now(), limit=limit)
        return jsonify({"similar": [h.as_json() for h in hits]})

    @bp.get("/tickets/<int:ticket_id>/dispatch-suggestions")
    @SPEC.validate(query=s.SuggestionsQuery, resp=Response(**dict([("HTTP_200", s.SuggestionsOut), *ERRORS])))
    def dispatch_suggestions(ticket_id: int):
        """派单建议（职责清单、相似工单办理情况、属地）：前三个单位及理由，不预选。"""
        actor = require_user(api_actor())
        if actor.role not in SUGGEST_ROLES:
            raise Forbidden("只有派单员可以查看派单建议", f"{actor.label} may not ask for dispatch suggestions")
        ticket = queries.get_visible_ticket(db.session, actor, ticket_id)
        if "limit" in request.args:
            raise Invalid("派单建议固定为前三个单位，不接受 limit 参数", "dispatch suggestions: limit given",
                          fields={"limit": "不接受该参数"})
        with transaction(db.session):
            shown = suggestions.suggest(db.session, ticket, now())
            record_shown(db.session, actor, ticket, shown, now())
        return jsonify({"suggestions": [s.as_json() for s in shown]})
