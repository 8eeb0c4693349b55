"""Register a 诉求 and complete a ticket's user tasks: one locked load–run–save per action."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.attachments import Upload, prepare, store_files
from engine.common import (
    RUNTIME,
    Actor,
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    ServiceError,
    action_first,
    active_ids,
    audit_values,
    bundle_for,
    can_act,
    handle,
    hash_query_code,
    write_audit,
)
from engine.common import text as _text
from engine.domain.calendar import TZ
from engine.domain.matching import content_digest
from engine.domain.phones import PhoneError, normalize_phone
from engine.domain.roles import Role
from engine.domain.states import TASK_STATUS, Channel, IllegalTransition, TicketStatus, TicketType, check_transition
from engine.matching import index_ticket
from engine.models import Assignment, TaskProjection, Ticket
from engine.oversight import complete_supervision_task
from engine.workflow import ReadyTask, WorkflowError
from engine.workflow.runtime import Instance

from . import (
    handlers,  # noqa: F401  (register the form-key handlers)
    handoff,
    matter,
    taskfacts,
    writes,
)
from .ready import start_clocks
from .rowlock import lock_ticket_with_tasks

REGISTER_ROLES = {Role.AGENT, Role.ADMIN}
DEEMING = Actor.system("系统（时限监控）")
# Which ticket column holds the due instant of a task, unless the diagram names one with the `due` property.
# The 时限 a task shows in the work lists. An extension is decided before the unit's own handling deadline runs
# out: until then the unit cannot reply, so the reviewer's task carries that deadline.
DUE_COLUMN = {"dispatch": "dispatch_due", "county_dispatch": "dispatch_due", "sign": "accept_due",
              "co_handle": "handling_due", "reply": "handling_due", "extension_review": "handling_due",
              "evaluate": "eval_due"}
DUE_COLUMNS = {"dispatch_due", "accept_due", "handling_due", "eval_due"}
# Where a handler finds the files of its step (``engine.attachments.Prepared``): set here only, never by a caller.
FILES_KEY = "attachments"


def _with_files(data: dict | None, files: list) -> dict:
    """The task data with the step's checked files under ``FILES_KEY``; files named inside the data are refused."""
    data = dict(data or {})
    if data.pop(FILES_KEY, None):
        message = "附件须作为文件上传（网页表单或 multipart 接口），不能写在提交的数据中"
        raise Invalid(message, "attachments given inside task data", fields={FILES_KEY: message})
    if files:
        data[FILES_KEY] = files
    return data


@dataclass
class Step:
    """What one action did, for the caller: the ticket, the action name and the new ready tasks."""

    ticket: Ticket
    action: str
    ready: list[ReadyTask]
    #: The task uuids of the ticket's own ready tasks after the action (those with projection rows).
    task_uuids: set[str]


def register(session: Session, actor: Actor, data: dict, now: datetime,
             uploads: list[Upload] | tuple = ()) -> tuple[Ticket, str, Step]:
    """Register a 诉求 from any channel; with ``scope`` in ``data`` decide its scope at once. ``uploads`` are the
    citizen's files (photos, documents), stored with the registration or not at all.

    Returns the ticket, its query code (shown to the citizen once) and the step.
    :raises Forbidden: for an actor who may not register.
    :raises Invalid: with per-field Chinese messages for bad input or a refused file; nothing is written.
    """
    if not (actor.kind in ("channel", "citizen") or (actor.kind == "user" and actor.role in REGISTER_ROLES)):
        raise Forbidden("您无权登记诉求", f"{actor.label} may not register tickets")
    errors: dict[str, str] = {}
    channel = actor.channel if actor.kind == "channel" else data.get("channel") or "phone"
    if channel not in {c.value for c in Channel}:
        errors["channel"] = "渠道不正确，应为电话、网站、微信、手机APP或110转来"
    ttype = data.get("ticket_type")
    if ttype not in {t.value for t in TicketType}:
        errors["ticket_type"] = "请选择诉求类型（咨询/求助/投诉/举报/建议/经济违法）"
    name = _text(data, "citizen_name", "诉求人姓名", errors, max_len=60)
    phone = _text(data, "citizen_phone", "联系电话", errors, max_len=40)
    if phone and "citizen_phone" not in errors:
        try:
            phone = normalize_phone(phone)  # stored as 13800001234 or 0762-3388123, however it was typed
        except PhoneError as exc:
            errors["citizen_phone"] = exc.message_zh
    address = _text(data, "address", "地址或地点", errors, required=False)
    content = _text(data, "content", "诉求内容", errors, max_len=5000)
    category = _text(data, "category", "诉求分类", errors, required=False, max_len=80)
    case_110 = handoff.check_case_number(data, errors) if channel == Channel.P110.value else None
    if errors:
        raise Invalid("提交的信息有误，请修改后重试", f"register refused: {sorted(errors)}", fields=errors)
    files = prepare(session, uploads, actor=actor)
    data = _with_files(data, files)
    pv_id, rules_id = active_ids(session)
    ticket = Ticket(query_code_hash="", channel=channel, citizen_name=name, citizen_phone=phone, address=address,
                    content=content, content_key=content_digest(content), ticket_type=ttype, category=category,
                    status=TicketStatus.SCOPING.value,
                    process_version_id=pv_id, rule_set_id=rules_id, workflow_state="",
                    created_by_id=actor.user_id, created_at=now, updated_at=now, redo_count=0, return_count=0)
    session.add(ticket)
    session.flush()
    ticket.number = f"HL{now.astimezone(TZ):%Y%m%d}{ticket.id:06d}"
    code = f"{secrets.randbelow(10**6):06d}"
    ticket.query_code_hash = hash_query_code(ticket.id, code)
    index_ticket(session, ticket, new=True)  # found as a similar ticket from now on (issue 21)
    if case_110:  # 110 sent this non-police matter on (Art. 6(2)): keep its case number, answer it back later
        handoff.record_inbound(session, ticket, case_110, now)
    bundle_for(session, pv_id)
    try:
        inst = RUNTIME.start(str(pv_id), {"ticket_type": ttype, "channel": channel})
    except WorkflowError as exc:
        raise ServiceError("流程启动失败，请联系流程管理员", f"workflow start failed: {exc}") from exc
    # With the scope decided at once, the first state is audited but neither stored nor projected: the decision
    # below stores the ticket once, with the tasks that follow it (one blob and two statements fewer).
    decided = bool(data.get("scope"))
    step = save_instance(session, ticket, inst, actor, now, "register", TicketStatus.SCOPING, set(),
                         persist=not decided, merged=False, channel=channel)
    store_files(session, actor, ticket.id, files, "register", now)
    if decided:
        if not (actor.kind == "user" and actor.role in REGISTER_ROLES):
            raise Forbidden("受理审查须由话务员作出，渠道提交的诉求请勿填写受理决定",
                            f"{actor.label} tried to decide scope at registration")
        task = next((t for t in step.ready if t.bpmn_id == "decide_scope"), None)
        if task is None:
            raise ServiceError("流程中没有受理审查环节", "diagram has no decide_scope task after start")
        step = _complete(session, actor, ticket, inst, task, data, now, step.task_uuids, False)
    return ticket, code, step


def lock_ticket(session: Session, ticket_id: int) -> Ticket:
    """Load a ticket with its row locked for the rest of the transaction.

    :raises NotFound: when there is no such ticket.
    """
    ticket = session.scalar(select(Ticket).where(Ticket.id == ticket_id).with_for_update()
                            .execution_options(populate_existing=True))
    if ticket is None:
        raise NotFound("工单不存在", f"ticket {ticket_id} not found")
    return ticket


def load_instance(session: Session, ticket: Ticket) -> Instance:
    bundle_for(session, ticket.process_version_id)
    return RUNTIME.load(ticket.workflow_state)


def complete_task(session: Session, actor: Actor, ticket_id: int, task_ref: str, data: dict,
                  now: datetime, uploads: list[Upload] | tuple = (),
                  check: Callable[[str | None, dict], dict] | None = None) -> Step:
    """Complete a ready task (by task uuid or BPMN id) of a ticket as ``actor``; ``uploads`` are the files of
    this step, checked before the ticket is locked and stored in the same transaction as the step.
    ``check(form_key, data)`` (the API's schema of the task's form key) validates the data as soon as the task
    is found under the lock, so the caller needs no read of its own to learn the form key.

    :raises NotFound: no such ticket.
    :raises Conflict: the task is no longer ready (someone else completed it first).
    :raises Forbidden: the actor's role or unit does not own the task.
    :raises Invalid: bad data or a refused file, with per-field Chinese messages.
    """
    files = prepare(session, uploads, actor=actor)  # decoding photos needs no lock
    data = _with_files(data, files)
    ticket, rows, merged = lock_ticket_with_tasks(session, ticket_id)
    matches = [p for p in rows if task_ref in (p.task_uuid, p.bpmn_id)]
    if not matches:
        raise Conflict("该任务已被处理或已失效，请刷新后重试", f"task {task_ref} of ticket {ticket_id} is not ready")
    if check is not None:
        data = check(matches[0].form_key, data)
    mine = [p for p in matches if can_act(actor, p)]
    if not mine:
        raise Forbidden("您无权办理该任务", f"{actor.label} may not act on task {task_ref} of ticket {ticket_id}")
    if mine[0].supervision_id is not None:
        ready, action = complete_supervision_task(session, actor, ticket, mine[0], data, now)
        step = Step(ticket, action, ready, set())
    elif mine[0].matter_ticket_id is not None:
        step = _complete_matter_task(session, actor, ticket, mine[0], data, now)
    else:
        inst = load_instance(session, ticket)
        task = inst.ready_task(mine[0].task_uuid)
        if task is None:
            raise Conflict("该任务已被处理或已失效，请刷新后重试", f"projection of {task_ref} is stale")
        own = {p.task_uuid for p in rows if p.supervision_id is None}
        step = _complete(session, actor, ticket, inst, task, data, now, own, merged)
    store_files(session, actor, ticket.id, files, step.action, now, supervision_id=mine[0].supervision_id)
    return step


def close_return_window(session: Session, ticket_id: int, now: datetime) -> bool:
    """Record that the unit's 1-WD return window has closed while it had not signed: it is deemed to have accepted
    the ticket (视同接受, Art. 10(1)) and may no longer return it; return whether this was recorded now.

    Deemed acceptance does not sign for the unit: the sign task stays open and the acceptance clock's 黄牌 and
    红牌 still fire while it is unsigned (DOMAIN.md §3 decision). Idempotent: the lead dispatch is marked
    ``sign_mode = 'deemed'`` (``signed_at`` stays empty) and a second call records nothing.
    """
    ticket = lock_ticket(session, ticket_id)
    if ticket.status != TicketStatus.SIGNING.value or handlers.return_window_open(ticket, now):
        return False
    lead = session.scalar(select(Assignment).where(Assignment.ticket_id == ticket.id, Assignment.role == "lead",
                                                   Assignment.active.is_(True)))
    if lead is None or lead.sign_mode is not None or lead.signed_at is not None or lead.returned_at is not None:
        return False
    lead.sign_mode = "deemed"
    write_audit(session, ticket.id, DEEMING, "deemed_accept", ticket.status, ticket.status, now,
                accept_due=_local_iso(ticket.accept_due), yellow_at=_local_iso(ticket.accept_yellow_at),
                red_at=_local_iso(ticket.accept_red_at))
    return True


def _local_iso(instant: datetime | None) -> str | None:
    return instant.astimezone(TZ).isoformat() if instant is not None else None


def _complete_matter_task(session, actor, ticket, proj: TaskProjection, data, now) -> Step:
    """One citizen of a merged matter evaluated; the last of the round lets the main ticket's workflow go on."""
    done = matter.evaluate(session, actor, ticket, proj, data, now)
    if done.routing is None:
        return Step(ticket, done.action, [], set())
    main = done.main
    inst = load_instance(session, main)
    task = next((t for t in inst.ready_tasks() if t.bpmn_id == "evaluate"), None)
    if task is None:
        raise ServiceError("主单不在回访评价环节，请联系流程管理员", f"main ticket {main.id} has no evaluate task")
    try:
        inst.complete(task.uuid, done.routing)
    except WorkflowError as exc:
        raise ServiceError("流程无法继续，请联系流程管理员", f"ticket {main.id} matter evaluation: {exc}") from exc
    own = set(session.scalars(select(TaskProjection.task_uuid).where(
        TaskProjection.ticket_id == main.id, TaskProjection.supervision_id.is_(None),
        TaskProjection.matter_ticket_id.is_(None))))
    step = save_instance(session, main, inst, Actor.system("系统（并单回访汇总）"), now, "matter_evaluated",
                         main.status_enum, own, intake=done.routing["intake_rating"],
                         handling=done.routing["handling_rating"])
    return Step(ticket, done.action, step.ready, set())


def _complete(session, actor, ticket, inst, task: ReadyTask, data, now, existing: set[str], merged: bool) -> Step:
    before = ticket.status_enum
    with action_first(session):  # what the action caused is audited after the action itself
        wf_data, action, detail = handle(session, actor, ticket, task, data or {}, now)
        try:
            inst.complete(task.uuid, wf_data)
        except WorkflowError as exc:
            raise ServiceError("流程无法继续，请联系流程管理员",
                               f"ticket {ticket.id} task {task.bpmn_id}: {exc}") from exc
        return save_instance(session, ticket, inst, actor, now, action, before, existing, merged=merged, **detail)


def _derive_status(ticket: Ticket, inst: Instance, ready: list[ReadyTask]) -> TicketStatus:
    if inst.is_completed():
        return TicketStatus.REFUSED if ticket.scope == "refuse" else TicketStatus.ARCHIVED
    found = [TASK_STATUS.get(t.bpmn_id) or _declared_status(t) for t in ready]
    found = [s for s in found if s is not None]
    if not found:
        return ticket.status_enum
    return min(found, key=_STATUS_RANK.__getitem__)


_STATUS_RANK = {s: i for i, s in enumerate(TicketStatus)}


def _declared_status(task: ReadyTask) -> TicketStatus | None:
    value = task.properties.get("status")
    try:
        return TicketStatus(value) if value else None
    except ValueError:
        return None


def save_instance(session, ticket: Ticket, inst: Instance, actor: Actor, now: datetime, action: str,
          before: TicketStatus, existing: set[str], persist: bool = True, merged: bool | None = None,
          **detail) -> Step:
    """Store the instance, project its ready tasks (``existing`` = the task uuids projected before the action),
    derive and check the new state, write the audit row. ``persist=False``: another action follows in this
    transaction and saves (registration with the scope decided at once): neither blob nor projection rows now,
    and the step's ``task_uuids`` is empty, as nothing was projected. ``merged``: whether tickets are merged into
    this one, when the caller knows (``None``: ask the database when it matters)."""
    ready = inst.ready_tasks()
    new = [t for t in ready if t.uuid not in existing]
    after = _derive_status(ticket, inst, ready)
    # 并单: the reply of a main ticket with merged tickets reaches every citizen, and each evaluates separately.
    if merged is None and (inst.is_completed() or any(t.bpmn_id == "evaluate" for t in new)):
        merged = matter.has_children(session, ticket.id)
    matter_reply = bool(merged) and any(t.bpmn_id == "evaluate" for t in new)
    start_clocks(session, ticket, inst, new, actor, now, after)
    try:
        check_transition(before, after)
    except IllegalTransition as exc:
        raise ServiceError("流程图产生了不允许的状态变化，请联系流程管理员", str(exc)) from exc
    # Plain statements (engine/tickets/writes.py): projection rows are written and dropped here only, never
    # changed through the ORM, and the unit of work would cost several times the statements themselves.
    ready_ids = {t.uuid for t in ready}
    if not persist:
        ticket.status = after.value
        write_audit(session, ticket.id, actor, action, before.value, after.value, now, **detail)
        return Step(ticket, action, ready, set())
    gone = [uuid for uuid in existing if uuid not in ready_ids]
    # PostgreSQL: the task rows, the ticket row and the action's audit row go in one statement (engine/tickets/
    # writes.py). A matter's reply reads the task rows on the way, so they are written first.
    together = session.get_bind().dialect.name == "postgresql" and not matter_reply
    if not together:
        writes.delete_tasks(session, ticket.id, gone)
    rows = []
    # A consulted department's opinion (主管部门意见) is due by the joint review's own date, not a ticket column.
    consult = taskfacts.consult_due(session, ticket) if any(t.form_key == "jr_consult" for t in new) else None
    for t in new:
        if matter_reply and t.bpmn_id == "evaluate":
            continue
        unit = t.unit_var_value if isinstance(t.unit_var_value, int) else None
        due_col = t.properties.get("due") or DUE_COLUMN.get(t.bpmn_id)
        rows.append({
            "ticket_id": ticket.id, "task_uuid": t.uuid, "bpmn_id": t.bpmn_id, "title": t.title, "role": t.role,
            "unit_id": unit, "form_key": t.form_key, "ready_at": now, "supervision_id": None,
            "due_at": getattr(ticket, due_col) if due_col in DUE_COLUMNS else consult if t.form_key == "jr_consult"
            else None})
    if not together:
        writes.insert_tasks(session, rows)
    if matter_reply:
        matter.reply_reached(session, ticket, actor, now)
    ticket.status = after.value
    ticket.updated_at = now
    if after.is_final and ticket.closed_at is None:
        ticket.closed_at = now
    ticket.workflow_state = RUNTIME.dump(inst)
    audit = audit_values(ticket.id, actor, action, before.value, after.value, now, **detail)
    writes.store(session, ticket, audit, (gone, rows) if together else None)
    if after == TicketStatus.ARCHIVED and before != after:
        write_audit(session, ticket.id, Actor.system(), "archive", after.value, after.value, now)
        if merged:
            matter.main_archived(session, ticket, now)
    return Step(ticket, action, ready, ready_ids)
