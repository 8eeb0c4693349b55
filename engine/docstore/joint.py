"""Facts of the documents a disputed ticket produces: each return's 退回说明 (one per return) and a joint review's
联合审定纪要 and 拟办意见 (Art. 8(4)), read from the ticket's assignments, its joint review and the audit rows."""
from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from documents.render import format_when_text
from engine.common import Invalid
from engine.domain.roles import ROLE_LABELS, Role
from engine.models import Assignment, AuditLog, IssuedDocument, JointReview, Unit, User

from .facts import Facts, _ticket, local
from .steps import joined, sentence

#: Who holds a joint review's meeting and writes its proposal, as the documents name the office.
OFFICE = "市热线办"
#: The city government, to whom the office sends its proposed handling opinion.
CITY_GOVERNMENT = "市人民政府"
TRIGGER_TEXT = {"dispatcher": "派单员认为职责不清或存在争议提请", "second_return": "工单第二次被退回后转入",
                "disputed_return": "退回有争议转入"}


def ticket_returns(session: Session, ticket_id: int, unit_id: int | None = None) -> list[dict]:
    """Every return of a ticket, oldest first, numbered from 1 (第1次退回 …), each with its live 退回说明 if any;
    with ``unit_id`` only that unit's returns (their numbers stay those of the whole ticket)."""
    rows = session.execute(select(Assignment, Unit.name).join(Unit, Unit.id == Assignment.unit_id)
                           .where(Assignment.ticket_id == ticket_id, Assignment.returned_at.is_not(None))
                           .order_by(Assignment.returned_at, Assignment.id)).all()
    issued = session.execute(select(IssuedDocument.id, IssuedDocument.number, IssuedDocument.unit_id,
                                    IssuedDocument.facts)
                             .where(IssuedDocument.ticket_id == ticket_id, IssuedDocument.status == "issued",
                                    IssuedDocument.kind == "return_explanation")).all()
    out = []
    for no, (a, name) in enumerate(rows, start=1):
        when = local(a.returned_at)
        doc = next(({"id": i, "number": n} for i, n, u, f in issued
                    if u == a.unit_id and (f or {}).get("returned_at") == when.isoformat()), None)
        if unit_id is None or a.unit_id == unit_id:
            out.append({"no": no, "assignment_id": a.id, "unit_id": a.unit_id, "unit": name, "returned_at": when,
                        "reason": a.return_reason, "basis": a.return_basis, "document": doc})
    return out


def _review(session: Session, ticket_id: int, *conditions) -> JointReview | None:
    return session.scalar(select(JointReview).where(JointReview.ticket_id == ticket_id, *conditions)
                          .order_by(JointReview.id.desc()).limit(1))


def _office_person(session: Session, ticket_id: int, action: str, since) -> str | None:
    """The office's person who took a step of the review (市热线办审核员 某某), from its audit row."""
    row = session.execute(select(User.display_name, User.role).join(AuditLog, AuditLog.actor_id == User.id)
                          .where(AuditLog.ticket_id == ticket_id, AuditLog.action == action, AuditLog.at >= since)
                          .order_by(AuditLog.at.desc(), AuditLog.id.desc()).limit(1)).first()
    if row is None:
        return None
    name, role = row
    return f"{OFFICE}{ROLE_LABELS.get(Role(role), '')}{name}"


def _unit_names(session: Session, ids) -> dict[int, str]:
    ids = {i for i in ids or () if i}
    return dict(session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(ids))).all()) if ids else {}


def _returns_text(returns: list[dict]) -> list[str]:
    """Each return as the dispute states it: 「…申请退回，理由：…；依据：…。」, the reason's own 「。」 not doubled."""
    return [f"{r['unit']}于{format_when_text(r['returned_at'])}申请退回，"
            + joined(f"理由：{r['reason'] or '未填写'}", f"依据：{r['basis']}" if r["basis"] else None, end=True)
            for r in returns]


def _opening(jr: JointReview, ticket_no: str, returns: list[dict]) -> str:
    """How the ticket came to the review, with the time of the event that brought it: the return that sent it (the
    latest one before the review opened) or the dispatcher's request (the review opened when it was made)."""
    before = [r for r in returns if r["returned_at"] <= local(jr.opened_at)]
    if jr.trigger in ("second_return", "disputed_return") and before:
        which = "第二次被退回" if jr.trigger == "second_return" else "被退回且退回有争议"
        return f"工单{ticket_no}于{format_when_text(before[-1]['returned_at'])}{which}，转入联合审定。"
    if jr.trigger == "dispatcher":
        return f"派单员于{format_when_text(local(jr.opened_at))}认为工单{ticket_no}职责不清或存在争议，提请联合审定。"
    return f"工单{ticket_no}于{format_when_text(local(jr.opened_at))}提请联合审定。"


def _opinions(jr: JointReview) -> list[dict]:
    return [o for o in jr.opinions or [] if o.get("opinion")]


def _opinion_line(o: dict) -> str:
    when = _instant(o.get("at"))
    return f"{o.get('unit') or '主管部门'}（书面意见{'，' + format_when_text(local(when)) if when else ''}）：" \
           f"{o['opinion']}"


def _instant(value):
    try:
        return datetime.fromisoformat(str(value))
    except (TypeError, ValueError):
        return None


def _attendees(text: str | None) -> list[str]:
    return [p.strip() for p in re.split(r"[\n；;]+", text or "") if p.strip()]


def joint_review_minutes(session: Session, ticket_id: int) -> Facts:
    """Facts of a 联合审定纪要: the dispute (the returns or the dispatcher's reason), the meeting, the departments'
    opinions and the review's decision, of the ticket's latest decided joint review.

    :raises Invalid: when no joint review of the ticket has been decided.
    """
    ticket = _ticket(session, ticket_id)
    jr = _review(session, ticket.id, JointReview.outcome.is_not(None))
    if jr is None:
        raise Invalid("该工单没有已作出审定决定的联合审定，不能出具联合审定纪要",
                      f"ticket {ticket.id}: no decided joint review")
    units = _unit_names(session, [jr.lead_unit_id, *(jr.co_unit_ids or [])])
    returns = ticket_returns(session, ticket.id)
    dispute = _returns_text(returns)
    if jr.reason:
        dispute.append(sentence(f"提请理由：{jr.reason}"))
    minutes = (jr.minutes or "").strip()  # several lines start on a line of their own, each kept as written
    discussion = ([f"会商意见：{chr(10) if chr(10) in minutes else ''}{minutes}"] if minutes else []) \
        + [_opinion_line(o) for o in _opinions(jr)]
    settled = jr.outcome == "settled"
    context = {
        "ticket_no": ticket.number, "content_summary": ticket.content,
        "opened_at": local(jr.opened_at), "trigger": TRIGGER_TEXT.get(jr.trigger, "提请"),
        "opening": _opening(jr, ticket.number, returns),
        "meeting_at": jr.meeting_date or local(jr.opened_at),
        "chair": _office_person(session, ticket.id, "jr_meeting", jr.opened_at) or OFFICE,
        "method": "会议协调、征求主管部门意见" if jr.consult_units else "会议协调",
        "attendees": _attendees(jr.participants) or [OFFICE],
        "dispute": dispute or ["承办单位存在争议"], "discussion": discussion or ["各方未形成一致意见。"],
        "outcome": "settled" if settled else "unsettled",
        "lead_unit": units.get(jr.lead_unit_id) if settled else None,
        "co_units": [units[u] for u in jr.co_unit_ids or [] if u in units] if settled else None,
        "decisions": [jr.decision_text] if jr.decision_text else None, "decided_at": local(jr.decided_at),
    }
    return Facts("joint_review_minutes", context, ticket.id, None)


def proposed_opinion(session: Session, ticket_id: int, signer: str | None = None) -> Facts:
    """Facts of a 拟办意见 to the city government: the units' positions (their returns and the departments'
    opinions), the minutes it follows and the office's proposal, of the ticket's latest joint review with a proposal.

    ``signer`` is who signs it (the person writing the proposal); by default the one recorded on the proposal step.
    :raises Invalid: without a proposal, or when the review's 联合审定纪要 has not been issued.
    """
    ticket = _ticket(session, ticket_id)
    jr = _review(session, ticket.id, JointReview.proposal.is_not(None))
    if jr is None or not (jr.proposal or "").strip():
        raise Invalid("该工单的联合审定尚未提出拟办意见，不能出具拟办意见", f"ticket {ticket.id}: no proposal")
    opened = local(jr.opened_at)
    minutes = [n for n, f in session.execute(
        select(IssuedDocument.number, IssuedDocument.facts).where(
            IssuedDocument.ticket_id == ticket.id, IssuedDocument.kind == "joint_review_minutes",
            IssuedDocument.status == "issued").order_by(IssuedDocument.id.desc()))
        if (f or {}).get("opened_at") == opened.isoformat()]
    if not minutes:
        raise Invalid("该次联合审定尚未出具联合审定纪要，请先出具纪要再出具拟办意见",
                      f"ticket {ticket.id}: no minutes for joint review {jr.id}")
    positions: dict[str, list[str]] = {}
    for r in ticket_returns(session, ticket.id):
        positions.setdefault(r["unit"], []).append(
            f"申请退回：{r['reason'] or '未填写理由'}{'（依据：' + r['basis'] + '）' if r['basis'] else ''}")
    for o in _opinions(jr):
        positions.setdefault(o.get("unit") or "主管部门", []).append(f"书面意见：{o['opinion']}")
    if signer is None:
        person = session.execute(select(User.display_name).join(AuditLog, AuditLog.actor_id == User.id).where(
            AuditLog.ticket_id == ticket.id, AuditLog.action == "jr_proposal", AuditLog.at >= jr.opened_at)
            .order_by(AuditLog.at.desc()).limit(1)).scalar()
        signer = person or OFFICE
    context = {
        "addressee": CITY_GOVERNMENT, "ticket_no": ticket.number, "content_summary": ticket.content,
        "opened_at": opened,
        "units_positions": [{"unit": u, "position": "；".join(p)} for u, p in positions.items()]
        or [{"unit": "—", "position": "各有关单位未提出书面意见"}],
        "review_number": minutes[0], "review_decision": jr.decision_text, "proposal": jr.proposal,
        "signer": signer,
    }
    return Facts("proposed_opinion", context, ticket.id, None)
