"""JSON API of 12345 ↔ 110 (Art. 6(2)): the handoffs both ways per month and line; and of callers' records and
flags (Art. 27). Registered on the /api/v1 blueprint by :func:`register` and :func:`register_callers`. Handing
over and 110's matters themselves go through the ticket endpoints: the scope decision's ``handoff_*`` fields, and
``POST /tickets`` with ``case_number_110`` by the ``110`` channel client."""
from __future__ import annotations

from flask import Blueprint, jsonify, request
from spectree import Response

from engine.common import Forbidden, transaction
from engine.domain.calendar import TZ
from engine.domain.roles import OFFICE_ROLES
from engine.oversight import callers
from engine.tickets import handoff

from ..extensions import db
from ..security import api_actor, now, require_user
from . import interop_schema as s
from .schemas import ErrorOut
from .validation import SPEC

ERRORS = tuple((f"HTTP_{n}", ErrorOut) for n in (400, 401, 403))


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


def register_callers(bp: Blueprint) -> None:
    """Add the caller record and flag endpoints (Art. 27) to the API blueprint; office desk users only."""
    errors = tuple((f"HTTP_{n}", ErrorOut) for n in (400, 401, 403, 404, 409))

    def office():
        actor = require_user(api_actor())
        if not callers.may_see_flags(actor):
            raise Forbidden("只有热线办工作人员可以查看和标记来电人", f"{actor.label} used the caller API")
        return actor

    def flag_json(flag) -> dict:
        view = callers.flag_view(db.session, flag, now())
        return {k: view[k] for k in ("id", "kind", "kind_label", "status", "status_label", "reason", "guidance",
                                     "ends", "evidence")}

    @bp.post("/callers/lookup")
    @SPEC.validate(json=s.CallerLookupIn, resp=Response(**dict([("HTTP_200", s.CallerOut), *errors[:3]])))
    def caller_lookup():
        """来电人档案：工单、第六条第（九）项不予受理、评价和标记（查看记入审计日志）。"""
        actor = office()
        phone = callers.phone_of(request.context.json.phone)
        with transaction(db.session):
            record = callers.caller_record(db.session, actor, phone, now())
        return jsonify(record)

    @bp.post("/callers/flags")
    @SPEC.validate(json=s.FlagIn, resp=Response(**dict([("HTTP_201", s.FlagOut), *errors[:3]])))
    def caller_flag():
        """标记恶意来电（虚假举报、恶意攻击、骚扰、恶意占线），须另一名热线办工作人员复核确认后生效。"""
        actor = office()
        with transaction(db.session):
            flag = callers.propose_flag(db.session, actor, request.context.json.model_dump(), now())
            out = flag_json(flag)
        return jsonify(out), 201

    @bp.post("/callers/flags/<int:flag_id>/confirm")
    @SPEC.validate(resp=Response(**dict([("HTTP_200", s.FlagOut), *errors])))
    def caller_flag_confirm(flag_id: int):
        """复核确认标记（两人规则：提出人不能确认）。"""
        actor = office()
        with transaction(db.session):
            out = flag_json(callers.confirm_flag(db.session, actor, flag_id, now()))
        return jsonify(out)

    @bp.post("/callers/flags/<int:flag_id>/lift")
    @SPEC.validate(json=s.LiftIn, resp=Response(**dict([("HTTP_200", s.FlagOut), *errors])))
    def caller_flag_lift(flag_id: int):
        """解除标记（须说明理由）。"""
        actor = office()
        with transaction(db.session):
            out = flag_json(callers.lift_flag(db.session, actor, flag_id, request.context.json.reason, now()))
        return jsonify(out)

    @bp.post("/callers/flags/<int:flag_id>/referral")
    @SPEC.validate(json=s.ReferralIn, resp=Response(**dict([("HTTP_201", s.ReferralOut), *errors])))
    def caller_referral(flag_id: int):
        """依据生效标记的证据工单出具移送函（编号、存档）。"""
        actor = office()
        with transaction(db.session):
            doc = callers.refer_to_police(db.session, actor, flag_id, request.context.json.model_dump(), now())
            out = {"document_id": doc.id, "number": doc.number}
        return jsonify(out), 201
