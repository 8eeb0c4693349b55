"""Supervision (督办, Art. 18): each one its own small process instance, so a ticket can be supervised again."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from documents import format_period_end
from engine.common import (
    RUNTIME,
    Actor,
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    ServiceError,
    action_first,
    bundle_for,
    calendar,
    handle,
    rules_for,
    write_audit,
)
from engine.docstore import document_view, issue_document
from engine.domain import timelimits as tl
from engine.domain.calendar import TZ
from engine.domain.roles import Role
from engine.domain.states import FINAL_STATUSES, TYPE_LABELS, TicketType
from engine.models import ProcessVersion, Supervision, SupervisionRequest, TaskProjection, Ticket, Unit
from engine.notices import outbox as notify
from engine.workflow import WorkflowError

from .extensions import office_name

PROCESS_ID = "supervision"
REASON_LABELS = {"leader_instruction": "领导批示", "red_card": "红牌", "repeated": "重复或集中反映",
                 "supervisor": "督办员决定"}
OPEN_ROLES = {Role.SUPERVISOR, Role.REVIEWER, Role.ADMIN, Role.CITY_LEADER}


@dataclass(frozen=True)
class RepeatRule:
    """Reports on the same matter: ``count`` tickets within ``days`` days (configurable per deployment)."""

    count: int = 3
    days: int = 30


def open_supervision(session: Session, actor: Actor, ticket_id: int, reason: str, now: datetime, *,
                     instruction: str | None = None, instructed_by: str | None = None,
                     note: str | None = None, wait: bool = True) -> Supervision | None:
    """Open a supervision of a ticket, due in 2 working days, answered by the lead unit's 分管领导.

    :raises Forbidden: for an actor who may not open supervision.
    :raises Invalid: a closed ticket, no unit to answer, or a leader's instruction without its text and author.
    """
    if reason not in REASON_LABELS:
        raise Invalid("督办事由不正确", f"unknown supervision reason {reason!r}")
    if actor.kind != "system" and not (actor.kind == "user" and actor.role in OPEN_ROLES):
        raise Forbidden("您无权发起督办", f"{actor.label} may not open supervision")
    # The scheduler passes wait=False: a ticket another transaction holds is left for the next pass, so two
    # passes never wait on each other's row locks (no deadlock even without the single-leader lock).
    ticket = session.scalar(select(Ticket).where(Ticket.id == ticket_id).with_for_update(skip_locked=not wait))
    if ticket is None:
        if not wait:
            return None
        raise NotFound("工单不存在", f"ticket {ticket_id} not found")
    errors = {}
    if reason == "leader_instruction":
        if not (instruction or "").strip():
            errors["instruction"] = "请录入领导批示内容"
        if not (instructed_by or "").strip():
            errors["instructed_by"] = "请录入批示领导"
    if errors:
        raise Invalid("提交的信息有误，请修改后重试", f"supervision refused: {sorted(errors)}", fields=errors)
    if ticket.status in {s.value for s in FINAL_STATUSES}:
        raise Invalid("工单已办结归档，不能督办", f"ticket {ticket_id} is closed")
    if ticket.lead_unit_id is None:
        raise Invalid("工单尚未派至承办单位，不能督办", f"ticket {ticket_id} has no lead unit")
    pv = session.scalar(select(ProcessVersion).where(ProcessVersion.process_id == PROCESS_ID,
                                                     ProcessVersion.active.is_(True)))
    if pv is None:
        raise ServiceError("尚未部署督办流程", "no active supervision process")
    bundle_for(session, pv.id)
    due = tl.supervision_clock(calendar(session), rules_for(session, ticket.rule_set_id), now).due
    try:
        inst = RUNTIME.start(str(pv.id), {"unit": ticket.lead_unit_id, "ticket_id": ticket.id})
    except WorkflowError as exc:
        raise ServiceError("督办流程启动失败，请联系流程管理员", f"supervision start failed: {exc}") from exc
    sup = Supervision(ticket_id=ticket.id, unit_id=ticket.lead_unit_id, reason=reason,
                      instruction=(instruction or "").strip() or None,
                      instructed_by=(instructed_by or "").strip() or None,
                      note=note, opened_by_id=actor.user_id, opened_at=now, due_at=due, status="open",
                      process_version_id=pv.id, workflow_state="")
    session.add(sup)
    session.flush()
    _project(session, sup, inst, {}, now)
    write_audit(session, ticket.id, actor, "supervision_open", ticket.status, ticket.status, now,
                supervision_id=sup.id, reason=reason, reason_label=REASON_LABELS[reason], due=due.isoformat(),
                instruction=sup.instruction, instructed_by=sup.instructed_by)
    unit = session.get(Unit, sup.unit_id)
    sup.notice_document_id = _issue_notice(session, actor, ticket, sup, unit, now).id
    if unit is not None and unit.leader_phone:
        notify.enqueue(session, kind="sms", recipient=unit.leader_phone, template="supervision.open",
                       text=f"【{notify.sign(session)}】督办通知：工单{ticket.number}因{REASON_LABELS[reason]}列入督办，"
                            f"请{unit.name}分管领导于2个工作日内答复并提交书面说明。",
                       dedupe_key=f"supervision-open:{sup.id}", now=now, ticket_id=ticket.id,
                       recipient_name=unit.leader_name, recipient_role="leader")
    return sup


def _local(dt: datetime | None) -> str:
    return f"{dt.astimezone(TZ):%Y-%m-%d %H:%M:%S}" if dt else ""


def _issue_notice(session: Session, actor: Actor, ticket: Ticket, sup: Supervision, unit: Unit | None,
                  now: datetime):
    """The 督办通知单 the unit receives, numbered and kept unchanged."""
    context = {"addressee": unit.name if unit else "—", "ticket_no": ticket.number,
               "ticket_type": TYPE_LABELS[TicketType(ticket.ticket_type)], "received_at": _local(ticket.received_at),
               "deadline": _local(ticket.handling_due), "content_summary": ticket.content[:300],
               "reason_code": {"supervisor": "other"}.get(sup.reason, sup.reason), "opened_at": _local(now),
               "reply_due": _local(sup.due_at), "contact": office_name(session), "reason_detail": sup.note}
    # Only a leader's instruction is a 批示; the scheduler's own account (red card, repeated reports) is the reason's
    # detail, and a supervisor's decision is printed as its text, without an author.
    if sup.reason == "leader_instruction":
        context.update(instruction=sup.instruction, instructed_by=sup.instructed_by)
    elif sup.reason == "supervisor":
        context.update(instruction=sup.instruction or sup.note or REASON_LABELS[sup.reason], reason_detail=None)
    # A city leader instructs; the office issues the notice on the instruction (the leader issues no documents).
    issuer = Actor.system(f"{office_name(session)}（依{actor.label}批示）") if actor.role == Role.CITY_LEADER else actor
    return issue_document(session, "supervision_notice", context, issuer, now, ticket_id=ticket.id,
                          unit_id=sup.unit_id)


def issue_explanation(session: Session, actor: Actor, ticket: Ticket, sup: Supervision, now: datetime,
                      annexes: list[dict] | None = None):
    """The unit's 书面说明, printed from what its leader filled in, numbered and kept unchanged; ``annexes`` (the
    signed scan, the evidence) are listed in it and pictures printed on their own pages."""
    unit = session.get(Unit, sup.unit_id)
    notice = document_view(session, Actor.system(), sup.notice_document_id) if sup.notice_document_id else None
    context = {"unit": unit.name if unit else "—", "ticket_no": ticket.number,
               "supervision_number": notice["number"] if notice else "—",
               "content_summary": ticket.content[:300],
               # The heading of the explanation's section follows the reason the notice gave; the answer is printed
               # once, as what was done, after the explanation.
               "reason_code": {"supervisor": "other"}.get(sup.reason, sup.reason),
               "explanation": sup.written_explanation, "result": sup.reply_text, "handler": actor.name,
               "leader": unit.leader_name if unit and unit.leader_name else actor.name,
               # 联系电话 is printed beside the 分管领导, who answers the supervision (Art. 18) and whom the office
               # reaches by phone (Art. 17): the leader's number on record, else the unit's.
               "phone": ((unit.leader_phone if unit.leader_name else None) or unit.phone) if unit else None,
               "replied_at": _local(now)}
    doc = issue_document(session, "written_explanation", context, actor, now, ticket_id=ticket.id,
                         unit_id=sup.unit_id, annexes=annexes)
    sup.explanation_document_id = doc.id
    return doc


def _project(session: Session, sup: Supervision, inst, existing: dict, now: datetime) -> list:
    ready = inst.ready_tasks()
    ids = {t.uuid for t in ready}
    for uuid, row in existing.items():
        if uuid not in ids:
            session.delete(row)
    for t in ready:
        if t.uuid not in existing:
            session.add(TaskProjection(ticket_id=sup.ticket_id, supervision_id=sup.id, task_uuid=t.uuid,
                                       bpmn_id=t.bpmn_id, title=t.title, role=t.role,
                                       unit_id=t.unit_var_value if isinstance(t.unit_var_value, int) else None,
                                       form_key=t.form_key, ready_at=now,
                                       # the answer's deadline is the unit's; the supervisor's check has none
                                       due_at=None if t.form_key == "supervision_check" else sup.due_at))
    sup.workflow_state = RUNTIME.dump(inst)
    return ready


def complete_supervision_task(session: Session, actor: Actor, ticket: Ticket, proj: TaskProjection, data: dict,
                              now: datetime):
    """Complete a task of a supervision instance; the ticket's own state does not change.

    Returns the tasks ready afterwards and the action that was audited.
    """
    sup = session.get(Supervision, proj.supervision_id)
    bundle_for(session, sup.process_version_id)
    inst = RUNTIME.load(sup.workflow_state)
    task = inst.ready_task(proj.task_uuid)
    if task is None:
        raise Conflict("该任务已被处理或已失效，请刷新后重试", f"supervision task {proj.task_uuid} is stale")
    with action_first(session):  # the 书面说明 the answer prints is audited after the answer
        wf_data, action, detail = handle(session, actor, ticket, task, data or {}, now)
        try:
            inst.complete(task.uuid, wf_data)
        except WorkflowError as exc:
            raise ServiceError("督办流程无法继续，请联系流程管理员", f"supervision {sup.id}: {exc}") from exc
        existing = {p.task_uuid: p for p in session.scalars(select(TaskProjection)
                                                             .where(TaskProjection.supervision_id == sup.id))}
        ready = _project(session, sup, inst, existing, now)
        if inst.is_completed():
            sup.status, sup.closed_at = "closed", now
        write_audit(session, ticket.id, actor, action, ticket.status, ticket.status, now, **detail)
    return ready, action


def _red_card_note(req: SupervisionRequest) -> str:
    """Why the red card opened supervision, worded for the 督办通知单 and the ticket page alike: the stage in
    Chinese and the card's moment as the documents write a period end (2026年12月26日24时)."""
    stage = tl.STAGE_LABELS.get(req.stage, req.stage)
    what = "签收" if req.stage == "acceptance" else "办结"
    return f"因{stage}环节红牌（至{format_period_end(req.threshold_at.astimezone(TZ))}仍未{what}），自动列入督办"


def _open_red_card(session: Session, req: SupervisionRequest) -> bool:
    return session.scalar(select(Supervision.id).where(
        Supervision.ticket_id == req.ticket_id, Supervision.unit_id == req.unit_id, Supervision.reason == "red_card",
        Supervision.status == "open").limit(1)) is not None


def take_red_cards(session: Session, now: datetime) -> int:
    """Turn the monitor's red-card supervision requests into supervisions (Art. 18(2)); idempotent."""
    system = Actor.system("系统（红牌自动督办）")
    n = 0
    for req in session.scalars(select(SupervisionRequest).where(SupervisionRequest.status == "open")
                               .order_by(SupervisionRequest.id).with_for_update(skip_locked=True)).all():
        if _open_red_card(session, req):
            # The same lateness crosses two clocks (a ticket signed after its acceptance 红牌 may have crossed its
            # handling 红牌 too): one open red-card supervision of the unit answers for both.
            req.status = "taken"
            write_audit(session, req.ticket_id, system, "supervision_request_merged", None, None, now,
                        stage=req.stage, stage_label=tl.STAGE_LABELS.get(req.stage, req.stage))
            continue
        try:
            with session.begin_nested():
                sup = open_supervision(session, system, req.ticket_id, "red_card", now, wait=False,
                                       note=_red_card_note(req))
            if sup is None:
                continue  # the ticket is busy in another transaction: next pass
            req.status = "taken"
            n += 1
        except (Invalid, ServiceError):
            req.status = "closed"  # the ticket was closed or never reached a unit: nothing to supervise
    return n


def flag_overdue(session: Session, now: datetime) -> int:
    """Flag and notify supervisions not answered within 2 working days; each once."""
    n = 0
    for sup in session.scalars(select(Supervision).where(Supervision.status == "open", Supervision.replied_at.is_(None),
                                                         Supervision.due_at <= now,
                                                         Supervision.overdue_flagged_at.is_(None))).all():
        sup.overdue_flagged_at = now
        ticket = session.get(Ticket, sup.ticket_id)
        write_audit(session, ticket.id, Actor.system("系统（督办监控）"), "supervision_overdue", ticket.status,
                    ticket.status, now, supervision_id=sup.id, due=sup.due_at.isoformat())
        unit = session.get(Unit, sup.unit_id)
        if unit is not None and unit.leader_phone:
            notify.enqueue(session, kind="sms", recipient=unit.leader_phone, template="supervision.overdue",
                           text=f"【{notify.sign(session)}】督办逾期：工单{ticket.number}的督办已超过2个工作日未答复，"
                                f"请{unit.name}立即答复并提交书面说明。",
                           dedupe_key=f"supervision-overdue:{sup.id}", now=now, ticket_id=ticket.id,
                           recipient_name=unit.leader_name, recipient_role="leader")
        n += 1
    return n


def merged_groups(session: Session, now: datetime, rule: RepeatRule = RepeatRule()) -> list[list[int]]:
    """Merged matters (并单) reported ``rule.count`` times or more: the main ticket first, then the tickets merged
    into it, at least one of them registered within ``rule.days`` days (集中反映, Art. 18(3))."""
    since = now - timedelta(days=rule.days)
    q = (select(Ticket.main_ticket_id).where(Ticket.main_ticket_id.is_not(None))
         .group_by(Ticket.main_ticket_id).having(func.count() + 1 >= rule.count, func.max(Ticket.created_at) >= since))
    groups = []
    for main_id in session.scalars(q):
        groups.append([main_id, *session.scalars(select(Ticket.id).where(Ticket.main_ticket_id == main_id)
                                                 .order_by(Ticket.id))])
    return groups


def repeated_groups(session: Session, now: datetime, rule: RepeatRule = RepeatRule()) -> list[list[int]]:
    """Groups of open tickets reporting the same matter: the same citizen or the same place, in the same
    category, ``rule.count`` times or more within ``rule.days`` days; and merged matters of that many calls."""
    since = now - timedelta(days=rule.days)
    groups = merged_groups(session, now, rule)
    for key in (Ticket.citizen_phone, Ticket.address):
        q = (select(key, Ticket.category, func.count()).where(Ticket.created_at >= since, key.is_not(None),
                                                               Ticket.category.is_not(None), Ticket.scope == "accept")
             .group_by(key, Ticket.category).having(func.count() >= rule.count))
        for value, category, _n in session.execute(q).all():
            ids = list(session.scalars(select(Ticket.id).where(key == value, Ticket.category == category,
                                                               Ticket.created_at >= since,
                                                               Ticket.scope == "accept").order_by(Ticket.id)))
            groups.append(ids)
    return groups


def supervise_repeated(session: Session, now: datetime, rule: RepeatRule = RepeatRule()) -> int:
    """Open one supervision per repeated matter, on its latest open ticket, unless one is already open."""
    n = 0
    system = Actor.system("系统（重复反映自动督办）")
    final = [s.value for s in FINAL_STATUSES]
    for ids in repeated_groups(session, now, rule):
        if session.scalar(select(Supervision.id).where(Supervision.ticket_id.in_(ids),
                                                       Supervision.reason == "repeated")) is not None:
            continue
        # The matter's main ticket answers for it: a ticket merged into another (并单) is never the target.
        target = session.scalar(select(Ticket.id).where(Ticket.id.in_(ids), Ticket.status.not_in(final),
                                                        Ticket.lead_unit_id.is_not(None),
                                                        Ticket.main_ticket_id.is_(None))
                                .order_by(Ticket.id.desc()).limit(1))
        if target is None:
            continue
        numbers = session.scalars(select(Ticket.number).where(Ticket.id.in_(ids)).order_by(Ticket.id)).all()
        sup = open_supervision(session, system, target, "repeated", now, wait=False,
                               note=f"同一事项{rule.days}天内反映{len(ids)}次（工单：{'、'.join(numbers)}）")
        n += sup is not None
    return n
