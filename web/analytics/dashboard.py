"""统计分析 for the office (Art. 16, 20–23): the live dashboard, 热点、难点、堵点, the unit ranking and one unit's
assessment, and the ticket list behind every figure. Periods are inclusive Asia/Shanghai dates; read-only."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from flask import Blueprint, current_app, jsonify, render_template, request, url_for
from sqlalchemy import and_

from engine.analytics import counties, findings
from engine.analytics import metrics as analytics
from engine.analytics import weights as assessment_weights
from engine.common import Invalid, NotFound
from engine.domain import assessment as A
from engine.domain.calendar import TZ
from engine.domain.rules import LEVEL_LABELS
from engine.domain.states import CHANNEL_LABELS, STATUS_LABELS, TYPE_LABELS, Channel, TicketStatus, TicketType

from ..common import ANALYTICS_ROLES, actor, roles_required
from ..extensions import db
from ..security import now

bp = Blueprint("analytics", __name__, url_prefix="/analytics")
MAX_DAYS = 366
DEFAULT_DAYS = 30
PAGE_SIZE = 100
MAX_IDS = 500
CHART_TOP = 12
REPEAT_MIN, REPEAT_MAX = 2, 20
#: The dashboard's breakdowns and the drill-down parameter of each.
DASHBOARD_PARAMS = {"by_channel": "channel", "by_type": "type", "by_category": "category", "by_county": "county",
                    "by_unit": "unit"}
DIM_LABELS = {"channel": "渠道", "type": "类型", "category": "分类", "county": "区县", "unit": "承办单位"}


@dataclass
class Period:
    """The inclusive dates asked for (``raw_*`` as typed, for the form) and the half-open instants they mean."""

    start: date
    end: date
    raw_from: str
    raw_to: str

    @property
    def lo(self) -> datetime:
        return datetime.combine(self.start, time(), TZ)

    @property
    def hi(self) -> datetime:
        return datetime.combine(self.end + timedelta(days=1), time(), TZ)

    @property
    def args(self) -> dict:
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def _parse_day(text: str) -> date:
    value = date.fromisoformat(text)
    if not 2000 <= value.year <= 2100:
        raise ValueError(text)
    return value


def _period() -> tuple[Period, str | None]:
    """The period from ``from``/``to`` (the last 30 days by default) and a Chinese message when it is unusable."""
    today = now().astimezone(TZ).date()
    raw_from = (request.args.get("from") or "").strip()[:20]
    raw_to = (request.args.get("to") or "").strip()[:20]
    default = Period(today - timedelta(days=DEFAULT_DAYS - 1), today, raw_from, raw_to)
    try:
        end = _parse_day(raw_to) if raw_to else today
        start = _parse_day(raw_from) if raw_from else end - timedelta(days=DEFAULT_DAYS - 1)
    except ValueError:
        return default, "日期格式有误，请按“年-月-日”填写（如 2026-11-01），年份须在2000至2100之间"
    if start > end:
        return default, "开始日期不能晚于结束日期"
    if (end - start).days + 1 > MAX_DAYS:
        return default, f"统计期间最长{MAX_DAYS}天，请缩短起止日期"
    return Period(start, end, start.isoformat(), end.isoformat()), None


def _page(template: str, build, **extra):
    """Render a statistics page for the asked period, or the form with the Chinese message (400)."""
    period, error = _period()
    if error:
        return render_template(template, period=period, error=error, data=None, **extra), 400
    return render_template(template, period=period, error=None, data=build(period), **extra)


def _charts_ready() -> bool:
    return (Path(current_app.static_folder) / "vendor" / "charts.js").is_file()


# -- dashboard ----------------------------------------------------------------------------------------------------

def _top(rows: list[dict]) -> tuple[list[str], list[int]]:
    """Labels and counts for a chart: the largest CHART_TOP, the rest summed as 其他 (the table has them all)."""
    head, rest = rows[:CHART_TOP], rows[CHART_TOP:]
    labels, values = [r["label"] for r in head], [r["count"] for r in head]
    if rest:
        labels.append(f"其他（{len(rest)}项）")
        values.append(sum(r["count"] for r in rest))
    return labels, values


def _dashboard_data(p: Period) -> dict:
    d = analytics.dashboard(db.session, p.lo, p.hi)
    d["period"] = p.args
    per_day = {r["day"]: r["count"] for r in d["trend"]}
    days = [(p.start + timedelta(days=i)).isoformat() for i in range(p.days)]
    d["trend"] = [{"day": day, "count": per_day.get(day, 0), "url": url_for(".tickets", day=day, **p.args)}
                  for day in days]
    d["all_url"] = url_for(".tickets", **p.args)
    for dim, param in DASHBOARD_PARAMS.items():
        for r in d[dim]:
            key = findings.NONE_KEY if r["key"] is None else str(r["key"])
            r["url"] = url_for(".tickets", **{param: key}, **p.args)
    cells: dict[str, dict[str, int]] = {}
    for r in d["open"]:
        cells.setdefault(r["status"], {})[r["monitor_level"]] = r["count"]
    d["levels"] = [{"key": k, "label": v, "url": url_for(".tickets", level=k)} for k, v in LEVEL_LABELS.items()]
    d["open_rows"] = [{"status": s.value, "label": STATUS_LABELS[s], "total": sum(cells[s.value].values()),
                       "url": url_for("tickets.index", status=s.value),
                       "cells": [{"count": cells[s.value].get(k, 0),
                                  "url": url_for(".tickets", status=s.value, level=k)} for k in LEVEL_LABELS]}
                      for s in TicketStatus if s.value in cells]
    d["open_totals"] = [sum(r["cells"][i]["count"] for r in d["open_rows"]) for i in range(len(LEVEL_LABELS))]
    for lvl, total in zip(d["levels"], d["open_totals"], strict=True):
        lvl["total"] = total
    d["open_url"] = url_for(".tickets", status="")
    d["merged_url"] = url_for(".tickets", status=TicketStatus.MERGED.value)
    d["open_total"] = sum(d["open_totals"])
    charts = [{"id": "trend", "kind": "line", "title": "每日受理量", "labels": days,
               "series": [{"label": "工单量", "data": [r["count"] for r in d["trend"]]}]}]
    for dim, kind, title in (("by_channel", "doughnut", "按渠道"), ("by_type", "doughnut", "按类型"),
                             ("by_category", "hbar", "按分类"), ("by_county", "bar", "按区县"),
                             ("by_unit", "hbar", "按承办单位")):
        labels, values = _top(d[dim])
        charts.append({"id": dim, "kind": kind, "title": title, "labels": labels,
                       "series": [{"label": "工单量", "data": values}]})
    stacks = [{"label": lvl["label"], "level": lvl["key"], "data": [r["cells"][i]["count"] for r in d["open_rows"]]}
              for i, lvl in enumerate(d["levels"])]
    charts.append({"id": "open", "kind": "stacked", "title": "在办工单：环节与亮灯",
                   "labels": [r["label"] for r in d["open_rows"]], "series": stacks})
    d["charts"] = charts
    return d


@bp.get("/")
@roles_required(*ANALYTICS_ROLES)
def dashboard():
    return _page("analytics/dashboard.html", _dashboard_data, charts_ready=_charts_ready())


@bp.get("/data.json")
@roles_required(*ANALYTICS_ROLES)
def data_json():
    period, error = _period()
    if error:
        return jsonify({"error": {"code": "bad_period", "message": error}}), 400
    return jsonify(_dashboard_data(period))


# -- 热点、难点、堵点 -------------------------------------------------------------------------------------------------

def _repeat_count() -> tuple[int, str | None]:
    raw = (request.args.get("n") or "").strip()
    if not raw:
        return findings.RepeatRule().min_count, None
    if raw.isdigit() and REPEAT_MIN <= int(raw) <= REPEAT_MAX:
        return int(raw), None
    return findings.RepeatRule().min_count, f"重复次数应为{REPEAT_MIN}至{REPEAT_MAX}之间的整数"


@bp.get("/findings")
@roles_required(*ANALYTICS_ROLES)
def findings_page():
    n, n_error = _repeat_count()
    period, error = _period()
    extra = {"n": n, "rule": A.HotSpotRule(), "labels": findings.UNIT_FINDINGS, "repeat_days": findings.REPEAT_MAX_DAYS}
    if error or n_error:
        return render_template("analytics/findings.html", period=period, error=error or n_error, data=None,
                               **extra), 400
    data = findings.findings_page(db.session, period.lo, period.hi, now(), min_count=n)
    return render_template("analytics/findings.html", period=period, error=None, data=data, **extra)


# -- unit assessment ----------------------------------------------------------------------------------------------

def _fraction(metric: str, counts: dict) -> tuple[int | None, int | None]:
    """The numerator and denominator counts behind one metric of a unit's row."""
    if metric in analytics.METRIC_COUNTS:
        num, den = analytics.METRIC_COUNTS[metric]
        return counts.get(num, 0), counts.get(den, 0)
    if metric == "kb_upkeep_rate":  # entries uploaded on time + flags fixed on time over both
        entries, flags = counts.get("kb_entries", 0), counts.get("kb_flags", 0)
        late = counts.get("kb_entries_late", 0) + counts.get("kb_flags_late", 0)
        return entries + flags - late, entries + flags
    return None, None


@bp.get("/assessment")
@roles_required(*ANALYTICS_ROLES)
def assessment():
    version, weights = assessment_weights.active_weights(db.session)
    return _page("analytics/assessment.html", lambda p: analytics.assessment(db.session, p.lo, p.hi),
                 metrics=A.METRIC_LABELS, weights=weights, weights_version=version)


def _drill(unit_id: int, metric: str, p: Period) -> dict:
    """The tickets (or, for knowledge-base upkeep, the entries and flags) behind one metric of one unit."""
    found = analytics.metric_tickets(db.session, unit_id, metric, p.lo, p.hi)
    drill = {"label": found["label"], "key": metric, "parts": [], "kb": found.get("kb")}
    for part, title in (("numerator", "分子"), ("denominator", "分母")):
        ids = found.get(part, [])
        if not ids and drill["kb"] is not None:
            continue
        rows, _ = findings.ticket_list(db.session, actor(), findings.ids_filter(ids), limit=MAX_IDS)
        drill["parts"].append({"title": title, "rows_counted": len(ids), "tickets": len(set(ids)), "rows": rows})
    return drill


@bp.get("/units/<int:unit_id>")
@roles_required(*ANALYTICS_ROLES)
def unit(unit_id: int):
    name = analytics.unit_names(db.session).get(unit_id)
    if name is None:
        raise NotFound("单位不存在", f"unit {unit_id} not found")
    metric = request.args.get("metric") or None
    if metric is not None and metric not in A.METRICS:
        raise Invalid("未知指标", f"unknown metric {metric!r}")
    version, weights = assessment_weights.active_weights(db.session)

    def build(p: Period) -> dict:
        ranking = analytics.assessment(db.session, p.lo, p.hi)
        place = next((i for i, r in enumerate(ranking) if r["unit_id"] == unit_id), None)
        row = ranking[place] if place is not None else None
        metrics = []
        for m in A.METRICS:
            num, den = _fraction(m, row["counts"] if row else {})
            metrics.append({"key": m, "label": A.METRIC_LABELS[m], "value": row["metrics"].get(m) if row else None,
                            "numerator": num, "denominator": den, "weight": weights.get(m)})
        current = now()
        counts = findings.unit_findings(db.session, unit_id, p.lo, p.hi, current)
        issues = [{"kind": k, "label": label, "count": counts[k]} for k, label in findings.UNIT_FINDINGS.items()]
        ranked = sum(1 for r in ranking if r["score"] is not None)
        return {"row": row, "rank": None if place is None or row["score"] is None else place + 1,
                "ranked": ranked, "metrics": metrics, "issues": issues,
                "drill": _drill(unit_id, metric, p) if metric else None}
    return _page("analytics/unit.html", build, unit_id=unit_id, unit_name=name, metric=metric,
                 weights_version=version)


# -- the tickets behind a figure ----------------------------------------------------------------------------------

def _parse_ids(raw: str) -> list[int]:
    parts = [x for x in raw.replace("，", ",").split(",") if x.strip()]
    if not parts or len(parts) > MAX_IDS or not all(x.strip().isdigit() for x in parts):
        raise Invalid(f"工单编号列表有误（至多{MAX_IDS}个）", f"bad ids {raw[:80]!r}")
    return sorted({int(x) for x in parts})


def _key_label(dim: str, key: str) -> str:
    if dim == "county":
        places = counties.load_counties(db.session)
        return places.label(places.parse(key))
    if key == findings.NONE_KEY:
        return {"category": "未分类", "unit": analytics.NO_UNIT_LABEL}.get(dim, "未知")
    if dim == "channel" and key in {c.value for c in Channel}:
        return CHANNEL_LABELS[Channel(key)]
    if dim == "type" and key in {t.value for t in TicketType}:
        return TYPE_LABELS[TicketType(key)]
    if dim in findings.INT_DIMENSIONS and key.isdigit():
        return analytics.unit_names(db.session).get(int(key), key)
    return key


def _selection(p: Period) -> tuple[object, str]:
    """(SQL condition, Chinese description) for the drill-down's query string."""
    args = request.args
    span = f"{p.start.isoformat()} 至 {p.end.isoformat()} 登记"
    if args.get("ids"):
        return findings.ids_filter(_parse_ids(args["ids"])), "所列工单"
    if args.get("finding"):
        kind, unit_id = args["finding"], args.get("unit", "")
        if kind not in findings.UNIT_FINDINGS or not unit_id.isdigit():
            raise Invalid("分析项目有误", f"bad finding {kind!r} unit {unit_id!r}")
        cond = findings.finding_filter(kind, int(unit_id), p.lo, p.hi, now())
        name = analytics.unit_names(db.session).get(int(unit_id), unit_id)
        when = "当前" if kind == "overdue" else f"{p.start.isoformat()} 至 {p.end.isoformat()}"
        return cond, f"{name} · {findings.UNIT_FINDINGS[kind]}（{when}）"
    if args.get("status") is not None or args.get("level") is not None:
        status, level = args.get("status") or None, args.get("level") or None
        words = [STATUS_LABELS[TicketStatus(status)] if status in {s.value for s in TicketStatus} else "全部环节"]
        if level in LEVEL_LABELS:
            words.append(LEVEL_LABELS[level])
        if status == TicketStatus.MERGED.value:
            words[0] = "已并入主单的来电（随主单办理）"
        return findings.open_filter(status, level), "当前在办 · " + " · ".join(words)
    if args.get("day"):
        try:
            day = _parse_day(args["day"])
        except ValueError:
            raise Invalid("日期格式有误", f"bad day {args['day'][:20]!r}") from None
        lo = datetime.combine(day, time(), TZ)
        return findings.period_filter(lo, lo + timedelta(days=1)), f"{day.isoformat()} 登记"
    for dim in findings.DIMENSIONS:
        if args.get(dim) is not None:
            key = args[dim][:80]
            cond = and_(findings.period_filter(p.lo, p.hi), findings.dimension_filter(db.session, dim, key))
            return cond, f"{DIM_LABELS[dim]}：{_key_label(dim, key)} · {span}"
    return findings.period_filter(p.lo, p.hi), span


@bp.get("/tickets")
@roles_required(*ANALYTICS_ROLES)
def tickets():
    page = min(max(1, request.args.get("page", 1, type=int) or 1), 10_000)

    def build(p: Period) -> dict:
        where, title = _selection(p)
        rows, total = findings.ticket_list(db.session, actor(), where, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
        return {"rows": rows, "total": total, "title": title, "page": page,
                "pages": max(1, (total - 1) // PAGE_SIZE + 1)}
    keep = {k: v for k, v in request.args.items() if k != "page"}
    fixed = any(k in keep for k in ("ids", "status", "level", "day")) or keep.get("finding") == "overdue"
    return _page("analytics/tickets.html", build, keep=keep, period_applies=not fixed)
