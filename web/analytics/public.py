"""公开统计 (Art. 22): a page and open data (JSON, CSV) with per-unit volumes, types, on-time and satisfaction rates
for a period. No login; counts and rates only — no names, phones, addresses, ticket numbers or ticket text."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from urllib.parse import quote

from flask import Blueprint, Response, jsonify, render_template, request

from engine.analytics import open_data
from engine.domain.calendar import TZ

from ..extensions import db
from ..security import now

bp = Blueprint("public_stats", __name__, url_prefix="/public")
MAX_DAYS = 400


def _period() -> tuple[date, date]:
    """``from`` and ``to`` (inclusive) dates from the query string; the previous calendar month by default."""
    today = now().astimezone(TZ).date()
    first = today.replace(day=1)
    default_to = first - timedelta(days=1)
    default_from = default_to.replace(day=1)

    def parse(name, fallback):
        try:
            return date.fromisoformat((request.args.get(name) or "").strip())
        except ValueError:
            return fallback
    start, end = parse("from", default_from), parse("to", default_to)
    if end < start or (end - start).days > MAX_DAYS or end > today:
        start, end = default_from, default_to
    return start, end


def _data() -> dict:
    start, end = _period()
    lo = datetime.combine(start, time(), TZ)
    hi = datetime.combine(end + timedelta(days=1), time(), TZ)
    return open_data.public_data(db.session, lo, hi)


@bp.get("/")
def page():
    return render_template("analytics/public.html", data=_data())


@bp.get("/data.json")
def data_json():
    resp = jsonify(_data())
    resp.headers["Access-Control-Allow-Origin"] = "*"
    return resp


@bp.get("/data.csv")
def data_csv():
    data = _data()
    name = f"12345热线公开统计_{data['period']['from']}_{data['period']['to']}.csv"
    ascii_name = f"hotline-public-{data['period']['from']}-{data['period']['to']}.csv"
    return Response(open_data.public_csv(data), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename=\"{ascii_name}\"; "
                                                    f"filename*=UTF-8''{quote(name)}"})
