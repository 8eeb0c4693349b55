"""What a unit's task page decides on beyond the ticket itself: why a ticket is redone, a refused extension, the city
government's decision that named the units, a consultation's deadline. Plain dicts with Chinese labels and ISO
instants; nothing here writes.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.common import iso
from engine.domain.roles import ROLE_LABELS, Role
from engine.domain.states import RATING_LABELS, Rating
from engine.models import (
    Assignment,
    Evaluation,
    ExtensionRequest,
    JointReview,
    Reply,
    TaskProjection,
    Ticket,
    Unit,
    User,
)

CITY_DECIDED_NO_RETURN = "该工单的承办单位已由市政府审定（第八条第四项），不能退回，请签收后办理"


def _person(session: Session, user_id: int | None) -> str | None:
    if not user_id:
        return None
    row = session.execute(select(User.display_name, User.role).where(User.id == user_id)).first()
    return f"{row[0]}（{ROLE_LABELS[Role(row[1])]}）" if row else None


def redo_basis(session: Session, ticket: Ticket) -> dict | None:
    """Why a ticket in redo (重办, Art. 15) is handled again: each dissatisfied citizen's rating and reason, the
    office's finding, and the earlier reply that was rated. None for a ticket that is not redone."""
    if not ticket.redo_count:
        return None
    ids = [ticket.id, *session.scalars(select(Ticket.id).where(Ticket.main_ticket_id == ticket.id))]
    evs = session.scalars(select(Evaluation).where(Evaluation.ticket_id.in_(ids), Evaluation.redo_reasonable.is_(True))
                          .order_by(Evaluation.redo_decided_at.desc(), Evaluation.id)).all()
    latest = evs[0].redo_decided_at if evs else None
    evs = [e for e in evs if e.redo_decided_at == latest]
    numbers = dict(session.execute(select(Ticket.id, Ticket.number).where(Ticket.id.in_(ids))).all())
    earlier = session.scalar(select(Reply).where(Reply.ticket_id == ticket.id, Reply.redo.is_(False),
                                                 Reply.review_decision == "accept")
                             .order_by(Reply.id.desc()).limit(1))
    first = evs[0] if evs else None
    return {
        "ratings": [{"number": numbers.get(e.ticket_id) if len(ids) > 1 else None,
                     "handling_label": RATING_LABELS[Rating(e.handling_rating)] if e.handling_rating else "—",
                     "comment": e.comment, "evaluated_at": iso(e.evaluated_at)} for e in evs],
        "finding": first.redo_reason if first else None, "decided_at": iso(latest),
        "decided_by": _person(session, first.redo_decided_by_id) if first else None,
        "earlier": {"handled_at": iso(earlier.handled_at), "department": earlier.department,
                    "handler_name": earlier.handler_name, "result": earlier.result, "basis": earlier.basis,
                    "contact_method": earlier.contact_method} if earlier else None}


def refused_extension(session: Session, ticket: Ticket) -> dict | None:
    """The ticket's extension request the office refused (不予延期): what was asked, why it was refused, and the
    handling deadline that still applies. None when there is none, or once the ticket is redone (the redo has a
    deadline of its own and no extension)."""
    if ticket.redo_count:
        return None
    req = session.scalar(select(ExtensionRequest).where(ExtensionRequest.ticket_id == ticket.id,
                                                        ExtensionRequest.decision == "deny"))
    if req is None:
        return None
    return {"days": req.days, "reason": req.reason, "refusal": req.decision_reason, "decided_at": iso(req.decided_at),
            "decided_by": _person(session, req.decided_by_id), "due": iso(ticket.handling_due or req.due_before)}


def refused_extensions(session: Session, ticket_ids: list[int]) -> set[int]:
    """Which of these tickets had their extension refused (for the unit inbox's tag)."""
    if not ticket_ids:
        return set()
    return set(session.scalars(select(ExtensionRequest.ticket_id).where(ExtensionRequest.ticket_id.in_(ticket_ids),
                                                                        ExtensionRequest.decision == "deny")))


def warning_tags(session: Session, ticket_ids: list[int]) -> dict[int, list[str]]:
    """The warnings a ticket carries on a unit's lists, as the inbox shows them: 重办, 延期审批中 and 延期未获批准
    (a refusal of the first round is not shown once the ticket is redone)."""
    if not ticket_ids:
        return {}
    redone = set(session.scalars(select(Ticket.id).where(Ticket.id.in_(ticket_ids), Ticket.redo_count > 0)))
    waiting = set(session.scalars(select(ExtensionRequest.ticket_id).where(
        ExtensionRequest.ticket_id.in_(ticket_ids), ExtensionRequest.decision.is_(None))))
    refused = refused_extensions(session, ticket_ids) - redone
    out = {i: [tag for tag, on in (("重办", i in redone), ("延期审批中", i in waiting), ("延期未获批准", i in refused))
               if on] for i in ticket_ids}
    return {i: tags for i, tags in out.items() if tags}


def city_decision(session: Session, ticket: Ticket) -> dict | None:
    """The city government's decision (市政府决定, Art. 8(4)) that named the ticket's current lead unit, or None when
    the current dispatch did not come from one."""
    jr = session.scalar(select(JointReview).where(JointReview.ticket_id == ticket.id, JointReview.outcome == "city")
                        .order_by(JointReview.id.desc()).limit(1))
    if jr is None or jr.decided_at is None:
        return None
    lead = session.scalar(select(Assignment).where(Assignment.ticket_id == ticket.id, Assignment.role == "lead",
                                                   Assignment.active.is_(True)).order_by(Assignment.id.desc()).limit(1))
    if lead is None or lead.unit_id != jr.lead_unit_id or lead.dispatched_at < jr.decided_at:
        return None
    names = dict(session.execute(select(Unit.id, Unit.name).where(
        Unit.id.in_([jr.lead_unit_id, *(jr.co_unit_ids or [])]))).all())
    return {"decision": jr.city_decision, "by": jr.city_decided_by, "at": iso(jr.decided_at),
            "lead_unit": names.get(jr.lead_unit_id), "co_units": [names.get(u, "") for u in jr.co_unit_ids or []],
            "proposal": jr.proposal}


def consult_due(session: Session, ticket: Ticket) -> datetime | None:
    """The deadline of the 主管部门意见 asked for by the joint review under way (None when none is asked)."""
    return session.scalar(select(JointReview.consult_due).where(JointReview.ticket_id == ticket.id,
                                                                JointReview.outcome.is_(None))
                          .order_by(JointReview.id.desc()).limit(1))


def consult_clock(session: Session, ticket: Ticket) -> list[dict]:
    """The 主管部门意见 deadline while a consulted department has still to answer, as a clock in force."""
    waiting = session.scalars(select(TaskProjection.unit_id).where(TaskProjection.ticket_id == ticket.id,
                                                                   TaskProjection.form_key == "jr_consult")).all()
    due = consult_due(session, ticket) if waiting else None
    if due is None:
        return []
    return [{"stage": "consult", "label": "主管部门意见期限", "due": iso(due),
             "provisional": ticket.deadline_provisional,
             "summary": f"联合审定会商时征求主管部门意见，自会商起2个工作日内答复（第八条第四项）；"
                        f"尚有{len(waiting)}个部门未答复"}]
