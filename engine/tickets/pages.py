"""Read-only queries the web pages need beyond the verbs: pickers, panels, inboxes, card colours, lists.

Nothing here writes; every function takes the session (and ``now`` where time matters) explicitly.
"""
from __future__ import annotations

from datetime import datetime

from defusedxml.ElementTree import fromstring
from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session

from engine.clocks import deadlines
from engine.common import Actor, Conflict, NotFound, bundle_for, calendar, iso, rules_for, visible_filter
from engine.domain import timelimits as tl
from engine.domain.phones import PhoneError, normalize_phone
from engine.domain.roles import HANDLING_KINDS, ROLE_LABELS, Role, UnitKind
from engine.domain.states import FINAL_STATUSES, TYPE_LABELS, UNHELD_STATUSES, TicketStatus, TicketType
from engine.knowledge import search as kbs
from engine.models import (
    Assignment,
    Category,
    ExtensionRequest,
    KnowledgeEntry,
    ProcessVersion,
    RefusalReason,
    Reply,
    Supervision,
    TaskProjection,
    Ticket,
    Unit,
    User,
)
from engine.workflow.bundle import TaskInfo

from . import taskfacts
from .queries import task_dict

CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SUGGEST_CHARS = 500  # of the citizen's words used to suggest entries (the head of a long story says what it is about)
OPEN_STATUSES = tuple(s.value for s in TicketStatus if s not in FINAL_STATUSES)
# The unit's own stages: the acceptance clock runs while signing, the handling clock while handling.
UNIT_CLOCK_STAGES = {TicketStatus.SIGNING.value: "acceptance", TicketStatus.CO_HANDLING.value: "handling",
                     TicketStatus.HANDLING.value: "handling"}


# -- reference data for pickers ---------------------------------------------------------------------------------

def categories(session: Session) -> list[dict]:
    rows = session.scalars(select(Category).order_by(Category.name)).all()
    return [{"id": c.id, "name": c.name, "default_unit_id": c.default_unit_id} for c in rows]


def refusal_reasons(session: Session) -> list[dict]:
    rows = session.scalars(select(RefusalReason).where(RefusalReason.active.is_(True))
                           .order_by(RefusalReason.code)).all()
    return [{"code": r.code, "label": r.label, "needs_earlier_ticket": r.needs_earlier_ticket,
             "template": r.explanation_template or ""} for r in rows]


def _unit_dict(u: Unit, parents: dict[int, str]) -> dict:
    return {"id": u.id, "code": u.code, "name": u.name, "kind": u.kind, "kind_label": UnitKind(u.kind).label,
            "parent_id": u.parent_id, "parent": parents.get(u.parent_id), "active": u.active}


def all_units(session: Session, *, active_only: bool = False) -> list[dict]:
    q = select(Unit).order_by(Unit.parent_id.is_not(None), Unit.parent_id, Unit.id)
    if active_only:
        q = q.where(Unit.active.is_(True))
    rows = session.scalars(q).all()
    names = {u.id: u.name for u in rows}
    return [_unit_dict(u, names) for u in rows]


def handling_units(session: Session, parent_id: int | None = None) -> list[dict]:
    """Active units that may lead or co-handle a ticket; with ``parent_id`` only that county office's members."""
    kinds = [k.value for k in HANDLING_KINDS]
    q = select(Unit).where(Unit.active.is_(True), Unit.kind.in_(kinds))
    if parent_id is not None:
        q = q.where(Unit.parent_id == parent_id)
    rows = session.scalars(q.order_by(Unit.kind, Unit.id)).all()
    return [_unit_dict(u, {}) for u in rows]


def county_offices(session: Session) -> list[dict]:
    rows = session.scalars(select(Unit).where(Unit.active.is_(True), Unit.kind == UnitKind.COUNTY_OFFICE.value)
                           .order_by(Unit.id)).all()
    return [_unit_dict(u, {}) for u in rows]


def default_unit_for_category(session: Session, category: str | None) -> int | None:
    if not category:
        return None
    return session.scalar(select(Category.default_unit_id).where(Category.name == category))


# -- intake panels ------------------------------------------------------------------------------------------------

def kb_search(session: Session, q: str | None, now: datetime, limit: int = 8) -> list[dict]:
    """Live knowledge-base entries for the intake panel, ranked, from the citizen's words or the agent's.

    The words are segmented with jieba and searched in the full-text index (``kb_search.suggest``); each entry
    carries its title and snippet as escaped HTML with the matched words in ``<mark>``.
    """
    q = (q or "").strip()[:SUGGEST_CHARS]
    if not q:
        return []
    hits = kbs.suggest(session, q, limit=limit, now=now)
    if not hits:
        return []
    entries = {e.id: e for e in session.scalars(select(KnowledgeEntry).where(
        KnowledgeEntry.id.in_([h.entry_id for h in hits])))}
    units = _unit_names(session, {e.unit_id for e in entries.values()})
    out = []
    for h in hits:
        e = entries[h.entry_id]
        out.append(kb_dict(e, units) | {"title_html": h.title_html, "snippet_html": h.snippet_html,
                                        "matched": list(h.matched)})
    return out


def _unit_names(session: Session, ids: set[int | None]) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return dict(session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(ids))).all())


def kb_entry(session: Session, entry_id: int | None, now: datetime) -> dict | None:
    """The entry the agent picked, for the panel — only while it may answer (published, not past its expiry): a
    posted id of a draft, withdrawn or expired entry shows nothing of it."""
    entry = session.get(KnowledgeEntry, entry_id) if entry_id else None
    if entry is None or not kbs.is_live(entry, now):
        return None
    return kb_dict(entry, _unit_names(session, {entry.unit_id}))


def kb_dict(e: KnowledgeEntry, units: dict[int, str] | None = None) -> dict:
    """An entry for the intake panel: ``content`` is its plain text; the HTML fields are escaped."""
    body = kbs.plain_text(e.content)
    return {"id": e.id, "title": e.title, "category": e.category, "content": body, "basis": e.basis,
            "unit": (units or {}).get(e.unit_id), "title_html": kbs.highlight(e.title, ()),
            "snippet_html": kbs.highlight(body, (), width=60), "matched": []}


def earlier_tickets(session: Session, phone: str | None, address: str | None, *, exclude_id: int | None = None,
                    limit: int = 20) -> list[dict]:
    """The caller's and the place's earlier tickets (same phone or same address), newest first.

    Refusal reason 8 and Art. 11 need one of them linked.
    """
    phone, address = (phone or "").strip(), (address or "").strip()
    try:
        phone = normalize_phone(phone) if phone else ""  # stored normalised: +86 138 0000 1234 is 13800001234
    except PhoneError:
        pass  # a number still being typed: match it as written
    conds = []
    if phone:
        conds.append(Ticket.citizen_phone == phone)
    if address:
        conds.append(Ticket.address == address)
    if not conds:
        return []
    q = select(Ticket).where(or_(*conds))
    if exclude_id:
        q = q.where(Ticket.id != exclude_id)
    rows = session.scalars(q.order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(limit)).all()
    out = []
    for t in rows:
        why = [w for w, hit in (("同一来电", phone and t.citizen_phone == phone),
                                ("同一地点", address and t.address == address)) if hit]
        out.append({"id": t.id, "number": t.number, "created_at": iso(t.created_at), "status": t.status,
                    "status_label": TicketStatus(t.status).label,
                    "ticket_type_label": TYPE_LABELS[TicketType(t.ticket_type)], "category": t.category,
                    "address": t.address, "content": t.content, "match": "、".join(why)})
    return out


# -- monitoring: stage clocks and card colours --------------------------------------------------------------------

def stage_clock(session: Session, ticket: Ticket) -> tl.Clock | None:
    """The clock of the unit's current stage (acceptance while signing, handling while handling), or None."""
    stage = UNIT_CLOCK_STAGES.get(ticket.status)
    if stage is None:
        return None
    cal, rules = calendar(session), rules_for(session, ticket.rule_set_id)
    if stage == "acceptance" and ticket.received_at is not None:
        return tl.acceptance_clock(cal, rules, ticket.received_at)
    if stage == "handling" and ticket.handling_started_at is not None:
        return tl.handling_clock(cal, rules, ticket.ticket_type, ticket.handling_started_at,
                                 redo=ticket.redo_count > 0)
    return None


def card(session: Session, ticket: Ticket, now: datetime) -> dict:
    """The monitoring level of the unit's stage: normal / 预警 / 黄牌 / 红牌, with the instant it is due."""
    clock = stage_clock(session, ticket)
    if clock is None:
        return {"level": "normal", "label": "", "due": None}
    level = tl.monitoring_level(clock, now)
    due = ticket.accept_due if clock.stage == "acceptance" else ticket.handling_due
    return {"level": level, "label": tl.LEVEL_LABELS[level] if level != "normal" else "",
            "due": iso(due or clock.due)}


# The clocks in force in each state, in the order the ticket meets them: a returned ticket no longer shows the unit's
# return window, a redo no longer shows the evaluation window, a closed ticket shows none.
IN_FORCE = {"dispatching": ("dispatch",), "county_dispatching": ("dispatch",), "signing": ("acceptance", "handling"),
            "co_handling": ("handling",), "handling": ("handling",), "reviewing": ("handling",),
            "evaluating": ("evaluation",)}
CLOCK_LABELS = {"dispatch": ("派单时限", "dispatch_due"), "acceptance": ("签收退回期限", "accept_due"),
                "handling": ("办理时限", "handling_due"), "evaluation": ("回访评价期限", "eval_due")}


def clocks_in_force(session: Session, ticket: Ticket) -> list[dict]:
    """The deadlines that apply in the ticket's state, each with how it was computed (extension and redo
    included), in Chinese: ``[{stage, label, due, summary, provisional}]``."""
    wanted = IN_FORCE.get(ticket.status, ())
    if not wanted:  # a joint review's consultation has a deadline of its own
        return taskfacts.consult_clock(session, ticket) if ticket.status == "joint_review" else []
    clocks = deadlines.compute_clocks(session, ticket, deadlines.named_calendar(session))
    out = []
    for stage in wanted:
        clock = getattr(clocks, stage)
        label, column = CLOCK_LABELS[stage]
        due = getattr(ticket, column)
        if due is None:
            continue
        out.append({"stage": stage, "label": label, "due": iso(due),
                    "summary": clock.explain()["summary"] if clock is not None else "",
                    "provisional": clock.provisional if clock is not None else ticket.deadline_provisional})
    return out


# -- inboxes and queues -------------------------------------------------------------------------------------------

def unit_inbox(session: Session, actor: Actor, now: datetime, limit: int = 200) -> list[dict]:
    """The open tickets of the actor's unit with their stage, the actor's tasks, time left and card colour."""
    if not actor.unit_id:
        return []
    # Held by the unit, or asked of it without being held (a joint review's 主管部门意见).
    mine = or_(exists().where(Assignment.ticket_id == Ticket.id, Assignment.unit_id == actor.unit_id,
                              Assignment.active.is_(True)),
               exists().where(TaskProjection.ticket_id == Ticket.id, TaskProjection.unit_id == actor.unit_id))
    tickets = session.scalars(select(Ticket).where(mine, Ticket.status.in_(OPEN_STATUSES))
                              .order_by(Ticket.handling_due.is_(None), Ticket.handling_due, Ticket.id)
                              .limit(limit)).all()
    ids = [t.id for t in tickets]
    tasks: dict[int, list[TaskProjection]] = {}
    roles: dict[int, str] = {}
    if ids:
        for p in session.scalars(select(TaskProjection).where(TaskProjection.ticket_id.in_(ids),
                                                              TaskProjection.unit_id == actor.unit_id)):
            tasks.setdefault(p.ticket_id, []).append(p)
        for a in session.scalars(select(Assignment).where(Assignment.ticket_id.in_(ids),
                                                          Assignment.unit_id == actor.unit_id,
                                                          Assignment.active.is_(True))):
            roles[a.ticket_id] = "主办" if a.role == "lead" else "协办" if a.role == "co" else "县级转派"
    # An extension asked for and not yet decided: the reply waits for the office (Art. 10(5), 13).
    waiting = dict(session.execute(select(ExtensionRequest.ticket_id, ExtensionRequest.days).where(
        ExtensionRequest.ticket_id.in_(ids), ExtensionRequest.decision.is_(None))).all()) if ids else {}
    tags = taskfacts.warning_tags(session, ids)  # 延期未获批准: the original deadline still applies
    out = []
    for t in tickets:
        own = [task_dict(p, t, session) for p in tasks.get(t.id, []) if actor.role and p.role == actor.role.value]
        out.append({"ticket_id": t.id, "number": t.number, "ticket_type_label": TYPE_LABELS[TicketType(t.ticket_type)],
                    "category": t.category, "status": t.status, "status_label": TicketStatus(t.status).label,
                    "unit_role": roles.get(t.id) or ("征求意见" if tasks.get(t.id) else ""), "tasks": own,
                    "card": card(session, t, now),
                    "handling_due": iso(t.handling_due), "provisional": t.deadline_provisional,
                    "redo": t.redo_count > 0, "extension_days": waiting.get(t.id),
                    "extension_refused": "延期未获批准" in tags.get(t.id, ())})
    # The actor's own tasks first, then red, yellow, warning cards, then by deadline.
    rank = {"red": 0, "yellow": 1, "warning": 2, "normal": 3}
    out.sort(key=lambda x: (not x["tasks"], rank[x["card"]["level"]]))
    return out


def returns_of(session: Session, ticket_ids: list[int]) -> dict[int, dict]:
    """The latest return (退回) of each ticket: unit, reason and legal basis."""
    if not ticket_ids:
        return {}
    rows = session.execute(select(Assignment, Unit.name).join(Unit, Unit.id == Assignment.unit_id)
                           .where(Assignment.ticket_id.in_(ticket_ids), Assignment.returned_at.is_not(None))
                           .order_by(Assignment.returned_at)).all()
    return {a.ticket_id: {"unit": name, "reason": a.return_reason, "basis": a.return_basis,
                          "at": iso(a.returned_at)} for a, name in rows}


def ticket_list(session: Session, actor: Actor, *, status: str | None = None, number: str | None = None,
                limit: int = 50, offset: int = 0) -> tuple[list[dict], int]:
    """Tickets the actor may see, newest first, without personal data; returns (rows, total)."""
    q = select(Ticket).where(visible_filter(actor))
    if status:
        q = q.where(Ticket.status == status)
    if number:
        q = q.where(Ticket.number.like(f"%{number.strip()}%"))
    total = session.scalar(select(func.count()).select_from(q.subquery()))
    rows = session.scalars(q.order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(limit).offset(offset)).all()
    units = {u.id: u.name for u in session.scalars(
        select(Unit).where(Unit.id.in_({t.lead_unit_id for t in rows if t.lead_unit_id})))}
    return [{"id": t.id, "number": t.number, "ticket_type_label": TYPE_LABELS[TicketType(t.ticket_type)],
             "category": t.category, "status_label": TicketStatus(t.status).label, "created_at": iso(t.created_at),
             **_current_unit(t, units)} for t in rows], total or 0


# What the list says of a ticket no unit holds (engine.domain.states.UNHELD_STATUSES) after a return (退回).
UNHELD = {"dispatching": "待重新派单", "county_dispatching": "待县级重新派单", "joint_review": "联合审定中"}


def _current_unit(t: Ticket, units: dict[int, str]) -> dict:
    if t.status in UNHELD_STATUSES:
        return {"lead_unit": None, "handling_due": None, "provisional": False,
                "unheld": f"已退回，{UNHELD[t.status]}" if t.return_count else None}
    return {"lead_unit": units.get(t.lead_unit_id), "handling_due": iso(t.handling_due),
            "provisional": t.deadline_provisional, "unheld": None}


# -- task pages ---------------------------------------------------------------------------------------------------

def ready_task(session: Session, ticket: Ticket, task_ref: str) -> TaskProjection:
    """The ready task of a ticket by task uuid or BPMN id.

    :raises Conflict: when no such task is ready (done by someone else, or never existed).
    """
    rows = session.scalars(select(TaskProjection).where(TaskProjection.ticket_id == ticket.id)).all()
    found = [p for p in rows if task_ref in (p.task_uuid, p.bpmn_id)]
    if not found:
        raise Conflict("该任务已被处理或已失效，请刷新后重试", f"task {task_ref} of ticket {ticket.id} is not ready")
    return found[0]


def task_version(session: Session, ticket: Ticket, proj: TaskProjection) -> int:
    """The deployed version a ready task comes from: the ticket's, or its supervision's (督办) for those tasks."""
    sup_id = getattr(proj, "supervision_id", None)
    if sup_id:
        sup = session.get(Supervision, sup_id)
        if sup is not None:
            return sup.process_version_id
    return ticket.process_version_id


def task_info(session: Session, ticket: Ticket, proj: TaskProjection) -> TaskInfo:
    """What the diagram declares for a ready user task (form key, declared fields).

    :raises NotFound: when the diagram has no such user task.
    """
    version_id = task_version(session, ticket, proj)
    info = bundle_for(session, version_id).tasks.get(proj.bpmn_id)
    if info is None:
        raise NotFound("流程中没有该任务", f"task {proj.bpmn_id} not in version {version_id}")
    return info


def enum_options(session: Session, version_id: int, bpmn_id: str) -> dict[str, list[tuple[str, str]]]:
    """The values of each enum field a user task declares in ``camunda:formData``: {field id: [(id, name)]}."""
    pv = session.get(ProcessVersion, version_id)
    if pv is None:
        return {}
    for xml in pv.files.values():
        root = fromstring(xml.encode(), forbid_dtd=True, forbid_entities=True, forbid_external=True)
        for task in root.iter(f"{{{BPMN_NS}}}userTask"):
            if task.get("id") != bpmn_id:
                continue
            out = {}
            for field in task.iter(f"{{{CAMUNDA_NS}}}formField"):
                if field.get("type") == "enum":
                    out[field.get("id")] = [(v.get("id"), v.get("name") or v.get("id"))
                                            for v in field.iter(f"{{{CAMUNDA_NS}}}value")]
            return out
    return {}


def reply_defaults(session: Session, actor: Actor) -> dict:
    """What the reply form starts with for the signed-in handler: their name, and the department they gave on their
    last reply (else their unit's name); both stay editable."""
    out = {"handler_name": actor.name if actor.kind == "user" else None, "department": None}
    if actor.user_id:
        out["department"] = session.scalar(select(Reply.department).where(Reply.submitted_by_id == actor.user_id)
                                           .order_by(Reply.id.desc()).limit(1))
    if not out["department"] and actor.unit_id:
        out["department"] = session.scalar(select(Unit.name).where(Unit.id == actor.unit_id))
    return out


def latest_reply(session: Session, ticket_id: int) -> Reply | None:
    return session.scalar(select(Reply).where(Reply.ticket_id == ticket_id).order_by(Reply.id.desc()).limit(1))


# -- administration -----------------------------------------------------------------------------------------------

def users(session: Session) -> list[dict]:
    rows = session.execute(select(User, Unit.name).outerjoin(Unit, Unit.id == User.unit_id)
                           .order_by(User.id)).all()
    return [{"id": u.id, "username": u.username, "display_name": u.display_name, "phone": u.phone,
             "role": u.role, "role_label": ROLE_LABELS[Role(u.role)], "unit": unit_name, "active": u.active,
             "created_at": iso(u.created_at)} for u, unit_name in rows]
