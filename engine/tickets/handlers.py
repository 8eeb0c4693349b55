"""One handler per form key: check the meaning of the submitted data, record the facts, return routing data.

Handlers return ``(workflow_data, audit_action, audit_detail)``; only routing variables go into the
workflow, the texts go into our own tables.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, func, insert, select, update

from engine.common import (
    Invalid,
    Result,
    as_id,
    assign,
    bundle_for,
    deactivate,
    driver,
    fail,
    handler,
    new_round,
    unit_field,
    units_field,
)
from engine.common import text as _text
from engine.domain.roles import UnitKind
from engine.domain.states import TicketType
from engine.knowledge import search as kb_search
from engine.models import (
    Assignment,
    Category,
    DispatchSuggestion,
    Evaluation,
    JointReview,
    KnowledgeEntry,
    RefusalReason,
    Reply,
    Ticket,
    Unit,
)
from engine.oversight import callers, request_extension

from . import handoff, taskfacts
from .evaluations import dissatisfied_of_round, record_evaluation

# The statements of the hot path, built once (each action would otherwise rebuild and re-key them).
_LEAD = select(Assignment).where(Assignment.ticket_id == bindparam("ticket_id"), Assignment.role == "lead",
                                 Assignment.active.is_(True))
_LATEST_REPLY_TEXT = (select(Reply.id, Reply.result).where(Reply.ticket_id == bindparam("ticket_id"))
                      .order_by(Reply.id.desc()).limit(1))
_REVIEWED = (update(Reply).where(Reply.id == bindparam("b_id"))
             .values(review_decision=bindparam("decision"), review_reason=bindparam("reason"),
                     reviewed_by_id=bindparam("by"), reviewed_at=bindparam("at")))
# Facts an action adds and does not read back in the same action are written as plain rows: the unit of work at
# commit would cost several times the statement.
_INSERT_REPLY = insert(Reply.__table__)
_SIGNED = (update(Assignment).where(Assignment.ticket_id == bindparam("b_ticket_id"), Assignment.role == "lead",
                                    Assignment.active.is_(True))
           .values(signed_at=bindparam("signed_at"), sign_mode="signed", sign_on_time=bindparam("on_time")))


@handler("scope")
def _scope(session, actor, ticket, task, data, now) -> Result:
    errors: dict[str, str] = {}
    scope = data.get("scope")
    if scope not in ("accept", "refuse", "answer"):
        errors["scope"] = "请选择受理、不予受理或即时答复"
    if data.get("ticket_type"):
        if data["ticket_type"] not in {t.value for t in TicketType}:
            errors["ticket_type"] = "诉求类型不正确"
        else:
            ticket.ticket_type = data["ticket_type"]
    if data.get("category"):
        ticket.category = _text(data, "category", "诉求分类", errors, max_len=80)
    detail: dict = {}
    if scope == "refuse":
        code = as_id(data.get("refusal_code"))
        reason = session.get(RefusalReason, code) if code else None
        if reason is None or not reason.active:
            errors["refusal_code"] = "请选择不予受理的理由（第六条所列情形）"
        explanation = _text(data, "refusal_explanation", "向诉求人的解释说明", errors, max_len=2000)
        related_id = as_id(data.get("related_ticket_id"))
        if reason is not None and reason.needs_earlier_ticket and not related_id:
            errors["related_ticket_id"] = "该理由须关联此前已受理的同一事项工单"
        if related_id:
            related = session.get(Ticket, related_id)
            if related is None or related.id == ticket.id:
                errors["related_ticket_id"] = "关联的工单不存在"
        emergency = (handoff.check_outbound(data, errors, ticket.content)
                     if code == handoff.EMERGENCY_REFUSAL_CODE else None)
        fail(errors, "refusal")
        ticket.refusal_code, ticket.refusal_explanation = code, explanation
        ticket.related_ticket_id = related_id
        detail = {"refusal_code": code, "related_ticket_id": related_id}
        if emergency is not None:  # Art. 6(2): the caller is handed over to the line, not left alone
            handoff.record_outbound(session, actor, ticket, emergency, now)
            detail["handoff"] = emergency["line"]
        handoff.report_back(session, actor, ticket, f"不予受理。{explanation}", now)
    elif scope == "answer":
        entry_id = as_id(data.get("kb_entry_id"))
        entry = session.get(KnowledgeEntry, entry_id) if entry_id else None
        if entry is None or entry.status != "published":
            errors["kb_entry_id"] = "即时答复须选择作答的知识库条目"
        elif not kb_search.is_live(entry, now):
            errors["kb_entry_id"] = "该知识条目已过失效日期，不能用于即时答复，请另选条目"
        fail(errors, "immediate answer")
        ticket.kb_entry_id = entry.id
        # What the citizen is told: the agent's words, or the entry's text without its markup.
        ticket.answer_text = (data.get("answer_text") or "").strip() or kb_search.plain_text(entry.content)
        handoff.report_back(session, actor, ticket, ticket.answer_text, now)
        detail = {"kb_entry_id": entry.id, "kb_title": entry.title, "kb_version": entry.current_version}
    fail(errors, "scope")
    ticket.scope = scope
    action = {"accept": "scope_accept", "refuse": "refuse", "answer": "answer"}[scope]
    return {"scope": scope, "ticket_type": ticket.ticket_type}, action, detail


@handler("dispatch")
def _dispatch(session, actor, ticket, task, data, now) -> Result:
    errors: dict[str, str] = {}
    county = None
    action = data.get("action") or data.get("dispatch_action") or "dispatch"
    if action == "joint_review":
        reason = _text(data, "reason", "提请联合审定的理由（职责不清或争议情况）", errors, max_len=2000)
        fail(errors, "joint review request")
        session.add(JointReview(ticket_id=ticket.id, trigger="dispatcher", opened_at=now, reason=reason, minutes=None,
                                decision_text=None, participants=None, consult_units=[], opinions=[]))
        return ({"dispatch_action": "joint_review", "lead_unit": None, "co_units": [], "via_county": None},
                "joint_review_open", {"reason": reason})
    if action != "dispatch":
        fail({"action": "请选择派单或提请联合审定"}, "dispatch")
    if data.get("via_county"):
        county = unit_field(session, data.get("via_county"), "via_county", "县（区）热线办", errors,
                       kinds={UnitKind.COUNTY_OFFICE})
        lead, cos = None, []
    else:
        lead = unit_field(session, data.get("lead_unit"), "lead_unit", "主办单位", errors)
        cos = units_field(session, data.get("co_units"), "co_units", errors, lead)
    fail(errors, "dispatch")
    rnd = new_round(session, ticket)
    if county:
        session.add(Assignment(ticket_id=ticket.id, unit_id=county.id, role="county", round=rnd,
                               dispatched_at=now, dispatched_by_id=actor.user_id))
    else:
        assign(session, ticket, actor, lead, cos, rnd, now)
    ticket.county_office_id = county.id if county else None
    ticket.lead_unit_id = lead.id if lead else None
    _note_suggestion(session, ticket, (lead or county).id, rnd, now)
    detail = {"round": rnd, "lead_unit": lead.name if lead else None, "co_units": [u.name for u in cos],
              "via_county": county.name if county else None}
    return ({"dispatch_action": "dispatch", "lead_unit": lead.id if lead else None,
             "co_units": [u.id for u in cos], "via_county": county.id if county else None}, "dispatch", detail)


def _note_suggestion(session, ticket: Ticket, chosen: int, rnd: int, now: datetime) -> None:
    """Record whether the dispatcher took one of the units suggested to them (issue 21), and the category's
    default unit then (the baseline the suggestions are measured against). Plain statements: most dispatches
    find no suggestion shown, and nothing of the action is flushed early."""
    conn = session.connection()
    found = driver.rows(conn, _OPEN_SUGGESTION, {"ticket_id": ticket.id})
    if not found:
        return
    suggestion_id, units = found[0]
    shown = [u.get("unit_id") for u in units or []]
    defaults = driver.rows(conn, _DEFAULT_UNIT, {"name": ticket.category}) if ticket.category else []
    driver.execute(conn, _NOTED, {"b_id": suggestion_id, "chosen": chosen, "rnd": rnd, "at": now,
                                  "default": defaults[0][0] if defaults else None,
                                  "rank": shown.index(chosen) + 1 if chosen in shown else None})


_DS = DispatchSuggestion
_OPEN_SUGGESTION = (select(_DS.id, _DS.units)
                    .where(_DS.ticket_id == bindparam("ticket_id"), _DS.dispatched_at.is_(None))
                    .order_by(_DS.id.desc()).limit(1))
_DEFAULT_UNIT = select(Category.default_unit_id).where(Category.name == bindparam("name"))
_NOTED = update(_DS).where(_DS.id == bindparam("b_id")).values(
    chosen_unit_id=bindparam("chosen"), dispatch_round=bindparam("rnd"), dispatched_at=bindparam("at"),
    taken_rank=bindparam("rank"), default_unit_id=bindparam("default"))


@handler("county_dispatch")
def _county_dispatch(session, actor, ticket, task, data, now) -> Result:
    errors: dict[str, str] = {}
    lead = unit_field(session, data.get("lead_unit"), "lead_unit", "主办单位", errors)
    cos = units_field(session, data.get("co_units"), "co_units", errors, lead)
    county_id = ticket.county_office_id
    for u in [lead, *cos]:
        if u is not None and u.parent_id != county_id and u.id != county_id:
            errors["lead_unit" if u is lead else "co_units"] = f"{u.name}不属于本县（区）热线办的成员单位"
    fail(errors, "county dispatch")
    rnd = session.scalar(select(func.max(Assignment.round)).where(Assignment.ticket_id == ticket.id)) or 1
    assign(session, ticket, actor, lead, cos, rnd, now)
    ticket.lead_unit_id = lead.id
    return ({"lead_unit": lead.id, "co_units": [u.id for u in cos]}, "county_dispatch",
            {"lead_unit": lead.name, "co_units": [u.name for u in cos]})


def _lead_assignment(session, ticket) -> Assignment | None:
    return session.scalar(_LEAD, {"ticket_id": ticket.id})


def return_window_open(ticket: Ticket, now: datetime) -> bool:
    """Art. 10(1): a unit may return a ticket only within 1 working day of receiving it."""
    return ticket.accept_due is None or now < ticket.accept_due


RETURN_CLOSED = "已超过1个工作日的退回期限，视同接受，不能再退回，请签收后办理"
SIGN_DECISIONS = {"sign": "签收", "return": "退回"}


def sign_decisions(ticket: Ticket, now: datetime, *, city_decided: bool = False) -> dict[str, str]:
    """What the unit may still decide on its sign task: 签收 always, 退回 only within the return window and never
    when the city government's decision named the unit (``city_decided``, see ``taskfacts.city_decision``)."""
    if return_window_open(ticket, now) and not city_decided:
        return dict(SIGN_DECISIONS)
    return {"sign": SIGN_DECISIONS["sign"]}


@handler("sign")
def _sign(session, actor, ticket, task, data, now) -> Result:
    # Deemed acceptance (视同接受) is not a decision taken here: it only closes the return window (see
    # lifecycle.close_return_window); the sign task stays open until the unit signs (DOMAIN.md §3 decision).
    errors: dict[str, str] = {}
    decision = data.get("decision") or data.get("sign_decision")
    if decision == "sign":
        late = ticket.accept_due is not None and now > ticket.accept_due
        # One UPDATE of the active lead row, no read first (signing is on every ticket's path).
        driver.execute(session, _SIGNED, {"b_ticket_id": ticket.id, "signed_at": now, "on_time": not late})
        return {"sign_decision": "sign"}, "sign", {"late": True} if late else {}
    if decision != "return":
        fail({"decision": "请选择签收或退回"}, "sign")
    if not return_window_open(ticket, now):
        raise Invalid(RETURN_CLOSED, f"ticket {ticket.id}: return after window",
                      fields={"decision": "退回期限已过，只能签收"}, code="return_window_closed")
    # Art. 8(4): the units the city government named after a joint review are settled; returning reopens nothing.
    if taskfacts.city_decision(session, ticket) is not None:
        raise Invalid(taskfacts.CITY_DECIDED_NO_RETURN, f"ticket {ticket.id}: return of a city-decided dispatch",
                      fields={"decision": "市政府已审定由本单位承办，只能签收"}, code="return_city_decided")
    assignment = _lead_assignment(session, ticket)
    reason = _text(data, "return_reason", "退回理由", errors, max_len=2000)
    basis = _text(data, "return_basis", "退回的法律法规或文件依据", errors, max_len=2000)
    fail(errors, "return")
    assignment.returned_at, assignment.return_reason, assignment.return_basis = now, reason, basis
    assignment.sign_on_time = False
    deactivate(session, ticket)
    return {"sign_decision": "return"}, "return", {"reason": reason, "basis": basis}


@handler("co_handle")
def _co_handle(session, actor, ticket, task, data, now) -> Result:
    errors: dict[str, str] = {}
    part = _text(data, "co_part", "协办意见", errors, max_len=5000)
    fail(errors, "co-handling part")
    unit_id = task.unit_var_value
    row = session.scalar(select(Assignment).where(Assignment.ticket_id == ticket.id, Assignment.unit_id == unit_id,
                                                  Assignment.role == "co", Assignment.active.is_(True)))
    if row is not None:
        row.co_part, row.co_part_at = part, now
    unit = session.get(Unit, unit_id)
    return {}, "co_part", {"unit": unit.name if unit else unit_id}


REPLY_FIELDS = (("department", "具体承办的业务部门", 120), ("handler_name", "经办人", 60),
                ("result", "办理结果", 5000), ("basis", "法律法规或政策依据", 2000),
                ("contact_method", "与诉求人的联系方式和情况", 120))


@handler("reply")
def _reply(session, actor, ticket, task, data, now) -> Result:
    errors: dict[str, str] = {}
    action = data.get("action") or data.get("handling_action") or "reply"
    if action == "extension":
        return request_extension(session, actor, ticket, task, data, now)
    if action != "reply":
        fail({"action": "请选择提交答复或申请延期"}, "reply")
    values = {k: _text(data, k, label, errors, max_len=n) for k, label, n in REPLY_FIELDS}
    handled_at = data.get("handled_at") or now
    if isinstance(handled_at, str):
        try:
            handled_at = datetime.fromisoformat(handled_at)
        except ValueError:
            errors["handled_at"] = "办理时间格式不正确"
    if isinstance(handled_at, datetime) and (handled_at.tzinfo is None or handled_at > now):
        errors["handled_at"] = "办理时间须带时区且不能晚于当前时间"
    fail(errors, "reply")
    # A plain row: nothing reads it back through the session in this action (see _INSERT_REPLY).
    driver.execute(session, _INSERT_REPLY, dict(
        ticket_id=ticket.id, unit_id=task.unit_var_value or ticket.lead_unit_id, redo=ticket.redo_count > 0,
        handled_at=handled_at, submitted_by_id=actor.user_id, submitted_at=now,
        on_time=ticket.handling_due is None or now <= ticket.handling_due,
        citizen_informed=data.get("citizen_informed") in (True, "true", "1", "on", "y", "yes"), **values))
    return ({"handling_action": "reply"}, "reply",
            {"department": values["department"], "handler": values["handler_name"]})


@handler("review")
def _review(session, actor, ticket, task, data, now) -> Result:
    errors: dict[str, str] = {}
    decision = data.get("decision") or data.get("review_decision")
    if decision not in ("accept", "back"):
        errors["decision"] = "请选择审核通过或退回重新答复"
    reason = _text(data, "reason", "退回理由", errors, required=decision == "back", max_len=2000)
    fail(errors, "review")
    conn = session.connection()
    latest = driver.rows(conn, _LATEST_REPLY_TEXT, {"ticket_id": ticket.id})
    if latest:
        reply_id, result = latest[0]
        driver.execute(conn, _REVIEWED, {"b_id": reply_id, "decision": decision, "reason": reason, "by": actor.user_id,
                                 "at": now})
        if decision == "accept":  # a matter 110 sent us: 110 is told the result too
            handoff.report_back(session, actor, ticket, result, now)
    action = "review_accept" if decision == "accept" else "review_back"
    return {"review_decision": decision}, action, {"reason": reason} if reason else {}


@handler("evaluate")
def _evaluate(session, actor, ticket, task, data, now) -> Result:
    return record_evaluation(session, actor, ticket, data, now, round_no=ticket.redo_count + 1,
                             unit_id=ticket.lead_unit_id)


@handler("redo_decision")
def _redo_decision(session, actor, ticket, task, data, now) -> Result:
    errors: dict[str, str] = {}
    kind = data.get("kind")
    value = data.get("reasonable", data.get("redo_reasonable"))
    if isinstance(value, str):
        value = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}.get(value.lower())
    if kind in ("reasonable", "unreasonable", "malicious"):
        value = kind == "reasonable"
    elif isinstance(value, bool):
        kind = "reasonable" if value else "unreasonable"
    if not isinstance(value, bool):
        errors["reasonable"] = "请认定不满意的理由是否合理（合理／不合理／恶意）"
    reason = _text(data, "reason", "认定理由", errors, max_len=2000)
    fail(errors, "redo decision")
    # A merged matter (并单): every citizen's dissatisfied rating of this round is decided at once.
    evs = dissatisfied_of_round(session, ticket) or session.scalars(
        select(Evaluation).where(Evaluation.ticket_id == ticket.id).order_by(Evaluation.id.desc()).limit(1)).all()
    for ev in evs:
        ev.redo_reasonable, ev.redo_reason = value, reason
        ev.redo_decided_by_id, ev.redo_decided_at = actor.user_id, now
        # Art. 15: a rating found unreasonable or malicious is kept but does not count in assessment.
        if ev.exclusion_kind != callers.FLAG_EXCLUSION:  # a flagged harasser's rating stays out whatever the grounds
            ev.excluded_from_assessment = not value
            ev.exclusion_kind = None if value else kind
    detail = {"reasonable": value, "kind": kind, "reason": reason}
    if value and ticket.redo_count >= 1:
        detail["refused"] = "已重办过一次，不再重办"
    return {"redo_reasonable": value}, "redo_decision", detail


@handler("")
def _generic(session, actor, ticket, task, data, now) -> Result:
    """A task a process owner added: keep the fields it declares (camunda:formData), nothing else."""
    info = bundle_for(session, ticket.process_version_id).tasks.get(task.bpmn_id)
    fields = info.form_fields if info else ()
    errors: dict[str, str] = {}
    out = {}
    for fid, ftype, label in fields:
        value = data.get(fid)
        if ftype == "boolean":
            value = value in (True, "true", "1", "on", "y", "yes")
        elif ftype == "long":
            value = as_id(value)
            if value is None:
                errors[fid] = f"请填写{label or fid}（整数）"
        elif value in (None, ""):
            errors[fid] = f"请填写{label or fid}"
        elif not isinstance(value, str) or len(value) > 5000:
            errors[fid] = f"{label or fid}格式不正确"
        out[fid] = value
    fail(errors, f"task {task.bpmn_id}")
    return out, f"task:{task.bpmn_id}", {"fields": out}
