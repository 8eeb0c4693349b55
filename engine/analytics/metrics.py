"""Analysis and assessment (Art. 16, 20–23): dashboard counts, unit metrics and scores with drill-down, hot spots,
CSV of the assessment and of the public open data. Every period is half-open: ``[start, end)``, aware datetimes.

Read-only SQL over the existing tables; the metric rules themselves are in ``engine.domain.assessment``.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, case, exists, func, or_, select, text
from sqlalchemy.orm import Session

from engine.common import Invalid
from engine.domain import assessment as A
from engine.domain.calendar import TZ
from engine.domain.states import CHANNEL_LABELS, STATUS_LABELS, TYPE_LABELS, Channel, TicketStatus, TicketType
from engine.models import (
    Assignment,
    Evaluation,
    KnowledgeEntry,
    KnowledgeFlag,
    KnowledgeVersion,
    Reply,
    Supervision,
    Ticket,
    TicketMerge,
    Unit,
)

from .counties import Counties, load_counties
from .weights import active_weights, weights_of

OPEN_STATUSES = tuple(s.value for s in TicketStatus if not s.is_final)
#: Open matters: a call merged into a main ticket (已并单) is handled with it and counts as one matter with it, as
#: in the assessment and in 并单统计; the dashboard shows such calls apart.
OPEN_MATTERS = tuple(s for s in OPEN_STATUSES if s != TicketStatus.MERGED.value)
#: The dashboard's breakdowns by one column; the county is folded from (lead unit, county office) by ``counties``.
DIMENSIONS = {"channel": Ticket.channel, "ticket_type": Ticket.ticket_type, "category": Ticket.category,
              "unit": Ticket.lead_unit_id}
HOT_DIMENSIONS = ("category", "county")

#: The 按承办单位 row of tickets no unit leads yet.
NO_UNIT_LABEL = "尚无承办单位"


def check_period(start: datetime, end: datetime) -> None:
    if start.tzinfo is None or end.tzinfo is None or not start < end:
        raise Invalid("统计期间无效", f"bad period {start!r} .. {end!r}", fields={"period": "起止时间有误"})


def in_period(col, start, end):
    return and_(col >= start, col < end)


def _sum(cond):
    return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)


def unit_names(session: Session) -> dict[int, str]:
    return dict(session.execute(select(Unit.id, Unit.name)).all())


# -- dashboard ----------------------------------------------------------------------------------------------------

def _by_dimension(session: Session, start: datetime, end: datetime, counties: Counties) -> dict[str, dict]:
    period = in_period(Ticket.created_at, start, end)
    out: dict[str, dict] = {d: {} for d in (*DIMENSIONS, "county")}
    if session.get_bind().dialect.name == "postgresql":
        # One scan of the period's rows for all five breakdowns; the county from (lead unit, county office).
        rows = session.execute(text(
            "SELECT channel, ticket_type, category, county_office_id, lead_unit_id, "
            "GROUPING(channel, ticket_type, category, county_office_id, lead_unit_id) AS g, count(*) AS n "
            "FROM ticket WHERE created_at >= :s AND created_at < :e "
            "GROUP BY GROUPING SETS ((channel), (ticket_type), (category), (lead_unit_id, county_office_id), "
            "(lead_unit_id))"),
            {"s": start, "e": end}).all()
        bits = {0b01111: "channel", 0b10111: "ticket_type", 0b11011: "category", 0b11100: "county",
                0b11110: "unit"}
        pairs = []
        for r in rows:
            dim = bits[r.g]
            if dim == "county":
                pairs.append((r.lead_unit_id, r.county_office_id, r.n))
                continue
            key = {"channel": r.channel, "ticket_type": r.ticket_type, "category": r.category,
                   "unit": r.lead_unit_id}[dim]
            out[dim][key] = r.n
        out["county"] = counties.fold(pairs)
        return out
    for dim, col in DIMENSIONS.items():
        out[dim] = dict(session.execute(select(col, func.count()).where(period).group_by(col)).all())
    out["county"] = counties.fold(session.execute(
        select(Ticket.lead_unit_id, Ticket.county_office_id, func.count()).where(period)
        .group_by(Ticket.lead_unit_id, Ticket.county_office_id)).all())
    return out


def _day(session: Session):
    if session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone("Asia/Shanghai", Ticket.created_at))
    return func.date(Ticket.created_at, "+8 hours")


def dashboard(session: Session, start: datetime, end: datetime) -> dict:
    """Counts of tickets registered in the period by channel, type, category, county (``counties``) and lead unit;
    the open work now by stage and monitor level (matters: calls merged into a main ticket are ``open_merged``);
    the daily trend (Asia/Shanghai days)."""
    check_period(start, end)
    names = unit_names(session)
    counties = load_counties(session)
    dims = _by_dimension(session, start, end, counties)

    def rows(dim, label):
        return sorted(({"key": k, "label": label(k), "count": n} for k, n in dims[dim].items()),
                      key=lambda r: (-r["count"], str(r["key"])))

    open_rows = session.execute(select(Ticket.status, Ticket.monitor_level, func.count())
                                .where(Ticket.status.in_(OPEN_STATUSES))
                                .group_by(Ticket.status, Ticket.monitor_level)).all()
    merged = sum(n for s, _lvl, n in open_rows if s == TicketStatus.MERGED.value)
    day = _day(session)
    trend = session.execute(select(day, func.count()).where(in_period(Ticket.created_at, start, end))
                            .group_by(day).order_by(day)).all()
    return {
        "period": {"from": start.isoformat(), "to": end.isoformat()},
        "total": sum(dims["channel"].values()),
        "by_channel": rows("channel", lambda k: CHANNEL_LABELS.get(Channel(k), k) if k else "未知"),
        "by_type": rows("ticket_type", lambda k: TYPE_LABELS[TicketType(k)] if k else "未知"),
        "by_category": rows("category", lambda k: k or "未分类"),
        "by_county": rows("county", counties.label),
        # No lead unit yet: waiting for the office's dispatch, or at a county office for its own (in 按区县 those
        # count under their county, so this row is not called 未派单).
        "by_unit": rows("unit", lambda k: names.get(k, NO_UNIT_LABEL) if k else NO_UNIT_LABEL),
        "open": [{"status": s, "status_label": STATUS_LABELS[TicketStatus(s)], "monitor_level": lvl, "count": n}
                 for s, lvl, n in open_rows if s in OPEN_MATTERS],
        "open_merged": merged,
        "trend": [{"day": str(d), "count": n} for d, n in trend],
    }


# -- unit assessment ----------------------------------------------------------------------------------------------

#: Tickets merged into a main ticket (并单): a merged matter is assessed once, on its main ticket; a merged ticket's
#: own dispatches before the merge do not count again (the table is small, so the test is a hashed subplan).
_MERGED = select(TicketMerge.child_ticket_id).where(TicketMerge.unmerged_at.is_(None))


def _sign_parts(start, end):
    settled = or_(Assignment.signed_at.is_not(None), Assignment.returned_at.is_not(None))
    where = and_(Assignment.role == "lead", in_period(Assignment.dispatched_at, start, end),
                 Assignment.ticket_id.not_in(_MERGED))
    return Assignment.unit_id, Assignment.ticket_id, where, {
        "dispatched": None, "settled": settled, "signed_timely": and_(settled, Assignment.sign_on_time.is_(True)),
        "returned": Assignment.returned_at.is_not(None)}, Assignment


def _reply_parts(start, end):
    where = and_(Reply.review_decision == "accept", Reply.redo.is_(False), in_period(Reply.submitted_at, start, end))
    return Reply.unit_id, Reply.ticket_id, where, {"replied": None, "replied_on_time": Reply.on_time.is_(True)}, Reply


def _evaluation_parts(start, end):
    where = and_(in_period(Evaluation.evaluated_at, start, end), Evaluation.handling_rating.in_(A.EVALUATED_RATINGS),
                 Evaluation.excluded_from_assessment.is_(False), Evaluation.unit_id.is_not(None))
    return Evaluation.unit_id, Evaluation.ticket_id, where, {
        "evaluated": None, "satisfied": Evaluation.handling_rating.in_(A.SATISFIED_RATINGS)}, Evaluation


def _closed_parts(start, end):
    where = and_(Ticket.status == TicketStatus.ARCHIVED.value, in_period(Ticket.closed_at, start, end),
                 Ticket.lead_unit_id.is_not(None))
    return Ticket.lead_unit_id, Ticket.id, where, {"closed": None, "redone": Ticket.redo_count >= 1}, None


def _supervision_parts(start, end):
    return (Supervision.unit_id, Supervision.ticket_id, in_period(Supervision.opened_at, start, end),
            {"supervisions": None}, Supervision)


def _local_days(start: datetime, end: datetime) -> tuple[date, date]:
    """The Asia/Shanghai days whose 00:00 lies in ``[start, end)``, as a half-open ``[first, stop)`` of dates."""
    def ceil(moment: datetime) -> date:
        local = moment.astimezone(TZ)
        return local.date() if local.time() == time(0) else local.date() + timedelta(days=1)
    return ceil(start), ceil(end)


def _kb_entry_parts(start, end):
    first, stop = _local_days(start, end)
    uploaded = exists().where(KnowledgeVersion.entry_id == KnowledgeEntry.id, KnowledgeVersion.status == "published")
    where = and_(KnowledgeEntry.effective_date >= first, KnowledgeEntry.effective_date < stop,
                 KnowledgeEntry.unit_id.is_not(None), uploaded)
    return (KnowledgeEntry.unit_id, KnowledgeEntry.id, where,
            {"kb_entries": None, "kb_entries_late": KnowledgeEntry.uploaded_late.is_(True)}, KnowledgeEntry)


#: A flag whose deadline passed unfixed has been moved to 黄牌 (at the deadline) or 红牌 by the monitor.
_FLAG_PAST_DUE = and_(KnowledgeFlag.fixed_at.is_(None), KnowledgeFlag.level.in_(("yellow", "red")))


def _kb_flag_parts(start, end):
    settled = or_(KnowledgeFlag.fixed_at.is_not(None), _FLAG_PAST_DUE)
    late = or_(KnowledgeFlag.fixed_at > KnowledgeFlag.due_at, _FLAG_PAST_DUE)
    return (KnowledgeFlag.unit_id, KnowledgeFlag.id, and_(in_period(KnowledgeFlag.due_at, start, end), settled),
            {"kb_flags": None, "kb_flags_late": late}, KnowledgeFlag)


TICKET_PARTS = (_sign_parts, _reply_parts, _evaluation_parts, _closed_parts, _supervision_parts)
KB_PARTS = (_kb_entry_parts, _kb_flag_parts)
PARTS = TICKET_PARTS + KB_PARTS
#: Which counts lie behind each metric (numerator, denominator), for drill-down.
METRIC_COUNTS = {"sign_rate": ("signed_timely", "settled"), "on_time_rate": ("replied_on_time", "replied"),
                 "satisfaction_rate": ("satisfied", "evaluated"), "redo_rate": ("redone", "closed"),
                 "return_rate": ("returned", "dispatched"), "supervision_rate": ("supervisions", "dispatched")}
#: No source needs the ticket row: whether a sign or a reply was on time, and whose evaluation it is, are stored
#: on the row when it is written (migration 0007 filled them in for older rows).
_JOINS_TICKET: frozenset = frozenset()


def _from(parts, table, join_ticket: bool = False):
    if table is None:
        return Ticket
    if join_ticket or parts in _JOINS_TICKET:
        return table.__table__.join(Ticket.__table__, Ticket.id == table.ticket_id)
    return table


def _part_query(parts, start, end, tickets=None):
    unit_col, _, where, counts, table = parts(start, end)
    cols = [unit_col.label("unit_id")] + [(func.count() if c is None else _sum(c)).label(name)
                                          for name, c in counts.items()]
    q = select(*cols).select_from(_from(parts, table, tickets is not None)).where(where).group_by(unit_col)
    return (q if tickets is None else q.where(tickets)), counts


def unit_counts(session: Session, start: datetime, end: datetime, *, tickets=None) -> dict[int, A.UnitCounts]:
    """The counts behind every unit's metrics for the period (docs/assessment.md); with ``tickets`` (a condition
    on ``Ticket``) only the ticket-based counts of those tickets, for reports on a subset.

    One grouped query per source, none joined to ``ticket`` (the sign and reply timeliness and the evaluation's
    unit are on their rows); the archived tickets are read from the narrow index ``ix_ticket_assess_closed``.
    """
    check_period(start, end)
    acc: dict[int, dict[str, int]] = {}
    for parts in (PARTS if tickets is None else TICKET_PARTS):
        q, counts = _part_query(parts, start, end, tickets)
        for row in session.execute(q).mappings():
            into = acc.setdefault(row["unit_id"], {})
            for name in counts:
                into[name] = int(row[name])
    return {u: A.UnitCounts(**c) for u, c in acc.items() if u is not None}


# -- the assessment -----------------------------------------------------------------------------------------------

CUSTOM_VERSION = "custom"


def assessment_report(session: Session, start: datetime, end: datetime, weights: dict[str, float] | None = None, *,
                      version: str | None = None) -> dict:
    """The assessment of every unit with anything to measure in the period, best first, under the weights in
    force (or of ``version``, or ad-hoc ``weights`` recorded as version "custom"); the version is in every row.

    :raises NotFound: for an unknown version.
    """
    if weights is not None:
        label, weights = CUSTOM_VERSION, A.validate_weights(weights)
    elif version is not None:
        label, weights = version, weights_of(session, version)
    else:
        label, weights = active_weights(session)
    names = unit_names(session)
    rows = []
    for unit_id, counts in unit_counts(session, start, end).items():
        metrics = counts.metrics()
        rows.append({"unit_id": unit_id, "unit": names.get(unit_id, str(unit_id)), "counts": counts.__dict__.copy(),
                     "metrics": metrics, "score": A.score(metrics, weights), "weights_version": label})
    rows.sort(key=lambda r: (r["score"] is None, -(r["score"] or 0), r["unit"]))
    return {"period": {"from": start, "to": end}, "weights_version": label, "weights": weights, "rows": rows}


def assessment(session: Session, start: datetime, end: datetime, weights: dict[str, float] | None = None, *,
               version: str | None = None) -> list[dict]:
    """Every unit's counts, metrics and weighted score for the period, best first (see :func:`assessment_report`)."""
    return assessment_report(session, start, end, weights, version=version)["rows"]


def kb_items(session: Session, unit_id: int, start: datetime, end: datetime) -> dict:
    """Drill-down of 知识库维护及时率: the entries and flags counted, and which of them were late."""
    check_period(start, end)
    out = {}
    for key, parts in (("entries", _kb_entry_parts), ("flags", _kb_flag_parts)):
        unit_col, id_col, where, counts, _table = parts(start, end)
        late = next(c for c in counts.values() if c is not None)
        q = select(id_col, late).where(where, unit_col == unit_id).order_by(id_col)
        rows = session.execute(q).all()
        out[key] = {"denominator": [r[0] for r in rows], "numerator": [r[0] for r in rows if not r[1]],
                    "late": [r[0] for r in rows if r[1]]}
    return out


def metric_tickets(session: Session, unit_id: int, metric: str, start: datetime, end: datetime) -> dict:
    """Drill-down: the ticket ids behind one unit's metric — those in the numerator and in the denominator.

    知识库维护及时率 rests on no ticket: its entries and flags are under ``kb`` (see :func:`kb_items`).
    :raises Invalid: for an unknown metric.
    """
    check_period(start, end)
    if metric not in A.METRICS:
        raise Invalid("未知指标", f"unknown metric {metric}", fields={"metric": "未知指标"})
    if metric == "kb_upkeep_rate":
        return {"unit_id": unit_id, "metric": metric, "label": A.METRIC_LABELS[metric], "numerator": [],
                "denominator": [], "kb": kb_items(session, unit_id, start, end)}
    num, den = METRIC_COUNTS[metric]
    out = {}
    for which, name in (("numerator", num), ("denominator", den)):
        for parts in TICKET_PARTS:
            unit_col, ticket_col, where, counts, table = parts(start, end)
            if name not in counts:
                continue
            cond = counts[name]
            q = (select(ticket_col).select_from(_from(parts, table))
                 .where(where, unit_col == unit_id).order_by(ticket_col))
            if cond is not None:
                q = q.where(cond)
            out[which] = list(session.scalars(q))
    return {"unit_id": unit_id, "metric": metric, "label": A.METRIC_LABELS[metric], **out}


# -- hot spots ----------------------------------------------------------------------------------------------------

def hot_spots(session: Session, start: datetime, end: datetime, dimension: str = "category",
              rule: A.HotSpotRule | None = None, ticket_limit: int = 200) -> list[dict]:
    """Categories (or counties, as ``counties`` places tickets) whose count in ``[start, end)`` exceeds their own
    baseline over the ``k`` periods of the same length just before it (``engine.domain.assessment.hot_spot``), with
    their tickets. 市直 and tickets no unit has yet are not a place and never a hot spot."""
    check_period(start, end)
    if dimension not in HOT_DIMENSIONS:
        raise Invalid("未知维度", f"unknown hot-spot dimension {dimension}")
    rule = rule or A.HotSpotRule()
    span = end - start
    edges = [start - span * (rule.k - i) for i in range(rule.k)] + [start, end]
    bucket = case(*[(Ticket.created_at < edges[i + 1], i) for i in range(rule.k + 1)])
    window = and_(Ticket.created_at >= edges[0], Ticket.created_at < end)
    series: dict = {}
    if dimension == "county":
        counties = load_counties(session)
        cols = (Ticket.lead_unit_id, Ticket.county_office_id)
        for lead, office, b, n in session.execute(select(*cols, bucket.label("b"), func.count()).where(window)
                                                  .group_by(*cols, bucket)).all():
            key = counties.key(lead, office)
            if isinstance(key, int):
                series.setdefault(key, [0] * (rule.k + 1))[b] += n
        label, where = counties.label, counties.condition
    else:
        col = Ticket.category
        for key, b, n in session.execute(select(col, bucket.label("b"), func.count())
                                         .where(window, col.is_not(None)).group_by(col, bucket)).all():
            series.setdefault(key, [0] * (rule.k + 1))[b] = n
        label, where = (lambda k: k), (lambda k: col == k)
    found = []
    for key, counts in series.items():
        test = A.hot_spot(counts[-1], counts[:-1], rule)
        if not test.hot:
            continue
        ids = list(session.scalars(select(Ticket.id).where(where(key), in_period(Ticket.created_at, start, end))
                                   .order_by(Ticket.id).limit(ticket_limit)))
        found.append({"dimension": dimension, "key": key, "label": label(key),
                      "count": test.count, "baseline": list(test.baseline), "mean": round(test.mean, 2),
                      "sd": round(test.sd, 2), "poisson": test.poisson, "threshold": round(test.threshold, 2),
                      "ticket_ids": ids})
    found.sort(key=lambda f: -(f["count"] - f["mean"]))
    return found
