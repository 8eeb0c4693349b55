"""The 预警/黄牌/红牌 monitor (Art. 17, 18(2)): move each ticket's monitoring level as its clock crosses thresholds.

A ticket stores the thresholds of its clocks, the level reached on the clock that runs now (``monitor_stage``,
``monitor_level``) and the earliest threshold still to fire (``next_threshold_at``, indexed). The pass is one range
query on that index, so it costs what is due, not what is open. Each crossing fires once, in order, even after
downtime: an audit row with the threshold instant and how late it fired, notices in the outbox, and on a red card
a supervision request.
"""
from __future__ import annotations

import logging
from collections import namedtuple
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from engine.common import Actor, Conflict, Invalid, calendar, rules_for, write_audit
from engine.domain import timelimits as tl
from engine.domain.calendar import TZ
from engine.models import AuditLog, Outbox, SupervisionRequest, Ticket
from engine.notices import DEFAULT_TEMPLATES, Recipients, fill, outbox_row, sign, template_of

from .bulk import fetch_rows, levels_stored, prepare_insert
from .deadlines import (
    EXTENSION_ACTION,
    STAGE_BY_STATUS,
    clock_facts,
    compute_clocks,
    extension_days,
    running_stage,
    store_clock,
)

log = logging.getLogger("hotline.monitor")

MONITOR = Actor.system("系统（时限监控）")
LEVELS = tl.LEVELS  # normal < warning < yellow < red
_RANK = {level: i for i, level in enumerate(LEVELS)}

# The threshold columns of each monitored clock, in firing order. The office's dispatch clock (Art. 9) has one
# threshold: 黄牌 when the dispatch deadline passes. It has no red card because supervision (Art. 18) is of units.
THRESHOLDS: dict[str, tuple[tuple[str, str], ...]] = {
    "dispatch": (("yellow", "dispatch_due"),),
    "acceptance": (("warning", "accept_warning_at"), ("yellow", "accept_yellow_at"), ("red", "accept_red_at")),
    "handling": (("warning", "handling_warning_at"), ("yellow", "handling_yellow_at"), ("red", "handling_red_at")),
}
AUDIT_ACTIONS = {"warning": "monitor_warning", "yellow": "monitor_yellow", "red": "monitor_red"}
ACTION_LABELS = {"monitor_warning": "时限预警", "monitor_yellow": "黄牌", "monitor_red": "红牌",
                 "supervision_request": "红牌转督办", EXTENSION_ACTION: "延期批准，时限顺延",
                 "deadline_recomputed": "节假日调整，时限重算", "calendar_import": "录入年度节假日安排",
                 "notice_resend": "重新发送通知"}


@dataclass(frozen=True)
class MonitorSettings:
    """Who is told what, by which channel; every field comes from the app config."""

    # level → channels; Art. 17 says phone and SMS for every level.
    channels: Mapping[str, Sequence[str]] = field(default_factory=lambda: {
        "warning": ("voice", "sms"), "yellow": ("voice", "sms"), "red": ("voice", "sms")})
    templates: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_TEMPLATES))
    # Phones told when the office's own dispatch runs late; empty = the active dispatchers of the city office.
    office_phones: Sequence[str] = ()
    office_name: str | None = None  # the SMS signature; None: notices.sign (the one configured)
    batch_size: int = 1000


@dataclass
class PassResult:
    """What one monitor pass did."""

    tickets: int = 0
    crossings: dict[str, int] = field(default_factory=lambda: {"warning": 0, "yellow": 0, "red": 0})
    notices: int = 0
    supervision_requests: int = 0
    no_recipient: list[int] = field(default_factory=list)
    more: bool = False  # stopped at max_batches with tickets possibly still due


# -- keeping the monitoring columns in step with the ticket --------------------------------------------------------


def next_pending(ticket: Any, stage: str | None, level: str) -> datetime | None:
    """Return the first threshold of ``stage`` above ``level`` (works on a Ticket or a row of its columns)."""
    if stage is None:
        return None
    rank = _RANK[level]
    for lvl, col in THRESHOLDS[stage]:
        at = getattr(ticket, col)
        if _RANK[lvl] > rank and at is not None:
            return at
    return None


def follow(ticket: Ticket, status: str, restarted: frozenset[str] | set[str] = frozenset()) -> None:
    """Point the monitor at the clock that runs in ``status``; a new or restarted clock starts at 正常.

    With no clock running the level reached last is kept as history and nothing is pending.
    """
    stage = running_stage(status)
    if stage is None:
        ticket.monitor_stage, ticket.next_threshold_at = None, None
        return
    if stage != ticket.monitor_stage or stage in restarted or ticket.monitor_level is None:
        ticket.monitor_level = "normal"
    ticket.monitor_stage = stage
    ticket.next_threshold_at = next_pending(ticket, stage, ticket.monitor_level)


def reschedule(ticket: Ticket) -> None:
    """Recompute the pending threshold after the thresholds moved; levels already reached are kept."""
    ticket.next_threshold_at = next_pending(ticket, ticket.monitor_stage, ticket.monitor_level or "normal")


def apply_extension(session: Session, ticket: Ticket, days: int, actor: Actor, now: datetime, *,
                    requested_at: datetime | None = None) -> tl.Clock:
    """Move the handling clock for an approved extension (Art. 10(5), 13) and record it for recomputation.

    The thresholds follow the new deadline (DOMAIN.md §4 decision); the level drops back to what the new
    thresholds say, so the warning before the new deadline fires again. The extension service calls this once the
    office approves; its own audit row must use another action name than ``extension_approve``.

    :raises Invalid: the ticket is not being handled, is a redo, was already extended, the request came after the
        deadline, or ``days`` exceeds the type's cap.
    """
    if running_stage(ticket.status) != "handling" or ticket.handling_started_at is None:
        raise Invalid("工单不在办理阶段，不能延期", f"ticket {ticket.id} in {ticket.status} cannot be extended")
    if ticket.redo_count > 0:
        raise Invalid("重办工单不得延期", f"ticket {ticket.id} is a redo")
    if extension_days(session, ticket):
        raise Conflict("每件工单只能延期一次", f"ticket {ticket.id} was already extended")
    asked = requested_at or now
    if ticket.handling_due is not None and asked >= ticket.handling_due:
        raise Invalid("延期须在办理时限届满前申请", f"ticket {ticket.id}: extension asked after the deadline")
    rules = rules_for(session, ticket.rule_set_id)
    try:
        clock = tl.handling_clock(calendar(session), rules, ticket.ticket_type, ticket.handling_started_at,
                                  extension_days=days)
    except (TypeError, ValueError) as exc:
        cap = rules.for_type(ticket.ticket_type).max_extension
        raise Invalid(f"延期天数须为1至{cap}个工作日", f"ticket {ticket.id}: {exc}",
                      fields={"days": f"延期天数须为1至{cap}个工作日"}) from None
    if days < 1:
        raise Invalid("延期天数须至少1个工作日", f"ticket {ticket.id}: extension of {days} days")
    before = ticket.handling_due
    store_clock(ticket, clock)
    ticket.deadline_provisional = clock.provisional
    ticket.monitor_level = tl.monitoring_level(clock, now)
    reschedule(ticket)
    write_audit(session, ticket.id, actor, EXTENSION_ACTION, ticket.status, ticket.status, now, follows_action=True,
                days=days, before_due=_iso(before), due=_iso(clock.due), requested_at=_iso(asked))
    return clock


# -- the pass ------------------------------------------------------------------------------------------------------

_COLUMNS = (Ticket.id, Ticket.number, Ticket.ticket_type, Ticket.status, Ticket.rule_set_id, Ticket.lead_unit_id,
            Ticket.county_office_id, Ticket.monitor_stage, Ticket.monitor_level, Ticket.next_threshold_at,
            Ticket.deadline_provisional, Ticket.dispatch_due, Ticket.accept_due, Ticket.handling_due,
            Ticket.accept_warning_at, Ticket.accept_yellow_at, Ticket.accept_red_at,
            Ticket.handling_warning_at, Ticket.handling_yellow_at, Ticket.handling_red_at)

_Due = namedtuple("_Due", [c.key for c in _COLUMNS])


def due_query(now: datetime, limit: int):
    """The monitor's only scan: tickets whose next threshold has come, earliest first, rows locked."""
    return (select(*_COLUMNS).where(Ticket.next_threshold_at <= now)
            .order_by(Ticket.next_threshold_at, Ticket.id).limit(limit)
            .with_for_update(skip_locked=True))


def monitor_pass(session: Session, now: datetime, settings: MonitorSettings | None = None, *,
                 max_batches: int | None = None) -> PassResult:
    """Fire every threshold crossed by ``now``, each once and in order; flush, never commit.

    Idempotent: a crossing moves the ticket's level in the same transaction that records it, and rows another
    worker holds are skipped, so running it again (or in a second process) fires nothing twice. With
    ``max_batches`` it stops after that many batches, so a caller can commit between them and hold few row locks;
    ``PassResult.more`` then tells whether due tickets remain.
    """
    settings = settings or MonitorSettings()
    result = PassResult()
    people = Recipients(session, settings.office_phones)
    shared = _Shared(session, settings, people, now)
    batches = 0
    while True:
        if max_batches is not None and batches >= max_batches:
            result.more = True
            break
        batches += 1
        # Plain named tuples: reading a SQLAlchemy Row's attribute by name costs ~1 µs, and a crossing reads ~25.
        rows = fetch_rows(session, due_query(now, settings.batch_size), _Due)
        if not rows:
            break
        audits: list[dict] = []
        notices: list[dict] = []
        supervision: list[dict] = []
        changes: list[dict] = []
        crossings = []
        people.load([r.lead_unit_id for r in rows] + [r.county_office_id for r in rows])
        for row in rows:
            stage, level = row.monitor_stage, row.monitor_level or "normal"
            derived = running_stage(row.status)
            if derived != stage:
                # A ticket whose state moved without the monitor noticing: follow the clock that runs now.
                log.warning("ticket %s in %s had monitor stage %s; following %s", row.id, row.status, stage, derived)
                stage, level = derived, ("normal" if derived else level)
            crossed = [(lvl, at) for lvl, at in ((lvl, getattr(row, col)) for lvl, col in THRESHOLDS.get(stage, ()))
                       if at is not None and _RANK[lvl] > _RANK[level] and at <= now]
            for lvl, at in crossed:  # who is told and the rules' days: read now, as the block below cannot query
                crossings.append((row, stage, lvl, at, *_whom(row, stage, lvl, shared)))
                level = lvl
            result.tickets += 1
            changes.append({"id": row.id, "monitor_stage": stage, "monitor_level": level,
                            "next_threshold_at": next_pending(row, stage, level)})
        # The levels first: the UPDATE runs on the server while the crossings' rows are worked out here.
        with levels_stored(session, changes):
            for row, stage, lvl, at, recipients, days in crossings:
                result.crossings[lvl] += 1
                sent = _fire(row, stage, lvl, at, now, shared, recipients, days, audits, notices, supervision)
                result.notices += sent
                if not sent:
                    result.no_recipient.append(row.id)
            writes = [prepare_insert(session, AuditLog, audits), prepare_insert(session, Outbox, notices),
                      prepare_insert(session, SupervisionRequest, supervision)]
        for write in writes:
            write()
        result.supervision_requests += len(supervision)
        _expire_loaded(session, [c["id"] for c in changes])
        if len(rows) < settings.batch_size:
            break
    return result


def _expire_loaded(session: Session, ids: list[int]) -> None:
    # The bulk UPDATE bypasses the identity map; drop stale copies so a caller reading on sees the new level.
    for tid in ids:
        obj = session.identity_map.get(identity_key(Ticket, tid))
        if obj is not None:
            session.expire(obj)


def _iso(instant: datetime | None) -> str | None:
    """Instants in audit details are written in Beijing time, as everywhere users read them."""
    return instant.astimezone(TZ).isoformat() if instant is not None else None


class _Shared:
    """What the crossings of one pass share, worked out once: instants written in Beijing time (many tickets share
    a deadline), each kind's template, each unit's recipients and each type's threshold days."""

    def __init__(self, session: Session, settings: MonitorSettings, people: Recipients, now: datetime) -> None:
        self.session, self.settings, self.people = session, settings, people
        self.office = settings.office_name or sign(session)
        self.now_iso = _iso(now)
        self._isos: dict[datetime, str | None] = {}
        self._ends: dict[datetime | None, str] = {}
        self._templates: dict[tuple[str, str], str] = {}
        self._recipients: dict[tuple, list[tuple[str, str, str]]] = {}
        self._days: dict[tuple, str] = {}

    def iso(self, instant: datetime) -> str | None:
        text = self._isos.get(instant)
        if text is None:
            text = self._isos[instant] = _iso(instant)
        return text

    def end(self, instant: datetime | None) -> str:
        text = self._ends.get(instant)
        if text is None:
            text = self._ends[instant] = tl.local_end(instant)
        return text

    def template(self, kind: str, event: str) -> str:
        key = (kind, event)
        text = self._templates.get(key)
        if text is None:
            text = self._templates[key] = template_of(self.settings.templates, kind, event)
        return text

    def recipients(self, dispatch: bool, unit_id: int | None, leader: bool) -> list[tuple[str, str, str]]:
        key = (dispatch, unit_id, leader)
        found = self._recipients.get(key)
        if found is None:  # the batch's units are loaded before its crossings are looked at
            found = self._recipients[key] = (self.people.of_office(unit_id) if dispatch
                                             else self.people.of_unit(unit_id, leader=leader))
        return found

    def days(self, row, stage: str, level: str) -> str:
        key = (row.rule_set_id, row.ticket_type, stage, level)
        text = self._days.get(key)
        if text is None:
            text = self._days[key] = _threshold_days(rules_for(self.session, row.rule_set_id), row, stage, level)
        return text


def _whom(row, stage: str, level: str, shared: _Shared) -> tuple[list[tuple[str, str, str]], str]:
    """Who is told of a crossing, and the N of "after N working days" (may query the database)."""
    if stage == "dispatch":
        county_step = row.status == "county_dispatching" and row.county_office_id is not None
        recipients = shared.recipients(True, row.county_office_id if county_step else None, False)
    else:
        recipients = shared.recipients(False, row.lead_unit_id, level in ("yellow", "red"))
    return recipients, shared.days(row, stage, level)


def _fire(row, stage: str, level: str, at: datetime, now: datetime, shared: _Shared, recipients: list,
          days: str, audits: list, notices: list, supervision: list) -> int:
    """Record one crossing: the audit row, the notices and, on red, the supervision request (no query: it runs
    while the batch's UPDATE is in flight)."""
    settings = shared.settings
    due = {"dispatch": row.dispatch_due, "acceptance": row.accept_due, "handling": row.handling_due}[stage]
    county_step = stage == "dispatch" and row.status == "county_dispatching" and row.county_office_id is not None
    params = {
        "office": shared.office, "number": row.number or f"#{row.id}",
        "type": tl.TICKET_TYPE_LABELS.get(row.ticket_type, row.ticket_type), "stage": tl.STAGE_LABELS[stage],
        "level": tl.LEVEL_LABELS[level],
        "unit": shared.people.unit_name(row.county_office_id if county_step else row.lead_unit_id),
        "due": shared.end(due) + ("（暂定）" if row.deadline_provisional else ""), "threshold": shared.end(at),
        "days": days,
    }
    event = f"{stage}.{level}"
    kinds = settings.channels.get(level, ())
    texts: dict[str, str] = {}  # each template filled once per crossing (voice and SMS usually share one)
    for kind in kinds:
        template = shared.template(kind, event)
        if template not in texts:
            texts[template] = fill(template, params)
    sent = 0
    stamp = int(at.timestamp())
    for phone, name, role in recipients:
        for kind in kinds:
            notice = outbox_row(
                kind=kind, recipient=phone, template=event, text=texts[shared.template(kind, event)],
                dedupe_key=f"t{row.id}:{event}:{stamp}:{kind}:{phone}", now=now, ticket_id=row.id,
                recipient_name=name, recipient_role=role)
            notice["params"] = params  # one object for the crossing's notices: the COPY encodes it once
            notices.append(notice)
            sent += 1
    late = (now - at).total_seconds()
    audits.append({"ticket_id": row.id, "actor_id": None, "actor_label": MONITOR.label,
                   "action": AUDIT_ACTIONS[level], "before_status": row.status, "after_status": row.status,
                   "detail": {"stage": stage, "stage_label": tl.STAGE_LABELS[stage], "level": level,
                              "level_label": tl.LEVEL_LABELS[level], "threshold_at": shared.iso(at),
                              "fired_at": shared.now_iso, "late_seconds": int(late),
                              "notified": [{"phone": p, "name": n, "role": r} for p, n, r in recipients],
                              "channels": list(kinds)},
                   "at": now})
    if level == "red" and stage in ("acceptance", "handling"):
        supervision.append({"ticket_id": row.id, "reason": "red_card", "stage": stage, "unit_id": row.lead_unit_id,
                            "threshold_at": at, "opened_at": now, "status": "open"})
        audits.append({"ticket_id": row.id, "actor_id": None, "actor_label": MONITOR.label,
                       "action": "supervision_request", "before_status": row.status, "after_status": row.status,
                       "detail": {"reason": "red_card", "stage": stage, "threshold_at": shared.iso(at)}, "at": now})
    return sent


def _threshold_days(rules: tl.RuleSet, row, stage: str, level: str) -> str:
    """The N of "after N working days" for the notice text (the extended count after an extension)."""
    if stage == "dispatch":
        return ""
    if stage == "acceptance":
        return str(getattr(rules.acceptance, f"{level}_after"))
    return str(getattr(rules.for_type(row.ticket_type), f"{level}_after"))


# -- after downtime, after a deploy ------------------------------------------------------------------------------


def backfill(session: Session, now: datetime, limit: int = 5000) -> int:
    """Start monitoring open tickets that predate the monitor (no thresholds stored yet); return how many.

    Thresholds come from the ticket's own clocks; levels start at 正常, so the next pass fires every threshold
    already crossed, in order, with its lateness recorded — the same catch-up as after downtime.
    """
    tickets = session.scalars(select(Ticket).where(Ticket.status.in_(tuple(STAGE_BY_STATUS)),
                                                   Ticket.monitor_stage.is_(None))
                              .order_by(Ticket.id).limit(limit)).all()
    cal = calendar(session)
    facts = clock_facts(session, tickets)
    for ticket in tickets:
        clocks = compute_clocks(session, ticket, cal, facts=facts[ticket.id])
        for clock in clocks.present():
            store_clock(ticket, clock)
        follow(ticket, ticket.status, restarted={"dispatch", "acceptance", "handling"})
    session.flush()
    return len(tickets)
