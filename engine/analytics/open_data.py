"""Public open data (Art. 21): per lead unit the tickets registered, by type, and the on-time and satisfaction
rates for a period, and the tickets registered each day, as JSON and CSV. Counts and rates only — no personal data
and no ticket text."""
from __future__ import annotations

import io
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.domain import assessment as A
from engine.domain.states import TYPE_LABELS, TicketType
from engine.models import Ticket

from .metrics import _day, check_period, in_period, unit_counts, unit_names
from .sheets import write_csv
from .tables import inclusive_dates, public_rows

PUBLIC_TYPES = tuple(t.value for t in TicketType)


def public_data(session: Session, start: datetime, end: datetime) -> dict:
    """Open data for a period: per lead unit the tickets registered, by type, and the on-time and satisfaction
    rates. Counts and rates only — no name, phone, address, ticket number or ticket text."""
    check_period(start, end)
    names = unit_names(session)
    vol = session.execute(select(Ticket.lead_unit_id, Ticket.ticket_type, func.count())
                          .where(in_period(Ticket.created_at, start, end), Ticket.lead_unit_id.is_not(None))
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
    first, last = inclusive_dates(start, end)
    day = _day(session)
    per_day = {str(d): n for d, n in session.execute(select(day, func.count())
                                                     .where(in_period(Ticket.created_at, start, end))
                                                     .group_by(day)).all()}
    days = [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]
    return {"period": {"from": first.isoformat(), "to": last.isoformat()},
            "types": {t: TYPE_LABELS[TicketType(t)] for t in PUBLIC_TYPES},
            "total": sum(totals.values()), "by_type": totals, "units": rows,
            "registered": sum(per_day.values()), "trend": [{"day": d, "count": per_day.get(d, 0)} for d in days]}


def _round(v: float | None) -> float | None:
    return None if v is None else round(v, 4)


def public_csv(data: dict) -> str:
    """The open data as CSV (UTF-8 with BOM): Chinese column titles, rates as percentages, inclusive dates."""
    buf = io.StringIO()
    write_csv(public_rows(data), buf)
    return buf.getvalue()
