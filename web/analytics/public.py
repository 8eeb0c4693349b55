"""公开统计 (Art. 21): a page with charts, each beside the table of its figures, and open data (JSON, CSV) with daily
volumes, per-unit volumes, types, on-time and satisfaction rates for a period. No login; counts and rates only — no
names, phones, addresses, ticket numbers or ticket text."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from urllib.parse import quote

from flask import Blueprint, Response, current_app, jsonify, render_template, request

from engine.analytics import open_data
from engine.domain.calendar import TZ

from ..extensions import db
from ..security import now

bp = Blueprint("public_stats", __name__, url_prefix="/public")
MAX_DAYS = 400
CHART_TOP = 12  # units drawn in a chart; the tables list them all


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


def _rate(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


def _charts(data: dict) -> list[dict]:
    """The page's charts (drawn by the bundled Chart.js, frontend/charts.js); every figure is also in a table."""
    units = data["units"]
    head, rest = units[:CHART_TOP], units[CHART_TOP:]
    labels, counts = [u["unit"] for u in head], [u["tickets"] for u in head]
    if rest:
        labels.append(f"其他（{len(rest)}个单位）")
        counts.append(sum(u["tickets"] for u in rest))
    rated = [u for u in units if u["on_time_rate"] is not None or u["satisfaction_rate"] is not None][:CHART_TOP]
    return [
        {"id": "trend", "kind": "line", "title": "每日受理量", "labels": [d["day"] for d in data["trend"]],
         "series": [{"label": "登记诉求", "data": [d["count"] for d in data["trend"]]}]},
        {"id": "by_type", "kind": "doughnut", "title": "按类型", "labels": list(data["types"].values()),
         "series": [{"label": "工单量", "data": [data["by_type"][t] for t in data["types"]]}]},
        {"id": "by_unit", "kind": "hbar", "title": "按承办单位", "labels": labels,
         "series": [{"label": "工单量", "data": counts}]},
        {"id": "rates", "kind": "rates", "title": "按时办结率与满意率", "labels": [u["unit"] for u in rated],
         "series": [{"label": "按时办结率", "data": [_rate(u["on_time_rate"]) for u in rated]},
                    {"label": "满意率", "data": [_rate(u["satisfaction_rate"]) for u in rated]}]},
    ]


def _charts_ready() -> bool:
    return (Path(current_app.static_folder) / "vendor" / "charts.js").is_file()


@bp.get("/")
def page():
    data = _data()
    return render_template("analytics/public.html", data=data, charts=_charts(data), charts_ready=_charts_ready(),
                           chart_top=CHART_TOP)


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
    return Response(open_data.public_csv(data), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename=\"{ascii_name}\"; "
                                                    f"filename*=UTF-8''{quote(name)}"})
