"""JSON API of the same matter (issue 21): similar tickets of a ticket or of a request being typed, and dispatch
suggestions. Registered on the /api/v1 blueprint by :func:`register`; each handler checks its input explicitly
(errors are the API's JSON errors: 400 with Chinese messages per field, 401, 403, 404)."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from engine.common import Forbidden, Invalid, transaction
from engine.domain.roles import Role
from engine.matching import check_draft, check_limit, record_shown, search, similar_to_ticket
from engine.matching import suggest as suggestions
from engine.tickets import queries

from ..extensions import db
from ..security import api_actor, now, require_user

#: Who may ask which units to dispatch a ticket to: those who dispatch.
SUGGEST_ROLES = frozenset({Role.DISPATCHER, Role.COUNTY_DISPATCHER, Role.REVIEWER, Role.ADMIN})

PATHS = {
    "/api/v1/tickets/{ticket_id}/similar": {"get": {
        "summary": "相似工单（按内容、地点、时间排序，按单位范围）",
        "parameters": [{"name": "ticket_id", "in": "path", "required": True, "schema": {"type": "integer"}},
                       {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 50}}],
        "responses": {"200": {"description": "{similar: [{ticket_id, number, score, reasons}]}，得分从高到低"}}}},
    "/api/v1/similar": {"post": {
        "summary": "尚未登记的诉求的相似工单（登记时实时查看）",
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["content"],
            "properties": {"content": {"type": "string", "maxLength": 5000},
                           "address": {"type": "string", "maxLength": 255},
                           "category": {"type": "string", "maxLength": 80},
                           "citizen_phone": {"type": "string", "maxLength": 40},
                           "limit": {"type": "integer", "minimum": 1, "maximum": 50}}}}}},
        "responses": {"200": {"description": "{similar: [{ticket_id, number, score, reasons}]}"}}}},
    "/api/v1/tickets/{ticket_id}/dispatch-suggestions": {"get": {
        "summary": "派单建议（职责清单、相似工单办理情况、属地），前三个单位及理由",
        "parameters": [{"name": "ticket_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
        "responses": {"200": {"description": "{suggestions: [{unit_id, unit_name, score, reasons}]}"}}}},
}


def register(bp: Blueprint) -> None:
    """Add the same-matter endpoints to the API blueprint."""

    @bp.get("/tickets/<int:ticket_id>/similar")
    def ticket_similar(ticket_id: int):
        actor = require_user(api_actor())
        limit = check_limit(request.args.get("limit"))
        ticket = queries.get_visible_ticket(db.session, actor, ticket_id)
        hits = similar_to_ticket(db.session, actor, ticket, now(), limit=limit)
        return jsonify({"similar": [h.as_json() for h in hits]})

    @bp.post("/similar")
    def draft_similar():
        actor = require_user(api_actor())
        data = request.get_json(silent=True)
        query = check_draft(data)
        limit = check_limit(data.get("limit"))
        hits = search(db.session, actor, query, now(), limit=limit)
        return jsonify({"similar": [h.as_json() for h in hits]})

    @bp.get("/tickets/<int:ticket_id>/dispatch-suggestions")
    def dispatch_suggestions(ticket_id: int):
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
