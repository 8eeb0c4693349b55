"""What a decision rests on, read for the page that takes it and for the record on the ticket page.

Each function returns plain dicts with Chinese labels and ISO instants; nothing here writes. The extension's new
deadline is computed from the rules in force, never typed by the person who approves it.
"""
from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from engine.common import Actor, calendar, iso, rules_for
from engine.docstore import documents_for_ticket
from engine.domain import timelimits as tl
from engine.domain.roles import ROLE_LABELS, Role
from engine.domain.states import METHOD_LABELS, RATING_LABELS, EvaluationMethod, Rating
from engine.models import (
    Assignment,
    Evaluation,
    ExtensionRequest,
    IssuedDocument,
    JointReview,
    Reply,
    Supervision,
    Ticket,
    Unit,
    User,
)

from .supervision import REASON_LABELS

TRIGGER_LABELS = {"dispatcher": "派单员提请（职责不清或有争议）", "second_return": "工单第二次被退回",
                  "disputed_return": "退回有争议"}
OUTCOME_LABELS = {"settled": "审定确定承办单位", "escalate": "不能审定，报市政府决定", "city": "市政府决定"}
DECISION_LABELS = {"approve": "批准延期", "deny": "不予延期", "accept": "合格，督办办结",
                   "back": "不合格，退回重新答复"}
# Who opens a supervision without a person: the scheduler's passes.
SYSTEM_OPENERS = {"red_card": "系统（红牌自动督办）", "repeated": "系统（重复反映自动督办）"}


def _names(session: Session, model, ids) -> dict[int, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    column = User.display_name if model is User else Unit.name
    return dict(session.execute(select(model.id, column).where(model.id.in_(ids))).all())


def _people(session: Session, ids) -> dict[int, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    rows = session.execute(select(User.id, User.display_name, User.role).where(User.id.in_(ids))).all()
    return {i: f"{name}（{ROLE_LABELS[Role(role)]}）" for i, name, role in rows}


# -- extension (延期) -----------------------------------------------------------------------------------------------

def extension_facts(session: Session, ticket: Ticket) -> dict | None:
    """The ticket's extension request: days asked, the unit's reason, the deadline now and the one approval gives."""
    req = session.scalar(select(ExtensionRequest).where(ExtensionRequest.ticket_id == ticket.id))
    if req is None:
        return None
    people = _people(session, [req.requested_by_id, req.decided_by_id])
    out = {"days": req.days, "reason": req.reason, "requested_at": iso(req.requested_at),
           "requested_by": people.get(req.requested_by_id, "—"),
           "unit": _names(session, Unit, [req.unit_id]).get(req.unit_id, "—"),
           "due_before": iso(req.due_before), "decision": req.decision,
           "decision_label": DECISION_LABELS.get(req.decision or "", "待审批"),
           "decision_reason": req.decision_reason, "decided_at": iso(req.decided_at),
           "decided_by": people.get(req.decided_by_id), "due_after": iso(req.due_after),
           "new_due": iso(req.due_after), "new_summary": None, "new_provisional": False}
    if req.decision is None and ticket.handling_started_at is not None:
        try:  # what approving would give: the same computation apply_extension makes
            clock = tl.handling_clock(calendar(session), rules_for(session, ticket.rule_set_id), ticket.ticket_type,
                                      ticket.handling_started_at, extension_days=req.days)
        except (TypeError, ValueError):
            out["new_summary"] = "申请的天数超出该类诉求可延期的上限，不能批准"
        else:
            explained = clock.explain()
            out.update(new_due=iso(clock.due), new_summary=explained["summary"], new_provisional=clock.provisional)
    return out


# -- joint review (联合审定) ------------------------------------------------------------------------------------------

def returns_of_ticket(session: Session, ticket: Ticket) -> list[dict]:
    """Every return of the ticket, oldest first: the unit, its reason and legal basis."""
    rows = session.execute(select(Assignment, Unit.name).join(Unit, Unit.id == Assignment.unit_id)
                           .where(Assignment.ticket_id == ticket.id, Assignment.returned_at.is_not(None))
                           .order_by(Assignment.returned_at)).all()
    return [{"unit": name, "reason": a.return_reason, "basis": a.return_basis, "at": iso(a.returned_at)}
            for a, name in rows]


def units_involved(session: Session, ticket: Ticket) -> list[dict]:
    """The units the ticket has been dispatched to, each once, with what they did."""
    rows = session.execute(select(Assignment, Unit.name).join(Unit, Unit.id == Assignment.unit_id)
                           .where(Assignment.ticket_id == ticket.id).order_by(Assignment.round, Assignment.id)).all()
    seen: dict[int, dict] = {}
    for a, name in rows:
        entry = seen.setdefault(a.unit_id, {"unit": name, "roles": [], "returned": False})
        role = {"lead": "主办", "co": "协办", "county": "县级转派"}[a.role]
        if role not in entry["roles"]:
            entry["roles"].append(role)
        entry["returned"] = entry["returned"] or a.returned_at is not None
    return list(seen.values())


def _joint_dict(session: Session, jr: JointReview) -> dict:
    units = _names(session, Unit, [jr.lead_unit_id, *(jr.co_unit_ids or []), *(jr.consult_units or [])])
    return {"id": jr.id, "trigger": jr.trigger, "trigger_label": TRIGGER_LABELS.get(jr.trigger, jr.trigger),
            "reason": jr.reason, "opened_at": iso(jr.opened_at), "participants": jr.participants,
            "meeting_date": jr.meeting_date, "minutes": jr.minutes,
            "consult_units": [units.get(u, str(u)) for u in jr.consult_units or []], "consult_due": iso(jr.consult_due),
            "opinions": list(jr.opinions or []), "outcome": jr.outcome,
            "outcome_label": OUTCOME_LABELS.get(jr.outcome or "", "审定中"), "decision_text": jr.decision_text,
            "proposal": jr.proposal, "city_decision": jr.city_decision, "city_decided_by": jr.city_decided_by,
            "lead_unit": units.get(jr.lead_unit_id), "co_units": [units.get(u, str(u)) for u in jr.co_unit_ids or []],
            "decided_at": iso(jr.decided_at)}


def joint_review_facts(session: Session, ticket: Ticket) -> dict:
    """The joint review under way, with the dispute it is about and the units involved.

    A review already decided is history: a second return after it starts a new one (opened at its meeting), so until
    then the page shows the returns, not the earlier review's minutes.
    """
    jr = session.scalar(select(JointReview).where(JointReview.ticket_id == ticket.id,
                                                  or_(JointReview.outcome.is_(None), JointReview.outcome == "escalate"))
                        .order_by(JointReview.id.desc()).limit(1))
    out = _joint_dict(session, jr) if jr is not None else {"trigger_label": TRIGGER_LABELS["second_return"],
                                                           "reason": None, "opinions": []}
    out.update(returns=returns_of_ticket(session, ticket), units=units_involved(session, ticket))
    return out


# -- supervision (督办) ---------------------------------------------------------------------------------------------

def _supervision_dict(session: Session, sup: Supervision, people: dict, units: dict, docs: dict,
                      by_number: dict[str, int]) -> dict:
    opener = people.get(sup.opened_by_id) or SYSTEM_OPENERS.get(sup.reason, "系统")
    rounds = [dict(r) for r in sup.rounds or []]
    if not rounds and sup.replied_at is not None:  # answered before answers were kept round by round
        rounds = [{"reply_text": sup.reply_text, "written_explanation": sup.written_explanation,
                   "replied_at": iso(sup.replied_at), "late": sup.replied_late}]
    for r in rounds:
        r["decision_label"] = DECISION_LABELS.get(r.get("decision") or "")
        r["document_id"] = by_number.get(r.get("document") or "")
    return {"id": sup.id, "reason": sup.reason, "reason_label": REASON_LABELS.get(sup.reason, sup.reason),
            "instruction": sup.instruction, "instructed_by": sup.instructed_by, "note": sup.note,
            "opened_by": opener, "opened_at": iso(sup.opened_at), "due_at": iso(sup.due_at),
            "unit": units.get(sup.unit_id, "—"), "status": sup.status,
            "status_label": "督办中" if sup.status == "open" else "已办结",
            "notice": docs.get(sup.notice_document_id), "explanation": docs.get(sup.explanation_document_id),
            "reply_text": sup.reply_text, "written_explanation": sup.written_explanation,
            "replied_at": iso(sup.replied_at), "replied_late": sup.replied_late, "rounds": rounds,
            "overdue_flagged_at": iso(sup.overdue_flagged_at), "closed_at": iso(sup.closed_at)}


def supervisions_of(session: Session, ticket_id: int, only: int | None = None, actor: Actor | None = None
                    ) -> list[dict]:
    """The ticket's supervisions, oldest first (or just supervision ``only``).

    Each answer's 书面说明 carries its document (``document_id``) for a link; with ``actor``, only a document the
    actor may open (the archive's own rule), so nobody is shown a link that leads to a refusal.
    """
    q = select(Supervision).where(Supervision.ticket_id == ticket_id)
    if only is not None:
        q = q.where(Supervision.id == only)
    sups = list(session.scalars(q.order_by(Supervision.id)))
    people = _people(session, [s.opened_by_id for s in sups])
    units = _names(session, Unit, [s.unit_id for s in sups])
    doc_ids = {i for s in sups for i in (s.notice_document_id, s.explanation_document_id) if i}
    docs = {d.id: {"id": d.id, "number": d.number} for d in session.scalars(
        select(IssuedDocument).where(IssuedDocument.id.in_(doc_ids)))} if doc_ids else {}
    by_number: dict[str, int] = {}
    if actor is not None or any(r.get("document") for s in sups for r in s.rounds or []):
        by_number = {d["number"]: d["id"] for d in documents_for_ticket(session, ticket_id, actor)}
    if actor is not None:  # the notice's link follows the same rule
        docs = {i: d for i, d in docs.items() if by_number.get(d["number"]) == i}
    return [_supervision_dict(session, s, people, units, docs, by_number) for s in sups]


# -- redo adjudication (重办审定) -------------------------------------------------------------------------------------

def redo_facts(session: Session, ticket: Ticket) -> dict:
    """The rating to adjudicate with the citizen's reason, and the reply that was rated."""
    ev = session.scalar(select(Evaluation).where(Evaluation.ticket_id == ticket.id)
                        .order_by(Evaluation.id.desc()).limit(1))
    reply = session.scalar(select(Reply).where(Reply.ticket_id == ticket.id, Reply.review_decision == "accept")
                           .order_by(Reply.id.desc()).limit(1))
    out: dict = {"evaluation": None, "reply": None, "redo_count": ticket.redo_count,
                 "matter": _matter_evaluations(session, ticket)}
    if out["matter"]:  # a merged matter (并单): the dissatisfied citizen's rating is the one to adjudicate
        ev = session.scalar(select(Evaluation).where(
            Evaluation.ticket_id.in_([ticket.id, *_merged_ids(session, ticket)]),
            Evaluation.round == ticket.redo_count + 1,
            Evaluation.handling_rating.in_(("dissatisfied", "very_dissatisfied")))
            .order_by(Evaluation.id).limit(1)) or ev
    if ev is not None:
        out["evaluation"] = {
            "intake_label": RATING_LABELS[Rating(ev.intake_rating)],
            "handling_label": RATING_LABELS[Rating(ev.handling_rating)] if ev.handling_rating else None,
            "method_label": METHOD_LABELS[EvaluationMethod(ev.method)], "comment": ev.comment,
            "evaluated_at": iso(ev.evaluated_at), "round": ev.round}
    if reply is not None:
        out["reply"] = {"handled_at": iso(reply.handled_at), "department": reply.department,
                        "handler_name": reply.handler_name, "result": reply.result, "basis": reply.basis,
                        "contact_method": reply.contact_method, "citizen_informed": reply.citizen_informed,
                        "redo": reply.redo, "unit": _names(session, Unit, [reply.unit_id]).get(reply.unit_id)}
    return out


def _merged_ids(session: Session, ticket: Ticket) -> list[int]:
    return list(session.scalars(select(Ticket.id).where(Ticket.main_ticket_id == ticket.id).order_by(Ticket.id)))


def _matter_evaluations(session: Session, ticket: Ticket) -> list[dict]:
    """Every citizen's rating of a merged matter's current round (并单), the main ticket's first; empty otherwise."""
    merged = _merged_ids(session, ticket)
    if not merged:
        return []
    numbers = dict(session.execute(select(Ticket.id, Ticket.number).where(Ticket.id.in_([ticket.id, *merged]))).all())
    rows = session.scalars(select(Evaluation).where(Evaluation.ticket_id.in_([ticket.id, *merged]),
                                                    Evaluation.round == ticket.redo_count + 1)
                           .order_by(Evaluation.ticket_id != ticket.id, Evaluation.id)).all()
    return [{"number": numbers.get(e.ticket_id), "handling_label": RATING_LABELS[Rating(e.handling_rating)]
             if e.handling_rating else "—", "method_label": METHOD_LABELS[EvaluationMethod(e.method)],
             "comment": e.comment, "dissatisfied": e.handling_rating in ("dissatisfied", "very_dissatisfied")}
            for e in rows]


# -- the record on the ticket page ------------------------------------------------------------------------------------

def oversight_record(session: Session, ticket: Ticket) -> dict:
    """Every side-process decision of the ticket with its full texts: extension, joint reviews, supervisions."""
    joints = [_joint_dict(session, jr) for jr in session.scalars(
        select(JointReview).where(JointReview.ticket_id == ticket.id).order_by(JointReview.id))]
    return {"extension": extension_facts(session, ticket), "joint_reviews": joints,
            "supervisions": supervisions_of(session, ticket.id)}


def approved_extension(session: Session, ticket: Ticket) -> dict | None:
    """The approved extension of the ticket (days, new deadline), for the citizen's tracking page."""
    req = session.scalar(select(ExtensionRequest).where(ExtensionRequest.ticket_id == ticket.id,
                                                        ExtensionRequest.decision == "approve"))
    return {"days": req.days, "due": iso(req.due_after), "decided_at": iso(req.decided_at)} if req else None

