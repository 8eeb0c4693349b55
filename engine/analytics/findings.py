"""热点、难点、堵点 (Art. 16, 20): matters reported repeatedly, units with the most returns, late or overdue work and
redos, and the ticket lists behind every figure of the statistics pages. Read-only; rules in docs/assessment.md.

Every period is half-open, ``[start, end)``, aware datetimes. Citizens' phones and addresses only group tickets;
what leaves this module shows them masked.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, case, false, func, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session

from engine.common import Actor, Invalid, iso, visible_filter
from engine.domain.matching import content_key
from engine.domain.roles import mask_address, mask_phone
from engine.domain.rules import LEVEL_LABELS
from engine.domain.states import TYPE_LABELS, TicketStatus, TicketType
from engine.models import Assignment, Evaluation, Reply, Ticket, Unit

from .counties import NONE_KEY, load_counties
from .metrics import check_period, hot_spots, in_period, unit_names

#: The unit still holds a ticket in these states; past the handling deadline it is overdue (超期未办结).
WITH_UNIT = (TicketStatus.HANDLING.value, TicketStatus.CO_HANDLING.value)
#: Dashboard breakdowns a drill-down can filter on, by the name used in query strings.
#: The county is not a column: ``counties`` derives it from the lead unit and the county office.
DIMENSIONS = {"channel": Ticket.channel, "type": Ticket.ticket_type, "category": Ticket.category,
              "county": None, "unit": Ticket.lead_unit_id}
INT_DIMENSIONS = frozenset({"unit"})
#: ``NONE_KEY`` is the breakdown key that stands for "not set" (no category, not dispatched); the county also has
#: ``city`` (市直).
UNIT_FINDINGS = {"returns": "退单", "late": "逾期答复", "overdue": "当前超期未办结", "redos": "重办"}
REPEAT_BASES = {"phone": "同一来电号码", "address": "同一地址", "content": "内容相同或近似"}
#: How many tickets a finding lists (its count is always complete).
TICKET_LIMIT = 200
#: The longest period searched for repeated matters (a matter repeated over a quarter; 2.6 s at 2,000,000 tickets).
REPEAT_MAX_DAYS = 92


# -- masking ------------------------------------------------------------------------------------------------------

def mask_digits(text: str | None, length: int = 20) -> str:
    """The start of a ticket's text with every digit masked, so no phone or house number shows."""
    text = "".join("*" if ch.isdigit() else ch for ch in (text or "").strip())
    return text[:length] + ("…" if len(text) > length else "")


# -- matters reported repeatedly ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class RepeatRule:
    """A matter is reported repeatedly when ``min_count`` or more tickets registered in the period share a citizen
    phone, an address (trimmed), or a content key (``engine.domain.matching.content_key``) of at least
    ``MIN_KEY_LENGTH`` characters (compared through the digest stored on the ticket)."""

    min_count: int = 3


@dataclass
class _Group:
    label: str
    count: int = 0
    first: datetime | None = None
    last: datetime | None = None
    ids: list[int] = field(default_factory=list)

    def add(self, ticket_id: int, at: datetime) -> None:
        self.count += 1
        self.first = at if self.first is None or at < self.first else self.first
        self.last = at if self.last is None or at > self.last else self.last
        if len(self.ids) < TICKET_LIMIT:
            self.ids.append(ticket_id)


def _sql_groups(session: Session, start, end, key, min_count: int, limit: int) -> list[_Group]:
    cond = and_(in_period(Ticket.created_at, start, end), key.is_not(None), key != "")
    n = func.count()
    cols = [key, n, func.min(Ticket.created_at), func.max(Ticket.created_at)]
    pg = session.get_bind().dialect.name == "postgresql"
    if pg:  # the first tickets of each group in the same scan
        cols.append(func.array_agg(aggregate_order_by(Ticket.id, Ticket.id))[1:TICKET_LIMIT])
    found = session.execute(select(*cols).where(cond).group_by(key).having(n >= min_count)
                            .order_by(n.desc(), key).limit(limit)).all()
    groups = {r[0]: _Group(r[0], r[1], r[2], r[3], list(r[4]) if pg else []) for r in found}
    if groups and not pg:
        rank = func.row_number().over(partition_by=key, order_by=Ticket.id).label("rank")
        inner = select(key.label("k"), Ticket.id.label("id"), rank).where(cond, key.in_(list(groups))).subquery()
        for k, tid in session.execute(select(inner.c.k, inner.c.id).where(inner.c.rank <= TICKET_LIMIT)
                                      .order_by(inner.c.id)):
            groups[k].ids.append(tid)
    return list(groups.values())


def _content_groups(session: Session, start, end, rule: RepeatRule, limit: int) -> list[_Group]:
    # Grouped in SQL by the digest stored at registration; the label is the key of the group's first ticket.
    groups = _sql_groups(session, start, end, Ticket.content_key, rule.min_count, limit)
    firsts = [g.ids[0] for g in groups if g.ids]
    texts = dict(session.execute(select(Ticket.id, Ticket.content).where(Ticket.id.in_(firsts))).all()) \
        if firsts else {}
    for g in groups:
        g.label = content_key(texts.get(g.ids[0])) if g.ids else ""
    groups.sort(key=lambda g: (-g.count, g.label))
    return groups


def repeated_matters(session: Session, start: datetime, end: datetime, rule: RepeatRule | None = None,
                     limit: int = 50) -> list[dict]:
    """Matters reported ``rule.min_count`` times or more in the period, by phone, by address and by content (at
    most ``limit`` of each), the largest first; each with its count, first and last registration, its first
    TICKET_LIMIT tickets and their categories, and a masked label (never the phone or address)."""
    check_period(start, end)
    rule = rule or RepeatRule()
    if rule.min_count < 2:
        raise Invalid("重复次数至少为2", f"repeat min_count {rule.min_count} < 2")
    if (end - start).days > REPEAT_MAX_DAYS:
        raise Invalid(f"重复反映分析的期间最长{REPEAT_MAX_DAYS}天，请缩短期间",
                      f"repeat period {start} .. {end} too long")
    raw = [("phone", mask_phone(g.label), g)
           for g in _sql_groups(session, start, end, Ticket.citizen_phone, rule.min_count, limit)]
    raw += [("address", mask_address(g.label), g)
            for g in _sql_groups(session, start, end, func.trim(Ticket.address), rule.min_count, limit)]
    raw += [("content", mask_digits(g.label), g) for g in _content_groups(session, start, end, rule, limit)]
    every = {i for _, _, g in raw for i in g.ids}
    category = dict(session.execute(select(Ticket.id, Ticket.category).where(Ticket.id.in_(every))).all()) \
        if every else {}
    out = [{"basis": basis, "basis_label": REPEAT_BASES[basis], "shown": shown, "count": g.count,
            "ticket_ids": g.ids, "categories": sorted({category.get(i) or "未分类" for i in g.ids}),
            "first": iso(g.first), "last": iso(g.last)} for basis, shown, g in raw]
    out.sort(key=lambda g: (-g["count"], list(REPEAT_BASES).index(g["basis"]), g["ticket_ids"][0]))
    return out


# -- units with the most returns, late or overdue work and redos -------------------------------------------------

def _finding_query(kind: str, start: datetime, end: datetime, now: datetime):
    """A select of (unit_id, ticket_id) rows for one kind of unit finding."""
    if kind == "returns":
        return (select(Assignment.unit_id.label("unit_id"), Assignment.ticket_id.label("ticket_id"))
                .where(Assignment.role == "lead", in_period(Assignment.returned_at, start, end)))
    if kind == "late":
        # The rows 按时办结率 counts as not on time: first accepted replies submitted after the handling deadline
        # in force at the time (``reply.on_time``, as the assessment reads it).
        return (select(Reply.unit_id.label("unit_id"), Reply.ticket_id.label("ticket_id"))
                .where(Reply.review_decision == "accept", Reply.redo.is_(False),
                       in_period(Reply.submitted_at, start, end), Reply.on_time.is_(False)))
    if kind == "overdue":
        return (select(Ticket.lead_unit_id.label("unit_id"), Ticket.id.label("ticket_id"))
                .where(Ticket.status.in_(WITH_UNIT), Ticket.handling_due < now, Ticket.lead_unit_id.is_not(None)))
    if kind == "redos":
        # A first-round rating found reasonably dissatisfied sends the ticket back for its one redo.
        return (select(Ticket.lead_unit_id.label("unit_id"), Evaluation.ticket_id.label("ticket_id"))
                .join(Ticket, Ticket.id == Evaluation.ticket_id)
                .where(Evaluation.round == 1, Evaluation.redo_reasonable.is_(True),
                       in_period(Evaluation.redo_decided_at, start, end), Ticket.lead_unit_id.is_not(None)))
    raise Invalid("未知的分析项目", f"unknown unit finding {kind!r}")


def unit_ranking(session: Session, kind: str, start: datetime, end: datetime, now: datetime,
                 limit: int = 10) -> list[dict]:
    """The units with the most tickets returned, replied late, overdue now or redone, most first."""
    check_period(start, end)
    sub = _finding_query(kind, start, end, now).subquery()
    n = func.count(func.distinct(sub.c.ticket_id))
    rows = session.execute(select(sub.c.unit_id, n).where(sub.c.unit_id.is_not(None)).group_by(sub.c.unit_id)
                           .order_by(n.desc(), sub.c.unit_id).limit(limit)).all()
    names = unit_names(session)
    return [{"kind": kind, "label": UNIT_FINDINGS[kind], "unit_id": u, "unit": names.get(u, str(u)), "count": c}
            for u, c in rows]


def unit_findings(session: Session, unit_id: int, start: datetime, end: datetime, now: datetime) -> dict[str, int]:
    """One unit's count of tickets for each kind of finding (as in :func:`unit_ranking`)."""
    check_period(start, end)
    out = {}
    for kind in UNIT_FINDINGS:
        sub = _finding_query(kind, start, end, now).subquery()
        out[kind] = session.scalar(select(func.count(func.distinct(sub.c.ticket_id))).where(sub.c.unit_id == unit_id))
    return out


def finding_filter(kind: str, unit_id: int, start: datetime, end: datetime, now: datetime):
    """The condition for the tickets behind one unit's finding, for :func:`ticket_list`."""
    check_period(start, end)
    sub = _finding_query(kind, start, end, now).subquery()
    return Ticket.id.in_(select(sub.c.ticket_id).where(sub.c.unit_id == unit_id))


def finding_ticket_ids(session: Session, kind: str, unit_id: int, start: datetime, end: datetime,
                       now: datetime) -> list[int]:
    """Drill-down: the tickets behind one unit's count of returns, late replies, overdue tickets or redos."""
    return list(session.scalars(select(Ticket.id).where(finding_filter(kind, unit_id, start, end, now))
                                .order_by(Ticket.id)))


def _delay(session: Session):
    """How late a reply was, as an orderable SQL expression."""
    if session.get_bind().dialect.name == "postgresql":
        return Reply.submitted_at - Ticket.handling_due
    return func.julianday(Reply.submitted_at) - func.julianday(Ticket.handling_due)


def overdue_tickets(session: Session, start: datetime, end: datetime, now: datetime, limit: int = 100) -> dict:
    """Tickets past their handling deadline: replied late in the period, and still with the unit now. Each with
    its unit, deadline, reply time (None while open) and days overdue; the longest overdue first.

    A late reply is one 按时办结率 counts as not on time (``reply.on_time``: after the deadline in force when it was
    submitted), whatever the ticket's deadline is now. When the deadline has moved past the reply since (a redo, a
    corrected deadline), the deadline of that moment is not stored: the row says so (``due_changed``, the current
    deadline in ``handling_due``, no ``days_over``) and comes after the rows whose lateness is known."""
    check_period(start, end)
    names = unit_names(session)
    late = (select(Ticket.id, Ticket.number, Ticket.category, Reply.unit_id, Ticket.handling_due,
                   Reply.submitted_at)
            .join(Reply, Reply.ticket_id == Ticket.id)
            .where(Reply.review_decision == "accept", Reply.redo.is_(False), Reply.on_time.is_(False),
                   in_period(Reply.submitted_at, start, end)))
    still = (select(Ticket.id, Ticket.number, Ticket.category, Ticket.lead_unit_id, Ticket.handling_due)
             .where(Ticket.status.in_(WITH_UNIT), Ticket.handling_due < now))

    def row(tid, number, category, unit_id, due, replied):
        changed = due is None or (replied is not None and replied <= due)
        late_by = None if changed else (replied or now) - due
        return {"id": tid, "number": number, "category": category, "unit_id": unit_id,
                "unit": names.get(unit_id, "—"), "handling_due": iso(due), "replied_at": iso(replied),
                "due_changed": changed,
                "days_over": None if late_by is None else round(late_by.total_seconds() / 86400, 1)}

    out = {}
    for name, q, with_reply in (("late", late, True), ("open", still, False)):
        known = and_(Ticket.handling_due.is_not(None), Reply.submitted_at > Ticket.handling_due)
        by = (case((known, 0), else_=1), _delay(session).desc()) if with_reply else (Ticket.handling_due,)
        found = session.execute(q.add_columns(func.count().over()).order_by(*by, Ticket.id).limit(limit)).all()
        rows = [row(*r[:-1]) if with_reply else row(*r[:-1], None) for r in found]
        out[name] = {"total": found[0][-1] if found else 0, "rows": rows}
    return out


# -- ticket lists behind the figures ------------------------------------------------------------------------------

def dimension_filter(session: Session, dimension: str, key: str):
    """The condition for one breakdown key of the dashboard (``none`` for "not set").

    :raises Invalid: an unknown dimension or a key of the wrong kind.
    """
    if dimension not in DIMENSIONS:
        raise Invalid("未知的统计维度", f"unknown dimension {dimension!r}")
    if dimension == "county":
        counties = load_counties(session)
        return counties.condition(counties.parse(key, "统计维度的取值有误"))
    col = DIMENSIONS[dimension]
    if key == NONE_KEY:
        return col.is_(None)
    if dimension in INT_DIMENSIONS:
        try:
            return col == int(key)
        except ValueError:
            raise Invalid("统计维度的取值有误", f"bad key {key!r} for {dimension}") from None
    return col == key


def open_filter(status: str | None, level: str | None):
    """Open work now, optionally of one stage (status) and card colour (monitor level). Without a status, the open
    matters: calls merged into a main ticket (已并单) are left out, as the dashboard counts them; ask for
    ``merged`` to list those.

    :raises Invalid: an unknown or final status, or an unknown level.
    """
    open_statuses = [s.value for s in TicketStatus if not s.is_final]
    matters = [s for s in open_statuses if s != TicketStatus.MERGED.value]
    conds = [Ticket.status.in_(open_statuses if status else matters)]
    if status:
        if status not in open_statuses:
            raise Invalid("未知的办理环节", f"unknown open status {status!r}")
        conds.append(Ticket.status == status)
    if level:
        if level not in LEVEL_LABELS:
            raise Invalid("未知的监控等级", f"unknown monitor level {level!r}")
        conds.append(Ticket.monitor_level == level)
    return and_(*conds)


def ids_filter(ids):
    """The condition for a list of ticket ids (nothing for an empty list)."""
    ids = sorted(set(ids))
    return Ticket.id.in_(ids) if ids else false()


def period_filter(start: datetime, end: datetime):
    check_period(start, end)
    return in_period(Ticket.created_at, start, end)


def ticket_list(session: Session, actor: Actor, where, *, limit: int = 100, offset: int = 0) -> tuple[list[dict], int]:
    """Tickets matching ``where`` that the actor may see, oldest first, without personal data: (rows, total)."""
    q = select(Ticket).where(visible_filter(actor), where)
    total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    tickets = session.scalars(q.order_by(Ticket.created_at, Ticket.id).limit(limit).offset(offset)).all()
    unit_ids = {t.lead_unit_id for t in tickets if t.lead_unit_id}
    units = dict(session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(unit_ids))).all()) if unit_ids else {}
    return [{"id": t.id, "number": t.number, "ticket_type_label": TYPE_LABELS[TicketType(t.ticket_type)],
             "category": t.category, "status_label": TicketStatus(t.status).label,
             "lead_unit": units.get(t.lead_unit_id),
             "created_at": iso(t.created_at), "handling_due": iso(t.handling_due), "monitor_level": t.monitor_level,
             "level_label": LEVEL_LABELS.get(t.monitor_level, "")} for t in tickets], total


def findings_page(session: Session, start: datetime, end: datetime, now: datetime, *, min_count: int = 3) -> dict:
    """Everything the findings page shows for a period: hot spots by category and by county, repeated matters (for
    periods of at most ``REPEAT_MAX_DAYS`` days, else None), the units with the most of each finding, and the
    tickets overdue now."""
    days = (end - start).total_seconds() / 86400
    return {
        "hot": {dim: hot_spots(session, start, end, dim) for dim in ("category", "county")},
        "repeat": repeated_matters(session, start, end, RepeatRule(min_count=min_count))
        if days <= REPEAT_MAX_DAYS else None,
        "units": {kind: unit_ranking(session, kind, start, end, now) for kind in UNIT_FINDINGS},
        "overdue": overdue_tickets(session, start, end, now),
    }
