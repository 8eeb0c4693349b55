"""Handlers of the side processes' tasks: joint review (联合审定) and supervision (督办).

A joint-review decision that names the units (审定决定 settled, 市政府决定) dispatches the ticket to them itself: the
assignments of a new round are written here and the ticket goes straight to the lead unit's sign task.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from engine.attachments import Prepared
from engine.common import (
    Invalid,
    Result,
    calendar,
    dispatch_round,
    fail,
    handler,
    rules_for,
    text,
    unit_field,
    units_field,
)
from engine.docstore import issue_for_ticket
from engine.domain import timelimits as tl
from engine.models import JointReview, Supervision, TaskProjection, Ticket, Unit

from .supervision import issue_explanation


@handler("jr_meeting")
def _jr_meeting(session, actor, ticket, task, data, now) -> Result:
    errors: dict[str, str] = {}
    participants = text(data, "participants", "参会单位和人员", errors, max_len=2000)
    meeting_date = text(data, "meeting_date", "会商日期", errors, max_len=20)
    minutes = text(data, "minutes", "会商纪要", errors, max_len=10000)
    consult = units_field(session, data.get("consult_units"), "consult_units", errors, None)
    fail(errors, "joint review meeting")
    jr = open_joint_review(session, ticket, now)
    jr.participants, jr.meeting_date, jr.minutes = participants, meeting_date, minutes
    jr.consult_units = [u.id for u in consult]
    if consult:  # opinion requests carry their own due date: 2 working days, like a supervision reply
        jr.consult_due = tl.supervision_clock(calendar(session), rules_for(session, ticket.rule_set_id), now).due
    return ({"consult_units": [u.id for u in consult]}, "jr_meeting",
            {"participants": participants, "consult_units": [u.name for u in consult]})


@handler("jr_consult")
def _jr_consult(session, actor, ticket, task, data, now) -> Result:
    errors: dict[str, str] = {}
    opinion = text(data, "consult_opinion", "主管部门意见", errors, max_len=5000)
    fail(errors, "consultation")
    jr = open_joint_review(session, ticket, now)
    unit = session.get(Unit, task.unit_var_value)
    jr.opinions = [*(jr.opinions or []), {"unit_id": task.unit_var_value, "unit": unit.name if unit else None,
                                          "opinion": opinion, "at": now.isoformat(),
                                          "late": bool(jr.consult_due and now > jr.consult_due)}]
    return {}, "jr_consult", {"unit": unit.name if unit else None}


@handler("jr_proposal")
def _jr_proposal(session, actor, ticket, task, data, now) -> Result:
    errors: dict[str, str] = {}
    proposal = text(data, "proposal", "拟办意见", errors, max_len=10000)
    fail(errors, "proposed opinion")
    jr = open_joint_review(session, ticket, now)
    jr.proposal = proposal
    # The proposal the city government decides on, printed and numbered; signed by the one who wrote it.
    doc = issue_for_ticket(session, "proposed_opinion", ticket.id, actor, now, signer=actor.name)
    return {}, "jr_proposal", {"document": doc.number}


@handler("jr_city_decision")
def _jr_city_decision(session, actor, ticket, task, data, now) -> Result:
    errors: dict[str, str] = {}
    decision = text(data, "city_decision", "市政府决定", errors, max_len=5000)
    lead = unit_field(session, data.get("lead_unit"), "lead_unit", "主办单位", errors)
    cos = units_field(session, data.get("co_units"), "co_units", errors, lead)
    fail(errors, "city decision")
    jr = open_joint_review(session, ticket, now)
    jr.outcome, jr.city_decision, jr.city_decided_by = "city", decision, actor.label
    jr.lead_unit_id, jr.co_unit_ids, jr.decided_at = lead.id, [u.id for u in cos], now
    rnd = dispatch_round(session, ticket, actor, lead, cos, now)
    return (_decided_units(lead, cos), "jr_city_decision",
            {"lead_unit": lead.name, "co_units": [u.name for u in cos], "decision": decision, "round": rnd})


def _decided_units(lead: Unit, cos: list[Unit]) -> dict:
    """The workflow data of a decision that names the units: the ticket goes straight to them to sign for."""
    return {"joint_lead_unit": lead.id, "joint_co_units": [u.id for u in cos], "lead_unit": lead.id,
            "co_units": [u.id for u in cos], "via_county": None, "dispatch_action": "dispatch"}


def supervision_of(session: Session, task) -> Supervision:
    sid = session.scalar(select(TaskProjection.supervision_id).where(TaskProjection.task_uuid == task.uuid))
    sup = session.get(Supervision, sid) if sid else None
    if sup is None:
        raise Invalid("该任务不属于任何督办", f"task {task.uuid} has no supervision")
    return sup


@handler("supervision_reply")
def _supervision_reply(session, actor, ticket, task, data, now) -> Result:
    errors: dict[str, str] = {}
    reply = text(data, "reply_text", "督办答复", errors, max_len=5000)
    explanation = text(data, "written_explanation", "书面说明", errors, max_len=10000)
    fail(errors, "supervision reply")
    sup = supervision_of(session, task)
    sup.reply_text, sup.written_explanation, sup.replied_at = reply, explanation, now
    sup.replied_late = now > sup.due_at
    # The signed scan first, then the evidence: listed in the 书面说明, pictures printed on pages of their own.
    files = sorted((f for f in data.get("attachments") or () if isinstance(f, Prepared)),
                   key=lambda f: f.slot != "scan")
    doc = issue_explanation(session, actor, ticket, sup, now, [f.annex() for f in files])  # printed and kept
    sup.rounds = [*(sup.rounds or []), {"reply_text": reply, "written_explanation": explanation,
                                        "replied_at": now.isoformat(), "replied_by": actor.label,
                                        "late": sup.replied_late, "document": doc.number,
                                        "attachments": [f.name for f in files]}]
    return {}, "supervision_reply", {"supervision_id": sup.id, "late": sup.replied_late, "document": doc.number}


@handler("supervision_check")
def _supervision_check(session, actor, ticket, task, data, now) -> Result:
    errors: dict[str, str] = {}
    decision = data.get("decision") or data.get("check_decision")
    if decision not in ("accept", "back"):
        errors["decision"] = "请选择答复合格或退回重新答复"
    given = {"reason": data.get("reason") or data.get("check_opinion")}
    opinion = text(given, "reason", "退回理由", errors, required=decision == "back", max_len=2000)
    fail(errors, "supervision check")
    sup = supervision_of(session, task)
    rounds = [dict(r) for r in sup.rounds or []]
    if rounds:  # the check belongs to the answer it judged
        rounds[-1].update(decision=decision, opinion=opinion, checked_at=now.isoformat(), checked_by=actor.label)
        sup.rounds = rounds
    return {"check_decision": decision}, "supervision_check", {"supervision_id": sup.id, "decision": decision,
                                                               "opinion": opinion}


@handler("joint_decision")
def _joint_decision(session, actor, ticket, task, data, now) -> Result:
    errors: dict[str, str] = {}
    outcome = data.get("outcome") or data.get("jr_outcome") or "settled"
    if outcome not in ("settled", "escalate"):
        errors["outcome"] = "请选择审定确定承办单位，或提请市政府决定"
    decision = text(data, "decision_text", "审定意见", errors, max_len=5000)
    lead, cos = None, []
    if outcome == "settled":
        lead = unit_field(session, data.get("lead_unit"), "lead_unit", "主办单位", errors)
        cos = units_field(session, data.get("co_units"), "co_units", errors, lead)
    fail(errors, "joint decision")
    jr = open_joint_review(session, ticket, now)
    jr.outcome, jr.decision_text, jr.decided_at = outcome, decision, now
    if lead is not None:
        jr.lead_unit_id, jr.co_unit_ids = lead.id, [u.id for u in cos]
    # The review's minutes, printed and numbered once its decision is made (an escalation's minutes say so).
    doc = issue_for_ticket(session, "joint_review_minutes", ticket.id, actor, now)
    detail = {"outcome": outcome, "lead_unit": lead.name if lead else None, "co_units": [u.name for u in cos],
              "decision": decision, "document": doc.number}
    if lead is None:  # escalated: the city government will name the units
        return {"jr_outcome": outcome, "joint_lead_unit": None, "joint_co_units": []}, "joint_decision", detail
    detail["round"] = dispatch_round(session, ticket, actor, lead, cos, now)
    return {"jr_outcome": outcome, **_decided_units(lead, cos)}, "joint_decision", detail


def open_joint_review(session: Session, ticket: Ticket, now: datetime) -> JointReview:
    """The ticket's joint review under way, opened now when a second return brought the ticket here."""
    jr = session.scalar(select(JointReview).where(JointReview.ticket_id == ticket.id,
                                                  or_(JointReview.outcome.is_(None), JointReview.outcome == "escalate"))
                        .order_by(JointReview.id.desc()).limit(1))
    if jr is None:
        jr = JointReview(ticket_id=ticket.id, trigger="second_return", opened_at=now, consult_units=[], opinions=[])
        session.add(jr)
        session.flush()
    return jr
