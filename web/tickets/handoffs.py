"""12345 ↔ 110 (Art. 6(2)): the handoffs both ways, counted per month and line, for the office."""
from __future__ import annotations

from flask import Blueprint, render_template, request

from engine.domain.calendar import TZ
from engine.domain.roles import OFFICE_ROLES
from engine.tickets import handoff

from ..common import roles_required
from ..extensions import db
from ..security import now

bp = Blueprint("handoffs", __name__, url_prefix="/handoffs")
YEARS = (2000, 2100)


def year_arg() -> tuple[int, str | None]:
    """The ``year`` asked for (this year by default) and a Chinese message when it is unreadable or out of range.

    A year that cannot be shown falls back to this year, so the page still shows the statistics; the message
    says so, so the user does not take this year's numbers for the year they asked for.
    """
    this_year = now().astimezone(TZ).year
    raw = (request.args.get("year") or "").strip()
    if not raw:
        return this_year, None
    if raw.isdigit() and YEARS[0] <= int(raw) <= YEARS[1]:
        return int(raw), None
    return this_year, f"只能查看{YEARS[0]}年至{YEARS[1]}年的统计，已显示{this_year}年。"


@bp.get("")
@roles_required(*OFFICE_ROLES)
def index():
    year, error = year_arg()
    return render_template("tickets/handoffs.html", stats=handoff.monthly_counts(db.session, year),
                           rows=handoff.recent(db.session, 100), years=YEARS, error=error)
