"""Gather the facts a formal document rests on from the database, as plain dicts ready for ``documents``.

Ticket-bound kinds (工单办理单, 不予受理告知, 退回说明, 延期申请审批单, 重办通知, and in :mod:`.joint`
联合审定纪要 and 拟办意见) are built from the ticket's own rows; every other kind is issued from the values its
process or the office passes (:func:`from_values`). Instants are given in Beijing time, citizens' names and
phones masked where the document is not addressed to the citizen.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from documents import DocumentError, get_kind
from documents.render import format_when_text
from engine.common import ACTION_LABELS, Invalid, NotFound
from engine.domain.calendar import TZ
from engine.domain.interop import LINE_LABELS, OUTCOME_LABELS, handoff_sentence
from engine.domain.roles import mask_name, mask_phone
from engine.domain.states import (
    CHANNEL_LABELS,
    METHOD_LABELS,
    TYPE_LABELS,
    Channel,
    EvaluationMethod,
    TicketStatus,
    TicketType,
)
from engine.models import (
    Assignment,
    Attachment,
    AuditLog,
    EmergencyHandoff,
    Evaluation,
    ExtensionRequest,
    JointReview,
    Outbox,
    RefusalReason,
    Reply,
    Ticket,
    Unit,
    User,
)
from engine.models.attachments import ATTACHMENT_KIND_LABELS, size_text

from .steps import EXTRA_ACTION_LABELS, rating, sentence, step_note

#: What a ticket record names as lead unit when nobody was dispatched.
UNDISPATCHED = {"refuse": "（不予受理，未转派）", "answer": "（即时答复，未转派）"}


@dataclass(frozen=True)
class Facts:
    """What to issue: the kind, its context, and the ticket and unit it belongs to (for the archive and scope)."""

    kind: str
    context: dict = field(default_factory=dict)
    ticket_id: int | None = None
    unit_id: int | None = None


def local(value: datetime | None) -> datetime | None:
    return value.astimezone(TZ) if value is not None else None


def _summary(text: str | None) -> str:
    """A citizen's text as the body of a sentence: without the final full stop the template adds back."""
    return (text or "").strip().rstrip("。.!！ ")


def _ticket(session: Session, ticket_id: int) -> Ticket:
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound("工单不存在", f"no ticket {ticket_id} for a document")
    return ticket


def _ticket_basics(ticket: Ticket) -> dict:
    return {"ticket_no": ticket.number, "ticket_type": TYPE_LABELS[TicketType(ticket.ticket_type)],
            "channel": CHANNEL_LABELS[Channel(ticket.channel)], "received_at": local(ticket.created_at)}


def _method(value: str | None) -> str | None:
    return METHOD_LABELS[EvaluationMethod(value)] if value in {m.value for m in EvaluationMethod} else value


# --- 工单办理单 --------------------------------------------------------------------------------------------------

def ticket_timeline(session: Session, ticket_id: int) -> list[dict]:
    """The ticket's audit rows as timeline steps of a 工单办理单 (time, actor, action, note)."""
    rows = session.scalars(select(AuditLog).where(AuditLog.ticket_id == ticket_id)
                           .order_by(AuditLog.at, AuditLog.id)).all()
    # What a joint review's steps decided, where their audit rows do not keep it: the 拟办意见 (and the 市政府决定
    # of rows written before they kept it), in the order the reviews were held.
    texts: dict[str, list[str | None]] = {"jr_proposal": [], "jr_city_decision": []}
    if any(r.action in texts for r in rows):
        for proposal, decision in session.execute(select(JointReview.proposal, JointReview.city_decision).where(
                JointReview.ticket_id == ticket_id).order_by(JointReview.id)):
            if proposal:
                texts["jr_proposal"].append(proposal)
            if decision:
                texts["jr_city_decision"].append(decision)
    return [{"time": local(r.at), "actor": r.actor_label,
             "action": ACTION_LABELS.get(r.action) or EXTRA_ACTION_LABELS.get(r.action) or r.action,
             "note": step_note(r, texts[r.action].pop(0) if texts.get(r.action) else None)}
            for r in rows if r.action != "pii_view"]


def annexes(session: Session, ticket_id: int, *, action: str | None = None, at: datetime | None = None) -> list[dict]:
    """The ticket's attachments as a document lists them (附件: step, name, kind, size, SHA-256), oldest first;
    only those of one step when ``action`` (and its instant ``at``) are given. Pictures are not printed here."""
    q = select(Attachment.action, Attachment.name, Attachment.kind, Attachment.size, Attachment.sha256).where(
        Attachment.ticket_id == ticket_id)
    if action is not None:
        q = q.where(Attachment.action == action)
    if at is not None:
        q = q.where(Attachment.added_at == at)
    rows = session.execute(q.order_by(Attachment.added_at, Attachment.id)).all()
    return [{"label": ACTION_LABELS.get(step, "附件"), "name": name, "kind_label": ATTACHMENT_KIND_LABELS[kind],
             "size_text": size_text(size), "sha256": sha} for step, name, kind, size, sha in rows]


def ticket_record(session: Session, ticket_id: int) -> Facts:
    """Facts of a 工单办理单: details, units, the reply, the evaluation and the timeline of one ticket.

    :raises NotFound: when the ticket does not exist.
    """
    ticket = _ticket(session, ticket_id)
    assignments = session.scalars(select(Assignment).where(Assignment.ticket_id == ticket.id)
                                  .order_by(Assignment.round, Assignment.id)).all()
    last_round = max((a.round for a in assignments), default=None)
    current = [a for a in assignments if a.round == last_round and a.returned_at is None]
    names = {u.id: u.name for u in session.scalars(select(Unit).where(Unit.id.in_({a.unit_id for a in assignments})))}
    lead = next((names.get(a.unit_id) for a in current if a.role == "lead"), None)
    if lead is None:
        lead = UNDISPATCHED.get(ticket.scope or "", "（尚未转派）")
    replies = session.scalars(select(Reply).where(Reply.ticket_id == ticket.id).order_by(Reply.id)).all()
    reply = next((r for r in reversed(replies) if r.review_decision == "accept"), replies[-1] if replies else None)
    evaluation = session.scalar(select(Evaluation).where(Evaluation.ticket_id == ticket.id)
                                .order_by(Evaluation.id.desc()).limit(1))
    context = {
        **_ticket_basics(ticket),
        "citizen": {"name": mask_name(ticket.citizen_name), "phone": mask_phone(ticket.citizen_phone)},
        "location": ticket.address, "category": ticket.category, "content": ticket.content,
        "lead_unit": lead, "co_units": [names[a.unit_id] for a in current if a.role == "co"],
        "deadline": local(ticket.handling_due) or "—", "deadline_provisional": bool(ticket.deadline_provisional),
        "status": TicketStatus(ticket.status).label,
        "timeline": ticket_timeline(session, ticket.id),
        "annexes": annexes(session, ticket.id) or None,
    }
    if ticket.redo_count:
        context["extension"] = "已重办，时限自重办派发起计算"
    if reply is not None:
        context["reply"] = {"handled_at": local(reply.handled_at), "department": reply.department,
                            "handler": reply.handler_name, "result": reply.result, "basis": reply.basis,
                            "contact_note": reply.contact_method}
    # 并单: a main ticket's record lists the tickets merged into it (one matter, many citizens); a merged ticket's
    # names its main ticket.
    merged = session.scalars(select(Ticket).where(Ticket.main_ticket_id == ticket.id).order_by(Ticket.id)).all()
    if merged:
        context["merged"] = [{"number": t.number, "channel": CHANNEL_LABELS[Channel(t.channel)],
                              "received_at": local(t.created_at), "citizen": mask_name(t.citizen_name),
                              "status": TicketStatus(t.status).label} for t in merged]
    if ticket.main_ticket_id:
        context["merged_into"] = session.scalar(select(Ticket.number).where(Ticket.id == ticket.main_ticket_id))
    if evaluation is not None:
        context["evaluation"] = {"intake": rating(evaluation.intake_rating),
                                 "handling": rating(evaluation.handling_rating) or "—",
                                 "method": _method(evaluation.method), "at": local(evaluation.evaluated_at),
                                 "note": evaluation.comment}
    return Facts("ticket_record", context, ticket.id, ticket.lead_unit_id)


# --- 不予受理告知 ------------------------------------------------------------------------------------------------

def refusal_notice(session: Session, ticket_id: int, *, contact: Mapping | str | None = None,
                   suggestion: str | None = None) -> Facts:
    """Facts of a 不予受理告知 to the citizen of a refused ticket.

    :raises Invalid: when the ticket was not refused.
    """
    ticket = _ticket(session, ticket_id)
    if ticket.status != TicketStatus.REFUSED.value or ticket.refusal_code is None:
        raise Invalid("该工单未作不予受理，不能出具不予受理告知", f"ticket {ticket.id} is not refused")
    reason = session.get(RefusalReason, ticket.refusal_code)
    related = session.get(Ticket, ticket.related_ticket_id) if ticket.related_ticket_id else None
    context = {
        **_ticket_basics(ticket),
        "addressee": ticket.citizen_name, "content_summary": _summary(ticket.content),
        "reason_code": ticket.refusal_code, "reason_label": reason.label if reason else None,
        "explanation": ticket.refusal_explanation,
        "contact": contact or {"name": "12345政府服务热线", "phone": "12345"},
        "suggestion": suggestion,
    }
    if related is not None:
        context["earlier_ticket_no"] = related.number
        context["earlier_status"] = TicketStatus(related.status).label
    handed = session.scalar(select(EmergencyHandoff).where(EmergencyHandoff.ticket_id == ticket.id,
                                                           EmergencyHandoff.direction == "out"))
    if handed is not None:  # Art. 6(2): where the matter went
        context["handoff"] = {"line": LINE_LABELS[handed.line], "outcome": OUTCOME_LABELS[handed.outcome],
                              "at": local(handed.at), "sentence": handoff_sentence(
                                  handed.line, handed.outcome, format_when_text(local(handed.at)))}
    return Facts("refusal_notice", context, ticket.id, None)


# --- 退回说明 ----------------------------------------------------------------------------------------------------

def return_explanation(session: Session, ticket_id: int, assignment_id: int | None = None) -> Facts:
    """Facts of a 退回说明: the unit's reason and basis for returning the ticket (the latest return by default; each
    return has its own, ``assignment_id`` names which).

    :raises Invalid: when the ticket (or that assignment) was never returned.
    """
    ticket = _ticket(session, ticket_id)
    q = select(Assignment).where(Assignment.ticket_id == ticket.id, Assignment.returned_at.is_not(None))
    if assignment_id is not None:
        q = q.where(Assignment.id == assignment_id)
    assignment = session.scalar(q.order_by(Assignment.returned_at.desc(), Assignment.id.desc()).limit(1))
    if assignment is None:
        raise Invalid("该工单没有退回记录，不能出具退回说明", f"ticket {ticket.id}: no returned assignment")
    unit = session.get(Unit, assignment.unit_id)
    returned = session.scalar(select(AuditLog).where(AuditLog.ticket_id == ticket.id, AuditLog.action == "return",
                                                     AuditLog.at == assignment.returned_at).limit(1))
    context = {
        **_ticket_basics(ticket),
        "unit": unit.name, "content_summary": ticket.content,
        "received_at": local(assignment.dispatched_at), "returned_at": local(assignment.returned_at),
        "reason": sentence(assignment.return_reason), "legal_basis": assignment.return_basis,
        "handler": returned.actor_label if returned is not None else None,
        "contact": {"name": unit.leader_name, "phone": unit.phone} if unit.phone else None,
        # The documents the unit returned the ticket with (its legal or document basis), listed as annexes.
        "annexes": annexes(session, ticket.id, action="return", at=assignment.returned_at) or None,
    }
    return Facts("return_explanation", context, ticket.id, unit.id)


# --- 延期申请审批单 ------------------------------------------------------------------------------------------------

def extension_form(session: Session, ticket_id: int) -> Facts:
    """Facts of a 延期申请审批单: the unit's request and the office's decision, from the ticket's extension request.

    Only what the system recorded is printed: no opinion of the unit's leader (the product has no such step), and
    the citizen's notice only when its SMS was queued.
    :raises Invalid: when the ticket has no decided extension request.
    """
    ticket = _ticket(session, ticket_id)
    req = session.scalar(select(ExtensionRequest).where(ExtensionRequest.ticket_id == ticket.id))
    if req is None or req.decision is None:
        raise Invalid("该工单没有已审批的延期申请，不能出具延期申请审批单",
                      f"ticket {ticket.id}: no decided extension request")
    unit = session.get(Unit, req.unit_id or ticket.lead_unit_id)
    applicant = session.get(User, req.requested_by_id) if req.requested_by_id else None
    reviewer = session.get(User, req.decided_by_id) if req.decided_by_id else None
    approved = req.decision == "approve"
    told = session.scalar(select(Outbox.created_at).where(Outbox.dedupe_key == f"extension:{ticket.id}")) \
        if approved else None
    context = {
        **_ticket_basics(ticket),
        "unit": unit.name if unit else "—", "content_summary": ticket.content,
        "received_at": local(ticket.received_at or ticket.created_at), "original_deadline": local(req.due_before),
        "requested_days": req.days, "reason": req.reason, "applied_at": local(req.requested_at),
        "applicant": applicant.display_name if applicant else "—",
        "applicant_phone": (applicant.phone if applicant and applicant.phone else unit.phone if unit else None),
        "decision": "approved" if approved else "denied",
        "decision_reason": req.decision_reason, "reviewer": reviewer.display_name if reviewer else "—",
        "decided_at": local(req.decided_at),
    }
    if approved:
        context["new_deadline"] = context["requested_deadline"] = local(req.due_after or ticket.handling_due)
    if told is not None:
        context["citizen_informed"] = (f"已于{format_when_text(local(told))}以短信告知诉求人延期情况及新的办理时限。")
    return Facts("extension_form", context, ticket.id, unit.id if unit else None)


# --- 重办通知 ----------------------------------------------------------------------------------------------------

def redo_notice(session: Session, ticket_id: int, *, contact: Mapping | str | None = None,
                requirements: str | list[str] | None = None) -> Facts:
    """Facts of a 重办通知 to the lead unit of a ticket sent back for its redo.

    :raises Invalid: when the ticket has not been sent back for redo.
    """
    ticket = _ticket(session, ticket_id)
    decided = session.scalar(select(Evaluation).where(Evaluation.ticket_id == ticket.id,
                                                      Evaluation.redo_reasonable.is_(True))
                             .order_by(Evaluation.id).limit(1))
    redo = session.scalar(select(AuditLog).where(AuditLog.ticket_id == ticket.id, AuditLog.action == "redo")
                          .order_by(AuditLog.at).limit(1))
    if not ticket.redo_count or decided is None or redo is None:
        raise Invalid("该工单未发回重办，不能出具重办通知", f"ticket {ticket.id} was not sent back for redo")
    before = session.scalar(select(Reply).where(Reply.ticket_id == ticket.id, Reply.redo.is_(False),
                                                Reply.review_decision == "accept")
                            .order_by(Reply.id.desc()).limit(1))
    lead = session.get(Unit, ticket.lead_unit_id) if ticket.lead_unit_id else None
    if contact is None and decided.redo_decided_by_id:
        reviewer = session.get(User, decided.redo_decided_by_id)
        office = session.get(Unit, reviewer.unit_id) if reviewer and reviewer.unit_id else None
        phone = (office.phone if office else None) or (reviewer.phone if reviewer else None)
        contact = {"name": reviewer.display_name, "phone": phone} if reviewer else None
    due = (redo.detail or {}).get("due")
    context = {
        **_ticket_basics(ticket),
        "addressee": lead.name if lead else None, "content_summary": ticket.content,
        "replied_at": local(before.handled_at) if before else None,
        "original_reply": before.result if before else None,
        "evaluation": rating(decided.handling_rating), "evaluated_at": local(decided.evaluated_at),
        "grounds": decided.comment or f"诉求人对办理结果评价为“{rating(decided.handling_rating)}”。",
        "review_opinion": decided.redo_reason, "dispatched_at": local(redo.at),
        "deadline": local(datetime.fromisoformat(due)) if due else local(ticket.handling_due),
        "deadline_provisional": bool(ticket.deadline_provisional),
        "requirements": requirements, "contact": contact,
    }
    return Facts("redo_notice", context, ticket.id, ticket.lead_unit_id)


# --- Every other kind: values from the caller ------------------------------------------------------------------

def from_values(session: Session, kind: str, values: Mapping, *, ticket_id: int | None = None,
                unit_id: int | None = None) -> Facts:
    """Facts of a kind whose process passes its own values (督办通知单, 书面说明, 工作简报 …).

    The ticket is found by ``ticket_no`` and the unit by the name in ``unit`` or ``addressee`` when not given,
    so the archive can list the document on its ticket and under its unit.
    :raises Invalid: for an unknown kind or values that are not a mapping.
    """
    try:
        code = get_kind(kind).code
    except DocumentError:
        raise Invalid("未知的公文种类", f"unknown document kind {kind!r}") from None
    if not isinstance(values, Mapping):
        raise Invalid("公文内容格式不正确", f"{code}: values must be a mapping")
    if ticket_id is None and isinstance(values.get("ticket_no"), str):
        ticket_id = session.scalar(select(Ticket.id).where(Ticket.number == values["ticket_no"]))
    if unit_id is None:
        for key in ("unit", "addressee"):
            if isinstance(values.get(key), str):
                unit_id = session.scalar(select(Unit.id).where(Unit.name == values[key]))
                if unit_id is not None:
                    break
    return Facts(code, dict(values), ticket_id, unit_id)


def _joint(name: str) -> Callable[..., Facts]:
    def build(session: Session, ticket_id: int, **options) -> Facts:
        from . import joint  # joint builds on this module's helpers

        return getattr(joint, name)(session, ticket_id, **options)
    return build


TICKET_BUILDERS: dict[str, Callable[..., Facts]] = {
    "ticket_record": ticket_record,
    "refusal_notice": refusal_notice,
    "return_explanation": return_explanation,
    "extension_form": extension_form,
    "redo_notice": redo_notice,
    "joint_review_minutes": _joint("joint_review_minutes"),
    "proposed_opinion": _joint("proposed_opinion"),
}


def for_ticket(session: Session, kind: str, ticket_id: int, **options) -> Facts:
    """Facts of a ticket-bound kind, built from the ticket's rows.

    :raises Invalid: for a kind not built from a ticket, or a ticket that does not qualify.
    :raises NotFound: when the ticket does not exist.
    """
    builder = TICKET_BUILDERS.get(kind)
    if builder is None:
        raise Invalid("该种类的公文不能由工单直接生成", f"{kind!r} has no ticket builder")
    return builder(session, ticket_id, **options)
