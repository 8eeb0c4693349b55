"""并单 (merged handling, DOMAIN.md §12): merge tickets about one matter into a main ticket, and un-merge them.

A merged ticket (子单) keeps its citizen, channel and query code; its own tasks and clocks stop (its workflow waits
where it was, unchanged) and it follows the main ticket: one dispatch, one handling, one reply, which reaches every
citizen (``engine.tickets.matter``). Until that reply a merge can be undone: the ticket's tasks come back where its
workflow waits, with their clocks started again from the un-merge. Every merge and un-merge is audited on both
tickets' timelines and kept in ``ticket_merge``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine.clocks import follow as follow_monitor
from engine.clocks import store_clock
from engine.common import Actor, Forbidden, Invalid, NotFound, calendar, iso, rules_for, write_audit
from engine.domain import timelimits as tl
from engine.domain.roles import Role, mask_name
from engine.domain.states import CHANNEL_LABELS, MERGEABLE, Channel, TicketStatus, check_transition
from engine.models import Assignment, SurgeAlert, TaskProjection, Ticket, TicketMerge

from .lifecycle import load_instance, save_instance

MERGE_ROLES = frozenset({Role.DISPATCHER, Role.REVIEWER, Role.SUPERVISOR, Role.ADMIN})
#: A main ticket takes merged tickets while it is accepted and not yet replied to (its reply must reach them all).
MAIN_STATES = frozenset({TicketStatus.DISPATCHING, TicketStatus.COUNTY_DISPATCHING, TicketStatus.SIGNING,
                         TicketStatus.JOINT_REVIEW, TicketStatus.CO_HANDLING, TicketStatus.HANDLING,
                         TicketStatus.REVIEWING})
MAX_CHILDREN = 500
_TP = TaskProjection.__table__


def _require(actor: Actor) -> None:
    if not (actor.kind == "system" or (actor.kind == "user" and actor.role in MERGE_ROLES)):
        raise Forbidden("仅派单员和热线办可以并单", f"{actor.label} may not merge tickets")


def _reason(reason: str | None, what: str) -> str:
    reason = (reason or "").strip()
    if not reason or len(reason) > 2000:
        raise Invalid(f"请写明{what}（2000字以内）", f"{what}: missing or too long reason",
                      fields={"reason": f"请写明{what}"})
    return reason


def main_problem(ticket: Ticket) -> str | None:
    """Why a ticket cannot be a main ticket now (Chinese), or None."""
    if ticket.main_ticket_id is not None:
        return f"工单{ticket.number}本身已并入其他工单"
    if ticket.status_enum not in MAIN_STATES:
        return f"工单{ticket.number}{ticket.status_enum.label}，只有已受理、尚未答复的工单可以作为主单"
    return None


def child_problem(session: Session, ticket: Ticket, main: Ticket) -> str | None:
    """Why a ticket cannot be merged into ``main`` now (Chinese), or None."""
    if ticket.id == main.id:
        return "不能将工单并入其自身"
    if ticket.main_ticket_id is not None:
        return f"工单{ticket.number}已并入其他工单"
    if ticket.status_enum not in MERGEABLE:
        return f"工单{ticket.number}{ticket.status_enum.label}，只有待派单至办理中（尚未答复）的工单可以并入"
    if session.scalar(select(Ticket.id).where(Ticket.main_ticket_id == ticket.id).limit(1)) is not None:
        return f"工单{ticket.number}已是其他工单的主单，请将它作为主单"
    if session.scalar(select(TaskProjection.id).where(TaskProjection.ticket_id == ticket.id,
                                                      TaskProjection.supervision_id.is_not(None)).limit(1)):
        return f"工单{ticket.number}正在督办中，督办办结后才能并单"
    return None


def merge(session: Session, actor: Actor, main_id: int, child_ids: list[int], reason: str | None, now: datetime,
          *, source: str = "manual", alert: SurgeAlert | None = None) -> list[TicketMerge]:
    """Merge tickets into a main ticket; all or none.

    :raises Forbidden: for an actor other than the dispatcher and the office.
    :raises Invalid: no reason, no ticket, a main ticket that cannot take them, or a ticket that cannot be merged
        (each named in the message).
    """
    _require(actor)
    reason = _reason(reason, "并单理由")
    ids = sorted({int(i) for i in child_ids if isinstance(i, int) or str(i).isdigit()} - {main_id})
    if not ids or len(ids) > MAX_CHILDREN:
        raise Invalid(f"请选择要并入主单的工单（1至{MAX_CHILDREN}件）", "merge without tickets",
                      fields={"ticket_ids": "请选择工单"})
    main = session.scalar(select(Ticket).where(Ticket.id == main_id).with_for_update())
    if main is None:
        raise Invalid("主单不存在", f"main ticket {main_id} not found", fields={"main_ticket_id": "主单不存在"})
    if (problem := main_problem(main)) is not None:
        raise Invalid(problem, f"ticket {main_id} cannot be a main ticket", fields={"main_ticket_id": problem})
    children = list(session.scalars(select(Ticket).where(Ticket.id.in_(ids)).order_by(Ticket.id).with_for_update()))
    problems = [p for t in children if (p := child_problem(session, t, main))]
    if len(children) != len(ids):
        problems.append("所选工单有的不存在")
    if problems:
        raise Invalid("；".join(problems), f"merge into {main_id} refused", fields={"ticket_ids": problems[0]})
    rows = []
    for child in children:
        rows.append(_merge_one(session, actor, main, child, reason, now, source, alert))
    write_audit(session, main.id, actor, "merge_in", main.status, main.status, now,
                children=[c.number for c in children], reason=reason, source=source)
    return rows


def _merge_one(session, actor, main, child, reason, now, source, alert) -> TicketMerge:
    before = child.status
    check_transition(TicketStatus(before), TicketStatus.MERGED)
    session.connection().execute(delete(_TP).where(_TP.c.ticket_id == child.id))
    active = list(session.scalars(select(Assignment).where(Assignment.ticket_id == child.id,
                                                           Assignment.active.is_(True))))
    for a in active:
        a.active = False
    row = TicketMerge(main_ticket_id=main.id, child_ticket_id=child.id, source=source,
                      surge_alert_id=alert.id if alert else None, reason=reason, child_status=before,
                      assignment_ids=[a.id for a in active], merged_by_id=actor.user_id, merged_by=actor.label,
                      merged_at=now)
    session.add(row)
    # Its unit is the main ticket's now; without a lead unit of its own the matter is assessed once (on the main).
    child.status, child.main_ticket_id, child.lead_unit_id, child.updated_at = (TicketStatus.MERGED.value, main.id,
                                                                                None, now)
    follow_monitor(child, child.status)  # its own clocks stop: nothing pending, no card while it follows
    write_audit(session, child.id, actor, "merge", before, child.status, now, main=main.number, reason=reason,
                source=source)
    return row


def unmerge(session: Session, actor: Actor, child_id: int, reason: str | None, now: datetime) -> Ticket:
    """Take a merged ticket out of its matter again, until the main ticket's reply has gone out.

    :raises Forbidden: for an actor other than the dispatcher and the office.
    :raises Invalid: no reason, a ticket not merged, or a main ticket already replied to.
    """
    _require(actor)
    reason = _reason(reason, "撤销并单的理由")
    child = session.scalar(select(Ticket).where(Ticket.id == child_id).with_for_update())
    if child is None or child.main_ticket_id is None:
        raise Invalid("该工单未并单", f"ticket {child_id} is not merged")
    main = session.scalar(select(Ticket).where(Ticket.id == child.main_ticket_id).with_for_update())
    if child.status != TicketStatus.MERGED.value or main.status_enum not in MAIN_STATES:
        raise Invalid("主单已答复，不能再撤销并单", f"ticket {child_id}: main {main.id} already replied")
    row = session.scalar(select(TicketMerge).where(TicketMerge.child_ticket_id == child.id,
                                                   TicketMerge.unmerged_at.is_(None))
                         .order_by(TicketMerge.id.desc()).limit(1))
    for a in session.scalars(select(Assignment).where(Assignment.id.in_(row.assignment_ids or []))):
        a.active = True
        if a.role == "lead":
            child.lead_unit_id = a.unit_id
    child.main_ticket_id = None
    if row.child_status in (TicketStatus.HANDLING.value, TicketStatus.CO_HANDLING.value):
        # The handling clock starts again from the un-merge (the time it followed the main ticket is not its own).
        clock = tl.handling_clock(calendar(session), rules_for(session, child.rule_set_id), child.ticket_type, now,
                                  redo=child.redo_count > 0)
        child.handling_started_at = now
        store_clock(child, clock)
    save_instance(session, child, load_instance(session, child), actor, now, "unmerge", TicketStatus.MERGED, set(),
                  main=main.number, reason=reason)
    row.unmerged_by_id, row.unmerged_by, row.unmerged_at, row.unmerge_reason = actor.user_id, actor.label, now, reason
    write_audit(session, main.id, actor, "unmerge_out", main.status, main.status, now, child=child.number,
                reason=reason)
    return child


@dataclass
class MatterView:
    """What a ticket page shows of a merged matter: on a merged ticket, ``main`` is its main ticket and ``others``
    the main ticket's other merged tickets; on a main ticket, ``main`` is None and ``others`` all its children."""

    main: dict | None
    children: list[dict]
    can_unmerge: bool
    ticket_id: int | None = None

    @property
    def calls(self) -> int:
        return 1 + len(self.children)

    @property
    def others(self) -> list[dict]:
        return [c for c in self.children if c["id"] != self.ticket_id]


def matter_view(session: Session, ticket: Ticket) -> MatterView:
    """The matter a ticket belongs to: its main ticket, or its merged tickets (masked names, no phones)."""
    main = session.get(Ticket, ticket.main_ticket_id) if ticket.main_ticket_id else ticket
    merges = {m.child_ticket_id: m for m in session.scalars(select(TicketMerge).where(
        TicketMerge.main_ticket_id == main.id, TicketMerge.unmerged_at.is_(None)))}
    children = [{"id": c.id, "number": c.number, "channel": CHANNEL_LABELS[Channel(c.channel)],
                 "citizen": mask_name(c.citizen_name), "created_at": iso(c.created_at),
                 "status_label": c.status_enum.label, "merged_at": iso(merges[c.id].merged_at) if c.id in merges
                 else None, "merged_by": merges[c.id].merged_by if c.id in merges else None,
                 "reason": merges[c.id].reason if c.id in merges else None}
                for c in session.scalars(select(Ticket).where(Ticket.main_ticket_id == main.id).order_by(Ticket.id))]
    head = {"id": main.id, "number": main.number, "status_label": main.status_enum.label}
    return MatterView(head if ticket.main_ticket_id else None, children, main.status_enum in MAIN_STATES, ticket.id)


# -- 集中反映: the one-step merge of a surge alert ----------------------------------------------------------------

def surge_plan(session: Session, alert: SurgeAlert, main_id: int | None = None) -> tuple[Ticket | None, list, dict]:
    """What the one-step merge of an alert would do: its main ticket (the one named, else the matter's main ticket
    already chosen, else the earliest dispatched ticket, else the earliest), the tickets it would merge, and why
    each other ticket cannot be merged."""
    tickets = list(session.scalars(select(Ticket).where(Ticket.id.in_(alert.ticket_ids)).order_by(Ticket.id)))
    by_id = {t.id: t for t in tickets}
    mains = [t for t in tickets if main_problem(t) is None]
    if main_id is not None:
        main = by_id.get(main_id) if main_id in by_id and main_problem(by_id[main_id]) is None else None
    else:
        main = (next((t for t in mains if t.id == alert.main_ticket_id), None)
                or next((t for t in mains if t.lead_unit_id is not None), None) or (mains[0] if mains else None))
    if main is None:
        return None, [], {}
    merge_now, problems = [], {}
    for t in tickets:
        if t.id == main.id or t.main_ticket_id == main.id:
            continue
        problem = child_problem(session, t, main)
        if problem is None:
            merge_now.append(t)
        else:
            problems[t.id] = problem
    return main, merge_now, problems


def merge_surge(session: Session, actor: Actor, alert_id: int, now: datetime, *, main_id: int | None = None,
                reason: str | None = None) -> list[TicketMerge]:
    """Merge an alert's tickets into one main ticket in one step; those that cannot be merged are left as they are.

    :raises NotFound: for an unknown alert.
    :raises Invalid: a dismissed alert, or no ticket of it can be the main ticket, or nothing to merge.
    """
    _require(actor)
    alert = session.scalar(select(SurgeAlert).where(SurgeAlert.id == alert_id).with_for_update())
    if alert is None:
        raise NotFound("预警不存在", f"surge alert {alert_id} not found")
    if alert.status == "dismissed":
        raise Invalid("该预警已排除，不能并单", f"surge alert {alert_id} dismissed")
    main, children, _problems = surge_plan(session, alert, main_id)
    if main is None:
        raise Invalid("预警中没有可以作为主单的工单（须已受理、尚未答复）", f"surge alert {alert_id}: no main ticket")
    if not children:
        raise Invalid("没有可以并入的工单", f"surge alert {alert_id}: nothing to merge")
    why = (reason or "").strip() or f"集中反映：{alert.area}{len(alert.ticket_ids)}件“{alert.label}”相似诉求，并单办理"
    rows = merge(session, actor, main.id, [t.id for t in children], why, now, source="surge", alert=alert)
    alert.status, alert.main_ticket_id = "merged", main.id
    alert.handled_by_id, alert.handled_at = actor.user_id, now
    return rows
