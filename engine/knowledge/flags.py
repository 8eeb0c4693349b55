"""Gaps and errors the office flags in the knowledge base (Art. 25): the unit fixes them within 5 working days,
watched by the same 预警/黄牌/红牌 levels and notices as tickets; a correction notice can be printed."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.common import Actor, Conflict, Forbidden, Invalid, NotFound, calendar, write_audit
from engine.docstore import issue_document
from engine.domain.calendar import TZ, WorkingCalendar
from engine.domain.roles import Role
from engine.domain.timelimits import LEVEL_LABELS
from engine.models import Category, IssuedDocument, KnowledgeEntry, KnowledgeFlag, KnowledgeVersion, Ticket, Unit, User
from engine.notices import DEFAULT_TEMPLATES, enqueue, render, sign

from .entries import _entry, _is_approver, expire_entries

FLAG_KINDS = {"gap": "知识缺失", "error": "信息错误"}
FIX_DAYS = 5  # Art. 25: a flagged gap or error is fixed within 5 WD
# Thresholds of the fix clock, like a ticket's: warning 1 WD before the deadline, yellow at it, red 1 WD after.
FLAG_THRESHOLDS = (("warning", FIX_DAYS - 1), ("yellow", FIX_DAYS), ("red", FIX_DAYS + 1))
MONITOR = Actor.system("系统（知识库纠错监控）")


def _target_unit(session: Session, entry: KnowledgeEntry | None, category: str | None,
                 unit_id: int | None) -> int:
    if entry is not None and entry.unit_id is not None:
        return entry.unit_id
    if unit_id is not None and session.get(Unit, unit_id) is not None:
        return unit_id
    if category:
        default = session.scalar(select(Category.default_unit_id).where(Category.name == category))
        if default is not None:
            return default
    raise Invalid("请指定负责修正的单位", "no unit for the kb flag", fields={"unit_id": "请选择负责单位"})


def flag(session: Session, actor: Actor, *, kind: str, text: str, now: datetime, entry_id: int | None = None,
         category: str | None = None, unit_id: int | None = None,
         source_ticket_id: int | None = None) -> KnowledgeFlag:
    """Flag a gap or an error on an entry or a category; the unit has 5 working days to fix it.

    :raises Forbidden: for anyone outside the hotline office.
    :raises Invalid: for an unknown kind, an empty text or no target.
    """
    if not (actor.kind == "system" or (actor.kind == "user" and actor.role is not None and actor.role.is_office)):
        raise Forbidden("只有热线办可以提出知识库纠错", f"{actor.label} may not flag the knowledge base")
    if kind not in FLAG_KINDS:
        raise Invalid("请选择问题类型", f"unknown kb flag kind {kind!r}", fields={"kind": "请选择知识缺失或信息错误"})
    if not (text or "").strip():
        raise Invalid("请说明发现的问题", "empty kb flag text", fields={"text": "请说明发现的问题"})
    entry = _entry(session, entry_id) if entry_id is not None else None
    if entry is None and not category:
        raise Invalid("请指定条目或类别", "kb flag without target", fields={"entry_id": "请选择条目或类别"})
    cal = calendar(session)
    ends = {level: cal.add_working_days(now, days) for level, days in FLAG_THRESHOLDS}
    row = KnowledgeFlag(
        kind=kind, entry_id=entry.id if entry else None, category=category or (entry.category if entry else None),
        unit_id=_target_unit(session, entry, category, unit_id), text=text.strip(),
        source_ticket_id=source_ticket_id, flagged_by=actor.label[:120], flagged_by_id=actor.user_id,
        flagged_at=now, due_at=ends["yellow"].end, warning_at=ends["warning"].end, yellow_at=ends["yellow"].end,
        red_at=ends["red"].end, next_threshold_at=ends["warning"].end, level="normal", notified=[],
        provisional=any(d.provisional for d in ends.values()))
    session.add(row)
    session.flush()
    write_audit(session, source_ticket_id, actor, "kb_flag", None, None, now, flag_id=row.id, kind=kind,
                entry_id=row.entry_id, category=row.category, unit_id=row.unit_id, due_at=row.due_at.isoformat())
    return row


def gap_from_ticket(session: Session, actor: Actor, ticket_id: int, now: datetime, *, text: str | None = None,
                    unit_id: int | None = None, category: str | None = None) -> KnowledgeFlag:
    """Turn "no answer found" at intake into a gap report for the responsible unit.

    :raises NotFound: for an unknown ticket.
    """
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound("工单不存在", f"ticket {ticket_id} not found")
    category = category or ticket.category
    if unit_id is None and category and not session.scalar(select(Category.id).where(Category.name == category)):
        unit_id = ticket.lead_unit_id
    return flag(session, actor, kind="gap", now=now, category=category, unit_id=unit_id, source_ticket_id=ticket.id,
                text=text or f"工单{ticket.number}咨询事项在知识库中未找到答案：{ticket.content[:200]}")


def fix_flag(session: Session, actor: Actor, flag_id: int, note: str, now: datetime) -> KnowledgeFlag:
    """Record the unit's fix: the clock stops and the flag is cleared (late when after the 5-WD deadline).

    The unit's 信息采编员 fixes by changing the knowledge base first: the flagged entry has a version saved after
    the flag, or — for a flag on a category — the unit created or changed an entry since. The office's approvers
    may close a flag without that (raised by mistake, fixed elsewhere), saying why.

    :raises Forbidden: for anyone but the unit's 信息采编员 or the office's approvers.
    :raises Conflict: when it was fixed already.
    :raises Invalid: when the unit changed nothing since the flag, or the office gives no reason.
    """
    row = session.get(KnowledgeFlag, flag_id, with_for_update=True)
    if row is None:
        raise NotFound("纠错记录不存在", f"kb flag {flag_id} not found")
    own = actor.kind == "user" and actor.role == Role.KB_EDITOR and actor.unit_id == row.unit_id
    if not (own or _is_approver(actor)):
        raise Forbidden("只有责任单位的信息采编员可以提交修正", f"{actor.label} may not fix kb flag {flag_id}")
    if row.fixed_at is not None:
        raise Conflict("该问题已修正", f"kb flag {flag_id} already fixed")
    if own and not _changed_since(session, row):
        wanted = "修改该条目" if row.entry_id is not None else "补充或修改本单位的知识条目"
        raise Invalid(f"请先{wanted}，再提交修正", f"kb flag {flag_id}: nothing changed since it was raised",
                      fields={"note": f"知识库中尚无对应修改，请先{wanted}"})
    if not own and not (note or "").strip():
        raise Invalid("请说明关闭理由", f"kb flag {flag_id} closed by the office without a reason",
                      fields={"note": "请说明关闭理由"})
    row.fixed_at, row.fixed_by, row.fix_note = now, actor.label[:120], (note or "").strip() or None
    row.fixed_late, row.next_threshold_at = now > row.due_at, None
    write_audit(session, row.source_ticket_id, actor, "kb_flag_fixed", None, None, now, flag_id=row.id,
                late=row.fixed_late, level=row.level)
    session.flush()
    return row


def _changed_since(session: Session, row: KnowledgeFlag) -> bool:
    """Whether someone (not the system's expiry pass) saved a version since the flag was raised: of the flagged
    entry, or for a flag on a category, of one of the unit's entries in that category (see :func:`fix_flag`)."""
    q = select(KnowledgeVersion.id).where(KnowledgeVersion.created_at > row.flagged_at,
                                          KnowledgeVersion.author_id.is_not(None))
    if row.entry_id is not None:
        q = q.where(KnowledgeVersion.entry_id == row.entry_id)
    else:
        q = q.join(KnowledgeEntry, KnowledgeEntry.id == KnowledgeVersion.entry_id).where(
            KnowledgeEntry.unit_id == row.unit_id, KnowledgeVersion.category == row.category)
    return session.scalar(q.limit(1)) is not None


def _next_threshold(row: KnowledgeFlag) -> datetime | None:
    fired = row.notified or []
    pending = [getattr(row, f"{lvl}_at") for lvl, _ in FLAG_THRESHOLDS if not any(f["level"] == lvl for f in fired)]
    return min(pending) if pending else None


def recompute_open_flags(session: Session, cal: WorkingCalendar, actor: Actor, now: datetime, *,
                         only_provisional: bool = False, reason: Mapping[str, object] | None = None) -> list[int]:
    """Count the fix clocks of open flags again with ``cal`` (a year's holiday notice was entered); return the ids
    of the flags whose thresholds moved or stopped being provisional.

    Levels already reached and their notices stay; the thresholds still ahead move with the calendar. Each moved
    flag gets a ``kb_flag_recomputed`` audit row listing every instant that moved.
    """
    q = select(KnowledgeFlag).where(KnowledgeFlag.fixed_at.is_(None))
    if only_provisional:
        q = q.where(KnowledgeFlag.provisional.is_(True))
    moved = []
    for row in session.scalars(q.order_by(KnowledgeFlag.id).with_for_update()).all():
        ends = {level: cal.add_working_days(row.flagged_at, days) for level, days in FLAG_THRESHOLDS}
        changes = {}
        fired = {f["level"] for f in row.notified or []}
        for level, _days in FLAG_THRESHOLDS:
            old, new = getattr(row, f"{level}_at"), ends[level].end
            if old != new and level not in fired:  # a level already reached stays where it fired
                changes[f"{level}_at"] = [old.astimezone(TZ).isoformat(), new.astimezone(TZ).isoformat()]
                setattr(row, f"{level}_at", new)
        provisional = any(d.provisional for d in ends.values())
        if not changes and provisional == row.provisional:
            continue
        row.due_at, row.provisional = row.yellow_at, provisional
        row.next_threshold_at = _next_threshold(row)
        write_audit(session, row.source_ticket_id, actor, "kb_flag_recomputed", None, None, now, flag_id=row.id,
                    changes=changes, provisional=provisional, **dict(reason or {}))
        moved.append(row.id)
    session.flush()
    return moved


@dataclass
class FlagPassResult:
    """What one pass over the flags did."""

    flags: int = 0
    crossings: dict[str, int] = field(default_factory=lambda: {"warning": 0, "yellow": 0, "red": 0})
    notices: int = 0
    expired: int = 0


def _recipients(session: Session, unit: Unit, leader: bool) -> list[tuple[str, str, str]]:
    editors = session.execute(select(User.phone, User.display_name).where(
        User.unit_id == unit.id, User.role == Role.KB_EDITOR.value, User.active.is_(True),
        User.phone.is_not(None)).order_by(User.id)).all()
    out = [(phone, name, "receiver") for phone, name in editors]
    if not out and unit.phone:
        out.append((unit.phone, f"{unit.name}受理台", "receiver"))
    if leader and unit.leader_phone:
        out.append((unit.leader_phone, unit.leader_name or f"{unit.name}分管领导", "leader"))
    seen: set[str] = set()
    return [r for r in out if not (r[0] in seen or seen.add(r[0]))]


def _target_label(session: Session, row: KnowledgeFlag) -> str:
    entry = session.get(KnowledgeEntry, row.entry_id) if row.entry_id else None
    return f"条目“{entry.title}”" if entry else f"类别“{row.category}”"


def kb_monitor_pass(session: Session, now: datetime, *, office: str | None = None,
                    templates: Mapping[str, str] | None = None) -> FlagPassResult:
    """Move open flags through 预警/黄牌/红牌 as their thresholds pass; each crossing fires once, in order.

    Each crossing writes an audit row (with the threshold and how late it fired) and SMS notices to the unit's
    信息采编员, and from 黄牌 on to its 分管领导. The texts are the notice templates ``kb_flag.warning/yellow/red``
    of ``templates`` — the same settings as tickets' notices (``NOTIFY_TEMPLATES``, checked at startup by
    :func:`notify.check_templates`); ``office`` fills ``{office}``. Entries past their expiry date are expired in
    the same pass.
    """
    office = office or sign(session)
    templates = templates or DEFAULT_TEMPLATES
    result = FlagPassResult(expired=expire_entries(session, now))
    due = session.scalars(select(KnowledgeFlag).where(KnowledgeFlag.fixed_at.is_(None),
                                                      KnowledgeFlag.next_threshold_at <= now)
                          .order_by(KnowledgeFlag.next_threshold_at, KnowledgeFlag.id).with_for_update()).all()
    for row in due:
        result.flags += 1
        unit = session.get(Unit, row.unit_id)
        fired = list(row.notified or [])
        for level, _days in FLAG_THRESHOLDS:
            threshold = getattr(row, f"{level}_at")
            if threshold > now or any(f["level"] == level for f in fired):
                continue
            row.level = level
            fired.append({"level": level, "threshold": threshold.isoformat(), "fired_at": now.isoformat()})
            result.crossings[level] += 1
            write_audit(session, row.source_ticket_id, MONITOR, f"kb_flag_{level}", None, None, now,
                        flag_id=row.id, level=LEVEL_LABELS[level], threshold=threshold.isoformat(),
                        late_seconds=int((now - threshold).total_seconds()))
            params = {"office": office, "problem": FLAG_KINDS[row.kind], "target": _target_label(session, row),
                      "unit": unit.name, "due": row.due_at.astimezone(TZ).strftime("%Y-%m-%d %H:%M"),
                      "level": LEVEL_LABELS[level], "threshold": threshold.astimezone(TZ).strftime("%Y-%m-%d %H:%M")}
            text = render(templates, "sms", f"kb_flag.{level}", params)
            for phone, name, role in _recipients(session, unit, leader=level != "warning"):
                enqueue(session, kind="sms", recipient=phone, recipient_name=name, recipient_role=role,
                        template=f"kb_flag.{level}", text=text, params=params, now=now,
                        dedupe_key=f"kb_flag:{row.id}:{level}:{phone}")
                result.notices += 1
        row.notified = fired
        row.next_threshold_at = _next_threshold(row)
    session.flush()
    return result


def print_correction_notice(session: Session, actor: Actor, flag_id: int, now: datetime, *,
                            contact: str = "市12345热线办知识库管理组") -> IssuedDocument:
    """Issue the 知识库纠错通知 for a flag and link it to the flag.

    :raises Forbidden: for an actor who may not issue documents.
    :raises Conflict: when a live notice was issued for the flag already.
    """
    row = session.get(KnowledgeFlag, flag_id)
    if row is None:
        raise NotFound("纠错记录不存在", f"kb flag {flag_id} not found")
    if row.document_id is not None:
        doc = session.get(IssuedDocument, row.document_id)
        if doc is not None and doc.status == "issued":
            raise Conflict(f"已出具知识库纠错通知（{doc.number}）", f"kb flag {flag_id} has {doc.number}")
    entry = session.get(KnowledgeEntry, row.entry_id) if row.entry_id else None
    unit = session.get(Unit, row.unit_id)
    context = {"addressee": unit.name, "entry_id": f"KB-{entry.id}" if entry else f"类别：{row.category}",
               "entry_title": entry.title if entry else f"{row.category}类知识", "problem": FLAG_KINDS[row.kind],
               "details": row.text, "found_at": row.flagged_at, "due": row.due_at, "contact": contact,
               "source": "热线办知识库核查"}
    if row.source_ticket_id:
        ticket = session.get(Ticket, row.source_ticket_id)
        context["ticket_no"] = ticket.number if ticket else None
    doc = issue_document(session, "kb_correction_notice", context, actor, now, unit_id=row.unit_id)
    row.document_id = doc.id
    session.flush()
    return doc
