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


def year_arg() -> int:
    """The ``year`` asked for (this year by default; an unreadable or far-off year is this year too)."""
    year = request.args.get("year", type=int)
    return year if year is not None and YEARS[0] <= year <= YEARS[1] else now().astimezone(TZ).year


@bp.get("")
@roles_required(*OFFICE_ROLES)
def index():
    year = year_arg()
    return render_template("tickets/handoffs.html", stats=handoff.monthly_counts(db.session, year),
                           rows=handoff.recent(db.session, 100))
