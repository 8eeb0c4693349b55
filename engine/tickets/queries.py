"""Read models: worklists from the task projection, ticket views with unit scoping and masking, timelines."""
from __future__ import annotations

import hmac
import unicodedata
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.attachments import for_citizen, for_ticket, link_timeline
from engine.common import ACTION_LABELS, Actor, Forbidden, NotFound, can_act, hash_query_code, iso, visible_filter
from engine.domain.roles import mask_name, mask_phone
from engine.domain.rules import refusal_clause
from engine.domain.states import CHANNEL_LABELS, RATING_LABELS, TYPE_LABELS, Channel, Rating, TicketStatus, TicketType
from engine.models import Assignment, AuditLog, Evaluation, RefusalReason, Reply, TaskProjection, Ticket, Unit
from engine.oversight import facts as oversight_facts

from . import history, privacy, taskfacts
from .handlers import return_window_open, sign_decisions
from .handoff import handoff_view

# While a unit has the ticket, the citizen sees the handling deadline in force (extension included).
OPEN_WITH_UNIT = {"signing", "co_handling", "handling", "reviewing"}


def get_visible_ticket(session: Session, actor: Actor, ticket_id: int) -> Ticket:
    """Return a ticket the actor may see.

    :raises NotFound: when it does not exist or lies outside the actor's scope (no existence leak).
    """
    ticket = session.scalar(select(Ticket).where(Ticket.id == ticket_id, visible_filter(actor)))
    if ticket is None:
        raise NotFound("工单不存在或您无权查看", f"ticket {ticket_id} not visible to {actor.label}")
    return ticket


def find_by_number(session: Session, actor: Actor, number: str) -> Ticket:
    ticket = session.scalar(select(Ticket).where(Ticket.number == number, visible_filter(actor)))
    if ticket is None:
        raise NotFound("工单不存在或您无权查看", f"ticket {number} not visible to {actor.label}")
    return ticket


def worklist(session: Session, actor: Actor, limit: int = 100, offset: int = 0) -> list[dict]:
    """The actor's ready tasks, most urgent first, as plain dicts."""
    if actor.kind != "user" or actor.role is None:
        raise Forbidden("您没有待办任务", f"{actor.label} has no worklist")
    q = (select(TaskProjection, Ticket).join(Ticket, Ticket.id == TaskProjection.ticket_id)
         .where(TaskProjection.role == actor.role.value))
    q = q.where(TaskProjection.unit_id.is_(None) if actor.role.is_office else TaskProjection.unit_id == actor.unit_id)
    q = q.order_by(TaskProjection.due_at.is_(None), TaskProjection.due_at, TaskProjection.id)
    q = q.limit(limit).offset(offset)
    return [task_dict(p, t, session) for p, t in session.execute(q).all()]


def task_due(session: Session, p: TaskProjection, t: Ticket) -> datetime | None:
    """The task's deadline: its projected one, or, for a consultation projected before it carried one, the joint
    review's 主管部门意见 deadline."""
    if p.due_at is None and p.form_key == "jr_consult" and session is not None:
        return taskfacts.consult_due(session, t)
    return p.due_at


def task_dict(p: TaskProjection, t: Ticket, session: Session | None = None) -> dict:
    return {"task_id": p.task_uuid, "task": p.bpmn_id, "title": p.title, "form_key": p.form_key,
            "ticket_id": t.id, "ticket_number": t.number, "ticket_type": t.ticket_type,
            "ticket_type_label": TYPE_LABELS[TicketType(t.ticket_type)], "status": t.status,
            "status_label": TicketStatus(t.status).label, "category": t.category, "unit_id": p.unit_id,
            "ready_at": iso(p.ready_at), "due_at": iso(task_due(session, p, t)), "provisional": t.deadline_provisional}


def timeline(session: Session, ticket_id: int) -> list[dict]:
    """Every audit row of the ticket, oldest first, with its details told in Chinese (``notes``)."""
    rows = session.scalars(select(AuditLog).where(AuditLog.ticket_id == ticket_id)
                           .order_by(AuditLog.at, AuditLog.id)).all()
    refusals = {}
    if any(r.action == "refuse" for r in rows):
        refusals = dict(session.execute(select(RefusalReason.code, RefusalReason.label)).all())
    return [{"at": iso(r.at), "actor": r.actor_label, "action": r.action,
             "action_label": ACTION_LABELS.get(r.action, "其他操作"),
             "notes": history.notes(r.action, r.detail or {}, refusals),
             "before": r.before_status, "after": r.after_status, "detail": r.detail or {}} for r in rows]


def co_opinions(session: Session, ticket_id: int) -> list[dict]:
    """The co-handling units' 协办意见 of the current dispatch, oldest first: the unit, the text, who submitted it
    and when (from that step's audit row), and the files that step added. The lead's 办理答复 and the office's
    审核答复 rest on them, so both pages show them."""
    rows = session.execute(select(Assignment, Unit.name).join(Unit, Unit.id == Assignment.unit_id)
                           .where(Assignment.ticket_id == ticket_id, Assignment.role == "co",
                                  Assignment.active.is_(True), Assignment.co_part.is_not(None))
                           .order_by(Assignment.co_part_at, Assignment.id)).all()
    if not rows:
        return []
    steps = {(r.at, (r.detail or {}).get("unit")): r.actor_label for r in session.scalars(
        select(AuditLog).where(AuditLog.ticket_id == ticket_id, AuditLog.action == "co_part"))}
    files = [f for f in for_ticket(session, ticket_id) if f["action"] == "co_part"]
    return [{"unit": name, "text": a.co_part, "at": iso(a.co_part_at), "by": steps.get((a.co_part_at, name)),
             "attachments": [f for f in files if f["unit_id"] == a.unit_id and f["added_at"] == iso(a.co_part_at)]}
            for a, name in rows]


def ticket_view(session: Session, actor: Actor, ticket: Ticket, now: datetime, *, reveal_reason: str | None = None
                ) -> dict:
    """Everything a user may see of one ticket; the citizen's name and phone masked unless the office's policy
    shows them to the viewer (privacy.viewer_access), or a viewer who may reveal them gives ``reveal_reason``
    (the API's ``?reason=``); every unmasked view is logged once per user, ticket and reason."""
    tasks = session.scalars(select(TaskProjection).where(TaskProjection.ticket_id == ticket.id)).all()
    seen = privacy.viewer_access(session, actor, tasks)
    reveal = seen.shown
    if reveal:
        privacy.log_view(session, actor, ticket.id, seen.reason, now)
    elif reveal_reason and seen.can_reveal:
        privacy.reveal(session, actor, ticket, tasks, reveal_reason, now)
        reveal = True
    units = {u.id: u.name for u in session.scalars(
        select(Unit).where(Unit.id.in_(select(Assignment.unit_id).where(Assignment.ticket_id == ticket.id))))}
    assignments = session.scalars(select(Assignment).where(Assignment.ticket_id == ticket.id)
                                  .order_by(Assignment.round, Assignment.id)).all()
    replies = session.scalars(select(Reply).where(Reply.ticket_id == ticket.id).order_by(Reply.id)).all()
    evaluations = session.scalars(select(Evaluation).where(Evaluation.ticket_id == ticket.id)
                                  .order_by(Evaluation.id)).all()
    files = for_ticket(session, ticket.id, hide_citizen=not reveal)  # the citizen's own files masked like the phone
    # Parallel tasks (协办, 主管部门意见) are told apart by their unit's name.
    task_units = {u.id: u.name for u in session.scalars(select(Unit).where(Unit.id.in_(
        {p.unit_id for p in tasks if p.unit_id} - set(units))))} | units
    city_decided = any(p.form_key == "sign" for p in tasks) and taskfacts.city_decision(session, ticket) is not None
    return {
        "id": ticket.id, "number": ticket.number, "status": ticket.status,
        "status_label": TicketStatus(ticket.status).label,
        "channel": ticket.channel, "channel_label": CHANNEL_LABELS[Channel(ticket.channel)],
        "ticket_type": ticket.ticket_type, "ticket_type_label": TYPE_LABELS[TicketType(ticket.ticket_type)],
        "category": ticket.category,
        "citizen_name": ticket.citizen_name if reveal else mask_name(ticket.citizen_name),
        "citizen_phone": ticket.citizen_phone if reveal else mask_phone(ticket.citizen_phone),
        "masked": not reveal, "can_reveal": not reveal and seen.can_reveal,
        "privacy_mode": seen.mode, "address": ticket.address, "content": ticket.content,
        "scope": ticket.scope, "refusal_code": ticket.refusal_code, "refusal_explanation": ticket.refusal_explanation,
        "related_ticket_id": ticket.related_ticket_id, "kb_entry_id": ticket.kb_entry_id,
        "main_ticket_id": ticket.main_ticket_id,  # 并单: the main ticket this one follows
        "handoffs": handoff_view(session, ticket.id),  # 12345 ↔ 110 (Art. 6(2))
        "answer_text": ticket.answer_text, "lead_unit_id": ticket.lead_unit_id,
        "county_office_id": ticket.county_office_id, "return_count": ticket.return_count,
        "redo_count": ticket.redo_count, "created_at": iso(ticket.created_at), "closed_at": iso(ticket.closed_at),
        "clocks": {"dispatch_due": iso(ticket.dispatch_due), "received_at": iso(ticket.received_at),
                   "accept_due": iso(ticket.accept_due), "handling_started_at": iso(ticket.handling_started_at),
                   "handling_due": iso(ticket.handling_due), "eval_due": iso(ticket.eval_due),
                   "provisional": ticket.deadline_provisional,
                   "return_window_open": ticket.status == "signing" and return_window_open(ticket, now)},
        "intake_rating": ticket.intake_rating, "handling_rating": ticket.handling_rating,
        "assignments": [{"unit_id": a.unit_id, "unit": units.get(a.unit_id), "role": a.role, "round": a.round,
                         "active": a.active, "dispatched_at": iso(a.dispatched_at), "signed_at": iso(a.signed_at),
                         "sign_mode": a.sign_mode, "returned_at": iso(a.returned_at),
                         "return_reason": a.return_reason, "return_basis": a.return_basis, "co_part": a.co_part}
                        for a in assignments],
        "replies": [{"unit_id": r.unit_id, "redo": r.redo, "handled_at": iso(r.handled_at),
                     "department": r.department, "handler_name": r.handler_name, "result": r.result,
                     "basis": r.basis, "contact_method": r.contact_method, "citizen_informed": r.citizen_informed,
                     "submitted_at": iso(r.submitted_at),
                     "review_decision": r.review_decision, "review_reason": r.review_reason} for r in replies],
        "evaluations": [{"round": e.round, "intake_rating": e.intake_rating,
                         "intake_label": RATING_LABELS[Rating(e.intake_rating)],
                         "handling_rating": e.handling_rating,
                         "handling_label": RATING_LABELS[Rating(e.handling_rating)] if e.handling_rating else None,
                         "method": e.method, "evaluated_at": iso(e.evaluated_at), "comment": e.comment,
                         "redo_reasonable": e.redo_reasonable, "redo_reason": e.redo_reason} for e in evaluations],
        "tasks": [{"task_id": p.task_uuid, "task": p.bpmn_id, "title": p.title, "form_key": p.form_key,
                   "role": p.role, "unit_id": p.unit_id, "unit": task_units.get(p.unit_id),
                   "due_at": iso(task_due(session, p, ticket)), "can_act": can_act(actor, p),
                   # what the sign task still offers: 退回 only within the return window (Art. 10(1)) and not
                   # after the city government named the unit (Art. 8(4))
                   **({"decisions": sign_decisions(ticket, now, city_decided=city_decided)}
                      if p.form_key == "sign" else {})}
                  for p in tasks],
        "attachments": files, "timeline": link_timeline(timeline(session, ticket.id), files),
    }


def citizen_keys(number: str | None, code: str | None) -> tuple[str, str]:
    """A ticket number and query code as a citizen may type them, in their stored form: full-width characters (a
    Chinese input method's ＨＬ２０２６… or １２３４５６) made ASCII, spaces anywhere dropped, the number upper case
    (numbers are HL + digits; the code is six digits, so it has no case)."""
    def clean(value: str | None) -> str:
        return "".join(unicodedata.normalize("NFKC", value).split()) if isinstance(value, str) else ""
    return clean(number).upper(), clean(code)


def citizen_lookup(session: Session, number: str, code: str, now: datetime) -> dict:
    """What a citizen sees with the ticket number and query code: progress and the result, nothing internal.

    :raises NotFound: for a wrong number or code (the same message for both).
    """
    number, code = citizen_keys(number, code)
    ticket = session.scalar(select(Ticket).where(Ticket.number == number))
    if ticket is None or not hmac.compare_digest(ticket.query_code_hash, hash_query_code(ticket.id, code)):
        raise NotFound("工单编号或查询码不正确", "citizen lookup with wrong number or code")
    # A merged ticket (并单) is answered by its main ticket's reply.
    accepted = session.scalar(select(Reply).where(Reply.ticket_id == (ticket.main_ticket_id or ticket.id),
                                                  Reply.review_decision == "accept")
                              .order_by(Reply.id.desc()).limit(1))
    public = {"register", "scope_accept", "refuse", "answer", "dispatch", "sign", "deemed_accept", "reply",
              "review_accept", "evaluate", "evaluation_timeout", "redo", "archive", "extension_approve",
              "merge", "unmerge", "matter_reply"}
    steps = [{"at": e["at"], "action_label": e["action_label"]} for e in timeline(session, ticket.id)
             if e["action"] in public]
    can_evaluate = session.scalar(select(TaskProjection.id).where(TaskProjection.ticket_id == ticket.id,
                                                                 TaskProjection.bpmn_id == "evaluate")) is not None
    reason = session.get(RefusalReason, ticket.refusal_code) if ticket.refusal_code else None
    # Art. 12: the citizen is owed the result with who handled it and on what legal basis; never a person's name.
    reply = None
    if accepted is not None:
        unit = session.get(Unit, accepted.unit_id)
        reply = {"unit": unit.name if unit else None, "department": accepted.department,
                 "handled_at": iso(accepted.handled_at), "result": accepted.result, "basis": accepted.basis,
                 "redo": accepted.redo}
    return {"number": ticket.number, "status": ticket.status, "status_label": TicketStatus(ticket.status).label,
            "ticket_type_label": TYPE_LABELS[TicketType(ticket.ticket_type)], "created_at": iso(ticket.created_at),
            "refusal_explanation": ticket.refusal_explanation,
            "refusal_reason": f"{refusal_clause(reason.code)}：{reason.label}" if reason else None,
            "answer_text": ticket.answer_text, "result": accepted.result if accepted else None, "reply": reply,
            "extension": oversight_facts.approved_extension(session, ticket),
            "handling_due": iso(ticket.handling_due) if ticket.status in OPEN_WITH_UNIT else None,
            "can_evaluate": can_evaluate, "needs_handling_rating": ticket.scope == "accept", "steps": steps,
            "attachments": for_citizen(session, ticket.id), "merged": ticket.main_ticket_id is not None,
            # where a matter for an emergency line went (Art. 6(2)); never the agent or the summary
            "handoffs": [{k: h[k] for k in ("line_label", "outcome_label", "at", "sentence")}
                         for h in handoff_view(session, ticket.id) if h["direction"] == "out"],
            "ticket_id": ticket.id}


__all__ = ["worklist", "ticket_view", "timeline", "citizen_lookup", "citizen_keys", "get_visible_ticket",
           "find_by_number", "visible_filter"]


def return_counts(session: Session, since: datetime | None = None, until: datetime | None = None) -> list[dict]:
    """How often each unit returned tickets (退单), most first (Art. 10; an assessment input)."""
    q = (select(Unit.id, Unit.name, func.count(Assignment.id)).join(Assignment, Assignment.unit_id == Unit.id)
         .where(Assignment.returned_at.is_not(None)))
    if since is not None:
        q = q.where(Assignment.returned_at >= since)
    if until is not None:
        q = q.where(Assignment.returned_at < until)
    rows = session.execute(q.group_by(Unit.id, Unit.name).order_by(func.count(Assignment.id).desc(), Unit.id)).all()
    return [{"unit_id": uid, "unit": name, "returns": n} for uid, name, n in rows]
