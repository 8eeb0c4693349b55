"""Extension (延期, Art. 10(5), 13): the unit asks once, before the deadline, never on a redo; the office decides."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.clocks import apply_extension
from engine.common import Actor, Invalid, Result, handler, rules_for, text
from engine.domain.calendar import TZ
from engine.domain.roles import UnitKind
from engine.models import ExtensionRequest, Ticket, Unit
from engine.notices import outbox as notify


def office_name(session: Session) -> str:
    return session.scalar(select(Unit.name).where(Unit.kind == UnitKind.CITY_OFFICE.value)) or "12345热线"


def extension_refusal(session: Session, ticket: Ticket, now: datetime) -> str | None:
    """Why this ticket may not ask for an extension now (Chinese), or None when it may."""
    if ticket.redo_count > 0:
        return "重办工单不得申请延期"
    if session.scalar(select(ExtensionRequest.id).where(ExtensionRequest.ticket_id == ticket.id)) is not None:
        return "每件工单只能申请一次延期"
    if ticket.handling_due is not None and now >= ticket.handling_due:
        return "办理时限已届满，不能再申请延期"
    return None


def request_extension(session: Session, actor: Actor, ticket: Ticket, task, data: dict, now: datetime) -> Result:
    """The lead unit asks for a number of working days with its reason (called from the reply task).

    :raises Invalid: after the deadline, a second time, on a redo, or for more days than the rule set allows.
    """
    refusal = extension_refusal(session, ticket, now)
    if refusal:
        raise Invalid(refusal, f"ticket {ticket.id}: extension refused ({refusal})", code="extension_refused")
    errors: dict[str, str] = {}
    cap = rules_for(session, ticket.rule_set_id).for_type(ticket.ticket_type).max_extension
    try:
        days = int(data.get("days"))
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= cap:
        errors["days"] = f"延期天数须为1至{cap}个工作日"
    reason = text(data, "reason", "延期理由", errors, max_len=2000)
    if errors:
        raise Invalid("提交的信息有误，请修改后重试", f"extension request refused: {sorted(errors)}", fields=errors)
    session.add(ExtensionRequest(ticket_id=ticket.id, unit_id=task.unit_var_value or ticket.lead_unit_id, days=days,
                                 reason=reason, requested_by_id=actor.user_id, requested_at=now,
                                 due_before=ticket.handling_due))
    return {"handling_action": "extension"}, "extension_request", {"days": days, "reason": reason}


@handler("extension_review")
def _extension_review(session, actor, ticket, task, data, now) -> Result:
    errors: dict[str, str] = {}
    decision = data.get("decision") or data.get("extension_decision")
    if decision not in ("approve", "deny"):
        errors["decision"] = "请选择批准或不批准延期"
    given = {"reason": data.get("reason") or data.get("extension_opinion")}
    reason = text(given, "reason", "不批准的理由", errors, required=decision == "deny", max_len=2000)
    if errors:
        raise Invalid("提交的信息有误，请修改后重试", f"extension decision refused: {sorted(errors)}", fields=errors)
    req = session.scalar(select(ExtensionRequest).where(ExtensionRequest.ticket_id == ticket.id))
    if req is None or req.decision is not None:
        raise Invalid("没有待审批的延期申请", f"ticket {ticket.id}: no pending extension request")
    req.decision, req.decision_reason = decision, reason or ("同意延期" if decision == "approve" else None)
    req.decided_by_id, req.decided_at = actor.user_id, now
    detail = {"decision": decision, "days": req.days, "reason": req.decision_reason}
    if decision == "approve":
        clock = apply_extension(session, ticket, req.days, actor, now, requested_at=req.requested_at)
        req.due_after = clock.due
        due_text = f"{(clock.due.astimezone(TZ) - timedelta(microseconds=1)):%Y年%m月%d日}24时"
        notify.enqueue(session, kind="sms", recipient=ticket.citizen_phone, template="extension.citizen",
                       text=f"【{notify.sign(session)}】您反映的诉求（工单{ticket.number}）经批准延期办理，"
                            f"新的办理时限为{due_text}，承办单位将继续办理，感谢您的理解。",
                       dedupe_key=f"extension:{ticket.id}", now=now, ticket_id=ticket.id,
                       recipient_role="citizen")
        detail["due"] = clock.due.isoformat()
    return {"extension_decision": decision}, "extension_decision", detail
