"""集中反映 (DOMAIN.md §12, Art. 18(3)): many similar tickets at one street or town in a short time.

Each scheduler pass links the recent tickets not linked yet (:func:`engine.matching.similar.link`), groups the
recent tickets of each street or town that are the same matter (text similarity from ``SurgeRule.min_text``), and
opens an alert for a group of ``SurgeRule.count`` or more within ``SurgeRule.minutes`` — or adds the new tickets to
the alert already open for them. The office is told by SMS; the alert page offers the one-step merge
(``engine.tickets.merging.merge_surge``) and supervision (Art. 18(3), :func:`supervise`).
"""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.common import Actor, Forbidden, Invalid, NotFound, iso, write_audit
from engine.domain import similarity as sim
from engine.domain.roles import Role, mask_name
from engine.domain.states import TicketStatus
from engine.models import SimilarIndex, SimilarLink, SurgeAlert, Ticket, User
from engine.notices import enqueue, sign
from engine.oversight import open_supervision

from . import similar, text

ALERT_ROLES = (Role.DISPATCHER.value, Role.SUPERVISOR.value)
HANDLE_ROLES = frozenset({Role.DISPATCHER, Role.REVIEWER, Role.SUPERVISOR, Role.ADMIN})
STATUS_LABELS = {"open": "待处理", "merged": "已并单", "dismissed": "已排除"}
SYSTEM = Actor.system("系统（集中反映监测）")


def _label(session: Session, ids: list[int]) -> tuple[str, str | None]:
    words: Counter = Counter()
    cats: Counter = Counter()
    for content, category, address in session.execute(select(Ticket.content, Ticket.category, Ticket.address)
                                                      .where(Ticket.id.in_(ids))):
        words.update(t for t in text.terms(content, None, address) if not t.startswith("类:"))
        if category:
            cats[category] += 1
    top = [w for w, _n in words.most_common(2)]
    category = cats.most_common(1)[0][0] if cats else None
    return "、".join(top) or (category or "相似诉求"), category


def detect(session: Session, now: datetime, rule: sim.SurgeRule = sim.SurgeRule(), *, office: str | None = None
           ) -> list[SurgeAlert]:
    """Open or extend the alerts of the surges now; return the alerts opened or extended."""
    since = now - timedelta(minutes=rule.minutes)
    recent = dict(session.execute(select(SimilarIndex.ticket_id, SimilarIndex.area).where(
        SimilarIndex.created_at >= since, SimilarIndex.area.is_not(None))).all())
    if len(recent) < rule.count:
        return []
    todo = [i for i in session.scalars(select(SimilarIndex.ticket_id).where(
        SimilarIndex.ticket_id.in_(recent), SimilarIndex.linked_at.is_(None)))]
    if todo:
        similar.link(session, todo, now)
    pairs = [(a, b) for a, b in session.execute(select(SimilarLink.ticket_id, SimilarLink.other_id).where(
        SimilarLink.ticket_id.in_(recent), SimilarLink.other_id.in_(recent), SimilarLink.text_score >= rule.min_text))
        if recent.get(a) == recent.get(b)]
    changed = []
    for group in sim.surge_groups(pairs, list(recent), rule.count):
        area = recent[group[0]]
        alert = _open_alert_for(session, area, group)
        times = dict(session.execute(select(Ticket.id, Ticket.created_at).where(Ticket.id.in_(group))).all())
        if alert is None:
            label, category = _label(session, group)
            alert = SurgeAlert(area=area, label=label[:120], category=category, ticket_ids=group, opened_at=now,
                               updated_at=now, first_at=min(times.values()), last_at=max(times.values()),
                               status="open")
            session.add(alert)
            session.flush()
            _tell_office(session, alert, now, office or sign(session))
            new = group
        else:
            new = [i for i in group if i not in alert.ticket_ids]
            if not new:
                continue
            alert.ticket_ids = sorted({*alert.ticket_ids, *group})
            alert.updated_at, alert.last_at = now, max(alert.last_at, *times.values())
        for tid in new:
            write_audit(session, tid, SYSTEM, "surge", None, None, now, alert_id=alert.id, area=area,
                        label=alert.label, count=len(alert.ticket_ids))
        changed.append(alert)
    return changed


def _open_alert_for(session: Session, area: str, group: list[int]) -> SurgeAlert | None:
    for alert in session.scalars(select(SurgeAlert).where(SurgeAlert.status == "open", SurgeAlert.area == area)):
        if set(alert.ticket_ids) & set(group):
            return alert
    return None


def _tell_office(session: Session, alert: SurgeAlert, now: datetime, office: str) -> None:
    for name, phone in session.execute(select(User.display_name, User.phone).where(
            User.role.in_(ALERT_ROLES), User.active.is_(True), User.phone.is_not(None)).order_by(User.id)):
        enqueue(session, kind="sms", recipient=phone, template="surge.alert", recipient_name=name,
                recipient_role="office", dedupe_key=f"surge:{alert.id}:{phone}", now=now,
                text=f"【{office}】集中反映预警：{alert.area}{_minutes(alert)}内有{len(alert.ticket_ids)}件"
                     f"“{alert.label}”相似诉求，请及时研判，可一键并单办理（预警第{alert.id}号）。")


def _minutes(alert: SurgeAlert) -> str:
    span = max(1, int((alert.last_at - alert.first_at).total_seconds() // 60))
    return f"{span}分钟" if span < 120 else f"{span // 60}小时"


def alerts(session: Session, *, status: str | None = "open", limit: int = 100) -> list[dict]:
    q = select(SurgeAlert).order_by(SurgeAlert.opened_at.desc(), SurgeAlert.id.desc()).limit(limit)
    if status:
        q = q.where(SurgeAlert.status == status)
    return [alert_dict(a) for a in session.scalars(q)]


def alert_dict(a: SurgeAlert) -> dict:
    return {"id": a.id, "area": a.area, "label": a.label, "category": a.category, "count": len(a.ticket_ids),
            "opened_at": iso(a.opened_at), "first_at": iso(a.first_at), "last_at": iso(a.last_at),
            "status": a.status, "status_label": STATUS_LABELS[a.status], "main_ticket_id": a.main_ticket_id,
            "supervision_id": a.supervision_id, "note": a.note, "span": _minutes(a)}


def get_alert(session: Session, alert_id: int, *, lock: bool = False) -> SurgeAlert:
    """:raises NotFound: for an unknown alert."""
    q = select(SurgeAlert).where(SurgeAlert.id == alert_id)
    alert = session.scalar(q.with_for_update() if lock else q)
    if alert is None:
        raise NotFound("预警不存在", f"surge alert {alert_id} not found")
    return alert


def alert_tickets(session: Session, alert: SurgeAlert) -> list[dict]:
    rows = session.scalars(select(Ticket).where(Ticket.id.in_(alert.ticket_ids)).order_by(Ticket.id)).all()
    return [{"id": t.id, "number": t.number, "created_at": iso(t.created_at), "status": t.status,
             "status_label": TicketStatus(t.status).label, "citizen": mask_name(t.citizen_name),
             "address": t.address, "content": t.content, "main_ticket_id": t.main_ticket_id,
             "lead_unit_id": t.lead_unit_id} for t in rows]


def _require(actor: Actor) -> None:
    if not (actor.kind == "system" or (actor.kind == "user" and actor.role in HANDLE_ROLES)):
        raise Forbidden("仅派单员和热线办可以处理集中反映预警", f"{actor.label} may not handle surge alerts")


def dismiss(session: Session, actor: Actor, alert_id: int, note: str | None, now: datetime) -> SurgeAlert:
    """Close an alert as not one matter, with the reason.

    :raises Forbidden: for anyone but the dispatchers and the office.
    :raises Invalid: without a reason, or for an alert already handled.
    """
    _require(actor)
    alert = get_alert(session, alert_id, lock=True)
    note = (note or "").strip()
    if not note or len(note) > 2000:
        raise Invalid("请写明排除的理由", "surge dismissed without reason", fields={"note": "请写明理由"})
    if alert.status != "open":
        raise Invalid("该预警已处理", f"surge alert {alert_id} is {alert.status}")
    alert.status, alert.note, alert.handled_by_id, alert.handled_at = "dismissed", note, actor.user_id, now
    return alert


def supervise(session: Session, actor: Actor, alert_id: int, now: datetime):
    """Open supervision (Art. 18(3), 集中反映) of the alert's main ticket once it is with a unit.

    :raises Forbidden: as :func:`engine.oversight.open_supervision`.
    :raises Invalid: no main ticket yet, already supervised, or a main ticket not yet dispatched.
    """
    alert = get_alert(session, alert_id, lock=True)
    if alert.main_ticket_id is None:
        raise Invalid("请先一键并单，确定主单后再列入督办", f"surge alert {alert_id} has no main ticket")
    if alert.supervision_id is not None:
        raise Invalid("该集中反映事项已列入督办", f"surge alert {alert_id} already supervised")
    sup = open_supervision(session, actor, alert.main_ticket_id, "repeated", now,
                           note=f"集中反映：{alert.area}{_minutes(alert)}内{len(alert.ticket_ids)}件“{alert.label}”"
                                "相似诉求（第十八条第三项）")
    alert.supervision_id = sup.id
    return sup
