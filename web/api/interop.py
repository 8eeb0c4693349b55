"""JSON API of 12345 ↔ 110 (Art. 6(2)): the handoffs both ways per month and line. Registered on the /api/v1
blueprint by :func:`register`. Handing over and 110's matters themselves go through the ticket endpoints: the scope
decision's ``handoff_*`` fields, and ``POST /tickets`` with ``case_number_110`` by the ``110`` channel client."""
from __future__ import annotations

from flask import Blueprint, jsonify, request
from spectree import Response

from engine.common import Forbidden
from engine.domain.calendar import TZ
from engine.domain.roles import OFFICE_ROLES
from engine.tickets import handoff

from ..extensions import db
from ..security import api_actor, now, require_user
from . import schemas as s
from .validation import SPEC

ERRORS = tuple((f"HTTP_{n}", s.ErrorOut) for n in (400, 401, 403))


def register(bp: Blueprint) -> None:
    """Add the handoff statistics endpoint to the API blueprint."""

    @bp.get("/handoffs")
    @SPEC.validate(query=s.HandoffQuery, resp=Response(**dict([("HTTP_200", s.HandoffStatsOut), *ERRORS])))
    def handoff_stats():
        """紧急专线联动按月、按专线统计（转出 110/119/120/122，110 转来），仅限热线办。"""
        actor = require_user(api_actor())
        if actor.role not in OFFICE_ROLES:
            raise Forbidden("只有热线办可以查看紧急专线联动统计", f"{actor.label} asked for handoff statistics")
        year = request.context.query.year or now().astimezone(TZ).year
        return jsonify(handoff.monthly_counts(db.session, year))
