"""Analysis and assessment (Art. 16, 20–23): dashboard counts, unit metrics and scores with drill-down, hot spots,
CSV of the assessment and of the public open data. Every period is half-open: ``[start, end)``, aware datetimes.

Read-only SQL over the existing tables; the metric rules themselves are in ``engine.domain.assessment``.
"""
from __future__ import annotations

import csv
import io
from datetime import datetime

from sqlalchemy import and_, case, func, or_, select, text
from sqlalchemy.orm import Session

from engine.domain import assessment as A
from engine.domain.states import CHANNEL_LABELS, STATUS_LABELS, TYPE_LABELS, Channel, TicketStatus, TicketType
from engine.models import Assignment, Evaluation, Reply, Supervision, Ticket, Unit

from .errors import Invalid

OPEN_STATUSES = tuple(s.value for s in TicketStatus if not s.is_final)
DIMENSIONS = {"channel": Ticket.channel, "ticket_type": Ticket.ticket_type, "category": Ticket.category,
              "county": Ticket.county_office_id, "unit": Ticket.lead_unit_id}
HOT_DIMENSIONS = {"category": Ticket.category, "county": Ticket.county_office_id}


def _check(start: datetime, end: datetime) -> None:
    if start.tzinfo is None or end.tzinfo is None or not start < end:
        raise Invalid("统计期间无效", f"bad period {start!r} .. {end!r}", fields={"period": "起止时间有误"})


def _in(col, start, end):
    return and_(col >= start, col < end)


def _sum(cond):
    return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)


def unit_names(session: Session) -> dict[int, str]:
    return dict(session.execute(select(Unit.id, Unit.name)).all())


# -- dashboard ----------------------------------------------------------------------------------------------------

def _by_dimension(session: Session, start: datetime, end: datetime) -> dict[str, dict]:
    period = _in(Ticket.created_at, start, end)
    out: dict[str, dict] = {d: {} for d in DIMENSIONS}
    if session.get_bind().dialect.name == "postgresql":
        # One scan of the period's rows for all five breakdowns.
        rows = session.execute(text(
            "SELECT channel, ticket_type, category, county_office_id, lead_unit_id, "
            "GROUPING(channel, ticket_type, category, county_office_id, lead_unit_id) AS g, count(*) AS n "
            "FROM ticket WHERE created_at >= :s AND created_at < :e "
            "GROUP BY GROUPING SETS ((channel), (ticket_type), (category), (county_office_id), (lead_unit_id))"),
            {"s": start, "e": end}).all()
        bits = {0b01111: "channel", 0b10111: "ticket_type", 0b11011: "category", 0b11101: "county",
                0b11110: "unit"}
        for r in rows:
            dim = bits[r.g]
            key = {"channel": r.channel, "ticket_type": r.ticket_type, "category": r.category,
                   "county": r.county_office_id, "unit": r.lead_unit_id}[dim]
            out[dim][key] = r.n
        return out
    for dim, col in DIMENSIONS.items():
        out[dim] = dict(session.execute(select(col, func.count()).where(period).group_by(col)).all())
    return out


def _day(session: Session):
    if session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone("Asia/Shanghai", Ticket.created_at))
    return func.date(Ticket.created_at, "+8 hours")


def dashboard(session: Session, start: datetime, end: datetime) -> dict:
    """Counts of tickets registered in the period by channel, type, category, county office and lead unit; the
    open work now by stage and monitor level; the daily trend (Asia/Shanghai days)."""
    _check(start, end)
    names = unit_names(session)
    dims = _by_dimension(session, start, end)

    def rows(dim, label):
        return sorted(({"key": k, "label": label(k), "count": n} for k, n in dims[dim].items()),
                      key=lambda r: (-r["count"], str(r["key"])))

    open_rows = session.execute(select(Ticket.status, Ticket.monitor_level, func.count())
                                .where(Ticket.status.in_(OPEN_STATUSES))
                                .group_by(Ticket.status, Ticket.monitor_level)).all()
    day = _day(session)
    trend = session.execute(select(day, func.count()).where(_in(Ticket.created_at, start, end))
                            .group_by(day).order_by(day)).all()
    return {
        "period": {"from": start.isoformat(), "to": end.isoformat()},
        "total": sum(dims["channel"].values()),
        "by_channel": rows("channel", lambda k: CHANNEL_LABELS.get(Channel(k), k) if k else "未知"),
        "by_type": rows("ticket_type", lambda k: TYPE_LABELS[TicketType(k)] if k else "未知"),
        "by_category": rows("category", lambda k: k or "未分类"),
        "by_county": rows("county", lambda k: names.get(k, "市直") if k else "市直"),
        "by_unit": rows("unit", lambda k: names.get(k, "未派单") if k else "未派单"),
        "open": [{"status": s, "status_label": STATUS_LABELS[TicketStatus(s)], "monitor_level": lvl, "count": n}
                 for s, lvl, n in open_rows],
        "trend": [{"day": str(d), "count": n} for d, n in trend],
    }


# -- unit assessment ----------------------------------------------------------------------------------------------

def _sign_parts(start, end):
    timely = or_(Assignment.sign_mode == "deemed",
                 and_(Assignment.sign_mode == "signed",
                      or_(Ticket.accept_due.is_(None), Assignment.signed_at <= Ticket.accept_due)))
    settled = or_(Assignment.signed_at.is_not(None), Assignment.returned_at.is_not(None))
    where = and_(Assignment.role == "lead", _in(Assignment.dispatched_at, start, end))
    return Assignment.unit_id, Assignment.ticket_id, where, {
        "dispatched": None, "settled": settled, "signed_timely": and_(settled, timely),
        "returned": Assignment.returned_at.is_not(None)}, Assignment


def _reply_parts(start, end):
    on_time = or_(Ticket.handling_due.is_(None), Reply.submitted_at <= Ticket.handling_due)
    where = and_(Reply.review_decision == "accept", Reply.redo.is_(False), _in(Reply.submitted_at, start, end))
    return Reply.unit_id, Reply.ticket_id, where, {"replied": None, "replied_on_time": on_time}, Reply


def _evaluation_parts(start, end):
    where = and_(_in(Evaluation.evaluated_at, start, end), Evaluation.handling_rating.in_(A.EVALUATED_RATINGS),
                 Evaluation.excluded_from_assessment.is_(False), Ticket.lead_unit_id.is_not(None))
    return Ticket.lead_unit_id, Evaluation.ticket_id, where, {
        "evaluated": None, "satisfied": Evaluation.handling_rating.in_(A.SATISFIED_RATINGS)}, Evaluation


def _closed_parts(start, end):
    where = and_(Ticket.status == TicketStatus.ARCHIVED.value, _in(Ticket.closed_at, start, end),
                 Ticket.lead_unit_id.is_not(None))
    return Ticket.lead_unit_id, Ticket.id, where, {"closed": None, "redone": Ticket.redo_count >= 1}, None


def _supervision_parts(start, end):
    return (Supervision.unit_id, Supervision.ticket_id, _in(Supervision.opened_at, start, end),
            {"supervisions": None}, Supervision)


PARTS = (_sign_parts, _reply_parts, _evaluation_parts, _closed_parts, _supervision_parts)
#: Which counts lie behind each metric (numerator, denominator), for drill-down.
METRIC_COUNTS = {"sign_rate": ("signed_timely", "settled"), "on_time_rate": ("replied_on_time", "replied"),
                 "satisfaction_rate": ("satisfied", "evaluated"), "redo_rate": ("redone", "closed"),
                 "return_rate": ("returned", "dispatched"), "supervision_rate": ("supervisions", "dispatched")}


def _from(table, needs_ticket: bool):
    if table is None:
        return Ticket
    return table.__table__.join(Ticket.__table__, Ticket.id == table.ticket_id) if needs_ticket else table


def unit_counts(session: Session, start: datetime, end: datetime) -> dict[int, A.UnitCounts]:
    """The counts behind every unit's metrics for the period (docs/assessment.md)."""
    _check(start, end)
    acc: dict[int, dict[str, int]] = {}
    for parts in PARTS:
        unit_col, _, where, counts, table = parts(start, end)
        needs_ticket = parts is not _supervision_parts
        cols = [unit_col.label("unit_id")] + [(func.count() if c is None else _sum(c)).label(name)
                                              for name, c in counts.items()]
        q = select(*cols).select_from(_from(table, needs_ticket)).where(where).group_by(unit_col)
        for row in session.execute(q).mappings():
            into = acc.setdefault(row["unit_id"], {})
            for name in counts:
                into[name] = int(row[name])
    return {u: A.UnitCounts(**c) for u, c in acc.items() if u is not None}


def assessment(session: Session, start: datetime, end: datetime, weights: dict[str, float] | None = None) -> list[dict]:
    """Every unit with anything to measure in the period: its counts, metrics and weighted score, best first."""
    weights = A.validate_weights(A.DEFAULT_WEIGHTS if weights is None else weights)
    names = unit_names(session)
    out = []
    for unit_id, counts in unit_counts(session, start, end).items():
        metrics = counts.metrics()
        out.append({"unit_id": unit_id, "unit": names.get(unit_id, str(unit_id)), "counts": counts.__dict__.copy(),
                    "metrics": metrics, "score": A.score(metrics, weights)})
    out.sort(key=lambda r: (r["score"] is None, -(r["score"] or 0), r["unit"]))
    return out


def metric_tickets(session: Session, unit_id: int, metric: str, start: datetime, end: datetime) -> dict:
    """Drill-down: the ticket ids behind one unit's metric — those in the numerator and in the denominator."""
    _check(start, end)
    if metric not in METRIC_COUNTS:
        raise Invalid("未知指标", f"unknown metric {metric}", fields={"metric": "未知指标"})
    num, den = METRIC_COUNTS[metric]
    out = {}
    for which, name in (("numerator", num), ("denominator", den)):
        for parts in PARTS:
            unit_col, ticket_col, where, counts, table = parts(start, end)
            if name not in counts:
                continue
            cond = counts[name]
            q = (select(ticket_col).select_from(_from(table, parts is not _supervision_parts))
                 .where(where, unit_col == unit_id).order_by(ticket_col))
            if cond is not None:
                q = q.where(cond)
            out[which] = list(session.scalars(q))
    return {"unit_id": unit_id, "metric": metric, "label": A.METRIC_LABELS[metric], **out}


ASSESSMENT_COLUMNS = ("unit_id", "unit", "score", *A.METRICS, *A.UnitCounts.__dataclass_fields__)


def assessment_csv(rows: list[dict], start: datetime, end: datetime) -> str:
    """The unit assessment as CSV (UTF-8 with BOM for spreadsheet programs), every row, no cap."""
    buf = io.StringIO()
    buf.write("\ufeff")
    w = csv.writer(buf)
    w.writerow(["period_from", "period_to", *ASSESSMENT_COLUMNS])
    for r in rows:
        w.writerow([start.isoformat(), end.isoformat(), r["unit_id"], r["unit"], _fmt(r["score"]),
                    *(_fmt(r["metrics"][m]) for m in A.METRICS),
                    *(r["counts"][c] for c in A.UnitCounts.__dataclass_fields__)])
    return buf.getvalue()


def _fmt(v) -> str:
    return "" if v is None else f"{v:.4f}" if isinstance(v, float) else str(v)


# -- hot spots ----------------------------------------------------------------------------------------------------

def hot_spots(session: Session, start: datetime, end: datetime, dimension: str = "category",
              rule: A.HotSpotRule | None = None, ticket_limit: int = 200) -> list[dict]:
    """Categories (or county offices) whose count in ``[start, end)`` exceeds their own baseline over the ``k``
    periods of the same length just before it (``engine.domain.assessment.hot_spot``), with their tickets."""
    _check(start, end)
    if dimension not in HOT_DIMENSIONS:
        raise Invalid("未知维度", f"unknown hot-spot dimension {dimension}")
    rule = rule or A.HotSpotRule()
    col = HOT_DIMENSIONS[dimension]
    span = end - start
    edges = [start - span * (rule.k - i) for i in range(rule.k)] + [start, end]
    bucket = case(*[(Ticket.created_at < edges[i + 1], i) for i in range(rule.k + 1)])
    rows = session.execute(select(col, bucket.label("b"), func.count())
                           .where(Ticket.created_at >= edges[0], Ticket.created_at < end, col.is_not(None))
                           .group_by(col, bucket)).all()
    series: dict = {}
    for key, b, n in rows:
        series.setdefault(key, [0] * (rule.k + 1))[b] = n
    names = unit_names(session) if dimension == "county" else {}
    found = []
    for key, counts in series.items():
        test = A.hot_spot(counts[-1], counts[:-1], rule)
        if not test.hot:
            continue
        ids = list(session.scalars(select(Ticket.id).where(col == key, _in(Ticket.created_at, start, end))
                                   .order_by(Ticket.id).limit(ticket_limit)))
        found.append({"dimension": dimension, "key": key, "label": names.get(key, key) if names else key,
                      "count": test.count, "baseline": list(test.baseline), "mean": round(test.mean, 2),
                      "sd": round(test.sd, 2), "poisson": test.poisson, "threshold": round(test.threshold, 2),
                      "ticket_ids": ids})
    found.sort(key=lambda f: -(f["count"] - f["mean"]))
    return found


# -- public open data ---------------------------------------------------------------------------------------------

PUBLIC_TYPES = tuple(t.value for t in TicketType)


def public_data(session: Session, start: datetime, end: datetime) -> dict:
    """Open data for a period: per lead unit the tickets registered, by type, and the on-time and satisfaction
    rates. Counts and rates only — no name, phone, address, ticket number or ticket text."""
    _check(start, end)
    names = unit_names(session)
    vol = session.execute(select(Ticket.lead_unit_id, Ticket.ticket_type, func.count())
                          .where(_in(Ticket.created_at, start, end), Ticket.lead_unit_id.is_not(None))
                          .group_by(Ticket.lead_unit_id, Ticket.ticket_type)).all()
    counts = unit_counts(session, start, end)
    units: dict[int, dict] = {}
    for unit_id, ttype, n in vol:
        units.setdefault(unit_id, {t: 0 for t in PUBLIC_TYPES})[ttype] = n
    for unit_id in counts:
        units.setdefault(unit_id, {t: 0 for t in PUBLIC_TYPES})
    rows = []
    for unit_id, types in units.items():
        c = counts.get(unit_id, A.UnitCounts())
        m = c.metrics()
        rows.append({"unit": names.get(unit_id, str(unit_id)), "tickets": sum(types.values()), "by_type": types,
                     "on_time_rate": _round(m["on_time_rate"]), "replied": c.replied,
                     "satisfaction_rate": _round(m["satisfaction_rate"]), "evaluated": c.evaluated})
    rows.sort(key=lambda r: (-r["tickets"], r["unit"]))
    totals = {t: sum(r["by_type"][t] for r in rows) for t in PUBLIC_TYPES}
    return {"period": {"from": start.isoformat(), "to": end.isoformat()},
            "types": {t: TYPE_LABELS[TicketType(t)] for t in PUBLIC_TYPES},
            "total": sum(totals.values()), "by_type": totals, "units": rows}


def _round(v: float | None) -> float | None:
    return None if v is None else round(v, 4)


def public_csv(data: dict) -> str:
    buf = io.StringIO()
    buf.write("\ufeff")
    w = csv.writer(buf)
    w.writerow(["period_from", "period_to", "unit", "tickets", *PUBLIC_TYPES, "replied", "on_time_rate",
                "evaluated", "satisfaction_rate"])
    p = data["period"]
    for r in data["units"]:
        w.writerow([p["from"], p["to"], r["unit"], r["tickets"], *(r["by_type"][t] for t in PUBLIC_TYPES),
                    r["replied"], _fmt(r["on_time_rate"]), r["evaluated"], _fmt(r["satisfaction_rate"])])
    return buf.getvalue()
