"""考核与导出: the unit assessment of a period (ranking, drill-down, CSV/Excel), the versions of the assessment
weights, the printed 考核通报 and 工作简报, and ticket-level exports that need the office's approval (Art. 26)."""
from __future__ import annotations

import tempfile
from datetime import date, datetime, time, timedelta
from urllib.parse import quote

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, send_file, url_for
from sqlalchemy import select

from engine.analytics import counties, exports, reports, tables
from engine.analytics import metrics as analytics
from engine.analytics import weights as assessment_weights
from engine.common import Forbidden, ServiceError, transaction
from engine.docstore import ISSUE_ROLES
from engine.domain import assessment as A
from engine.domain.calendar import TZ
from engine.domain.states import CHANNEL_LABELS, STATUS_LABELS, TYPE_LABELS
from engine.models import Ticket, Unit

from ..common import ANALYTICS_ROLES, actor, roles_required
from ..docstore.views import office_defaults
from ..extensions import db
from ..security import now

bp = Blueprint("reports", __name__, url_prefix="/reports")
MAX_DAYS = 400
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SPOOL = 16 << 20
#: The export filters (engine.analytics.exports.FILTERS) as the request and approval pages name them.
FILTER_LABELS = {"unit_id": "主办单位", "ticket_type": "诉求类型", "channel": "渠道", "category": "诉求分类",
                 "status": "状态"}


# -- helpers --------------------------------------------------------------------------------------------------------

def _parse(name: str) -> date | None:
    try:
        return date.fromisoformat((request.values.get(name) or "").strip())
    except ValueError:
        return None


def _period(max_days: int = MAX_DAYS) -> tuple[date, date, datetime, datetime]:
    """Inclusive Beijing dates from the request (``from``, ``to``), the previous calendar month by default, and the
    half-open instants ``[from 00:00, to + 1 day 00:00)`` they stand for."""
    today = now().astimezone(TZ).date()
    default_to = today.replace(day=1) - timedelta(days=1)
    default_from = default_to.replace(day=1)
    start, end = _parse("from"), _parse("to")
    if start is None or end is None or end < start or (end - start).days > max_days:
        if request.values.get("from") or request.values.get("to"):
            flash(f"统计期间无效（起止日期须有效且不超过{max_days}天），已显示上月数据", "error")
        start, end = default_from, default_to
    return start, end, datetime.combine(start, time(), TZ), datetime.combine(end + timedelta(days=1), time(), TZ)


def _version() -> str | None:
    value = (request.values.get("version") or "").strip()
    return value[:20] or None


def _attachment(body, name: str, mimetype: str) -> Response:
    resp = send_file(body, mimetype=mimetype, as_attachment=True, download_name=name)
    resp.headers["Content-Disposition"] = f"attachment; filename=\"export.{name.rsplit('.', 1)[-1]}\"; " \
                                          f"filename*=UTF-8''{quote(name)}"
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


def _may_set_weights() -> bool:
    return actor().role in assessment_weights.WEIGHT_ROLES


# -- the assessment -------------------------------------------------------------------------------------------------

@bp.get("/")
@roles_required(*ANALYTICS_ROLES)
def index():
    d_from, d_to, start, end = _period()
    version = _version()
    try:
        report = analytics.assessment_report(db.session, start, end, version=version)
    except ServiceError as exc:
        flash(exc.message_zh, "error")
        version = None
        report = analytics.assessment_report(db.session, start, end)
    args = {"from": d_from.isoformat(), "to": d_to.isoformat(), **({"version": version} if version else {})}
    places = counties.load_counties(db.session).choices()
    return render_template("analytics/reports/index.html", report=report, args=args, d_from=d_from, d_to=d_to,
                           counties=places,
                           versions=assessment_weights.weight_versions(db.session), metrics=A.METRICS,
                           labels=A.METRIC_LABELS, lower=A.LOWER_IS_BETTER)


@bp.get("/assessment.<fmt>")
@roles_required(*ANALYTICS_ROLES)
def assessment_download(fmt: str):
    if fmt not in exports.FORMATS:
        return redirect(url_for(".index"))
    d_from, d_to, start, end = _period()
    report = analytics.assessment_report(db.session, start, end, version=_version())
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL)
    n = exports.write_table(tables.assessment_rows(report["rows"], start, end), fmt, spool, "考核结果")
    with transaction(db.session):
        exports.log_assessment_download(db.session, actor(), fmt, n, start, end, report["weights_version"], now())
    spool.seek(0)
    name = f"考核结果_{d_from.isoformat()}_{d_to.isoformat()}_{report['weights_version']}.{fmt}"
    return _attachment(spool, name, XLSX if fmt == "xlsx" else "text/csv")


@bp.get("/drill")
@roles_required(*ANALYTICS_ROLES)
def drill():
    d_from, d_to, start, end = _period()
    metric = request.args.get("metric") or ""
    unit_id = request.args.get("unit_id", type=int)
    unit = db.session.get(Unit, unit_id) if unit_id else None
    if unit is None or metric not in A.METRICS:
        flash("请选择单位和指标", "error")
        return redirect(url_for(".index", **{"from": d_from.isoformat(), "to": d_to.isoformat()}))
    found = analytics.metric_tickets(db.session, unit.id, metric, start, end)
    ids = set(found["numerator"]) | set(found["denominator"])
    # A Result has keys(), so dict() would read it as a mapping: take its rows as (id, number) pairs.
    numbers = dict(db.session.execute(select(Ticket.id, Ticket.number).where(Ticket.id.in_(ids))).tuples().all())
    return render_template("analytics/reports/drill.html", found=found, unit=unit, numbers=numbers, d_from=d_from,
                           d_to=d_to)


# -- weights --------------------------------------------------------------------------------------------------------

@bp.get("/weights")
@roles_required(*ANALYTICS_ROLES)
def weights():
    return render_template("analytics/reports/weights.html", versions=assessment_weights.weight_versions(db.session),
                           metrics=A.METRICS, labels=A.METRIC_LABELS, may_edit=_may_set_weights(),
                           active=assessment_weights.active_weights(db.session)[0], form=request.form, errors={})


@bp.post("/weights")
@roles_required(*ANALYTICS_ROLES)
def create_weights():
    raw = {}
    errors: dict[str, str] = {}
    for m in A.METRICS:
        value = (request.form.get(m) or "").strip()
        if not value:
            continue
        try:
            raw[m] = float(value) / 100.0
        except ValueError:
            errors[m] = "请填写数字"
    try:
        if errors:
            raise ServiceError("权重须为数字（百分比）", "weights not numeric", fields=errors)
        with transaction(db.session):
            row = assessment_weights.create_weight_version(
                db.session, actor(), request.form.get("version", ""), raw, now(),
                note=request.form.get("note"), activate=request.form.get("activate") == "1")
    except ServiceError as exc:
        if exc.status in (403, 404):
            raise
        return render_template("analytics/reports/weights.html",
                               versions=assessment_weights.weight_versions(db.session),
                               metrics=A.METRICS, labels=A.METRIC_LABELS, may_edit=_may_set_weights(),
                               active=assessment_weights.active_weights(db.session)[0], form=request.form,
                               errors=exc.fields, message=exc.message_zh), exc.status
    flash(f"已新增权重版本“{row.version}”" + ("并启用" if row.active else "（未启用）"), "ok")
    return redirect(url_for(".weights"))


@bp.post("/weights/<version>/activate")
@roles_required(*ANALYTICS_ROLES)
def activate_weights(version: str):
    with transaction(db.session):
        assessment_weights.activate_weight_version(db.session, actor(), version, now())
    flash(f"已启用权重版本“{version}”，此后的考核默认按该版本计算", "ok")
    return redirect(url_for(".weights"))


# -- printed reports ------------------------------------------------------------------------------------------------

@bp.get("/confirm")
@roles_required(*ANALYTICS_ROLES)
def confirm():
    """The step before a report is issued: a numbered document can only be voided, never deleted, so the page says
    what will be issued (kind, period, subject, the number it would get) and issues only on 确认出具."""
    report = request.args.get("report", "")
    d_from, d_to, start, end = _period()
    version = _version() if report == "bulletin" else None
    back = {"from": d_from.isoformat(), "to": d_to.isoformat(), **({"version": version} if version else {})}
    if actor().role not in ISSUE_ROLES:
        raise Forbidden("您无权出具该公文", f"{actor().label} may not issue reports")
    dimension = request.args.get("dimension", "")
    key = (request.args.get("county" if dimension == "county" else "category") or "").strip()[:80]
    try:
        shown = reports.preview(db.session, report, start, end, now(), dimension=dimension, key=key,
                                defaults=office_defaults(current_app))
        if report == "bulletin" and version:
            assessment_weights.weights_of(db.session, version)  # NotFound for an unknown version
        if report == "bulletin":
            shown["version"] = version or assessment_weights.active_weights(db.session)[0]
    except ServiceError as exc:
        if exc.status == 403:
            raise
        flash(exc.message_zh, "error")
        return redirect(url_for(".index", **back))
    fields = {**back, **({"dimension": dimension, "county" if dimension == "county" else "category": key}
                         if report == "special" else {})}
    return render_template("analytics/reports/confirm.html", shown=shown, fields=fields, back=back,
                           action=url_for(f".{report}"), d_from=d_from, d_to=d_to)


def _issue(kind: str):
    d_from, d_to, start, end = _period()
    defaults = office_defaults(current_app)
    try:
        with transaction(db.session):
            if kind == "bulletin":
                doc = reports.issue_bulletin(db.session, actor(), start, end, now(), version=_version(),
                                             defaults=defaults)
            elif kind == "special":
                dimension = request.form.get("dimension", "")
                key = (request.form.get("county" if dimension == "county" else "category") or "").strip()[:80]
                doc = reports.issue_special(db.session, actor(), start, end, dimension, key, now(),
                                            defaults=defaults)
            else:
                doc = reports.issue_brief(db.session, actor(), start, end, now(), defaults=defaults)
    except ServiceError as exc:
        if exc.status == 403:
            raise
        flash(exc.message_zh, "error")
        return redirect(url_for(".index", **{"from": d_from.isoformat(), "to": d_to.isoformat()}))
    flash(f"已出具{doc.number}", "ok")
    return redirect(url_for("docs_archive.show", doc_id=doc.id))


@bp.post("/bulletin")
@roles_required(*ANALYTICS_ROLES)
def bulletin():
    return _issue("bulletin")


@bp.post("/brief")
@roles_required(*ANALYTICS_ROLES)
def brief():
    return _issue("brief")


@bp.post("/special")
@roles_required(*ANALYTICS_ROLES)
def special():
    return _issue("special")


# -- ticket-level exports (Art. 26) ---------------------------------------------------------------------------------

def _choices() -> dict:
    units = db.session.execute(select(Unit.id, Unit.name).order_by(Unit.code)).all()
    return {"fields": exports.FIELDS, "personal": exports.PERSONAL_FIELDS, "defaults": exports.DEFAULT_FIELDS,
            "units": units, "types": TYPE_LABELS, "channels": CHANNEL_LABELS, "statuses": STATUS_LABELS}


def _describe(req) -> dict:
    names = analytics.unit_names(db.session)
    values = {"unit_id": names, "ticket_type": TYPE_LABELS, "channel": CHANNEL_LABELS, "status": STATUS_LABELS}
    f = {FILTER_LABELS[k]: values.get(k, {}).get(v, v) for k, v in (req.filters or {}).items() if k in FILTER_LABELS}
    first, last = tables.inclusive_dates(req.period_from, req.period_to)
    return {"fields": [exports.FIELDS[c][0] for c in req.fields if c in exports.FIELDS], "filters": f,
            "from": first, "to": last}


@bp.get("/exports")
@roles_required(*ANALYTICS_ROLES)
def export_list():
    a = actor()
    rows = [(r, _describe(r)) for r in exports.list_requests(db.session, a)]
    return render_template("analytics/reports/exports.html", rows=rows, status_text=exports.STATUS_TEXT, now=now(),
                           form={}, errors={}, approver=a.role in exports.APPROVER_ROLES, **_choices())


@bp.post("/exports")
@roles_required(*ANALYTICS_ROLES)
def export_new():
    a = actor()
    d_from, d_to = _parse("from"), _parse("to")
    try:
        if d_from is None or d_to is None or d_to < d_from:
            raise ServiceError("请填写有效的起止日期", "bad export period", fields={"period": "起止日期有误"})
        filters = {k: request.form.get(k) for k in exports.FILTERS}
        with transaction(db.session):
            req = exports.request_export(
                db.session, a, purpose=request.form.get("purpose", ""), fields=request.form.getlist("fields"),
                start=datetime.combine(d_from, time(), TZ), end=datetime.combine(d_to + timedelta(days=1), time(), TZ),
                filters=filters, personal_data=request.form.get("personal_data") == "1", now=now())
    except ServiceError as exc:
        if exc.status in (403, 404):
            raise
        rows = [(r, _describe(r)) for r in exports.list_requests(db.session, a)]
        return render_template("analytics/reports/exports.html", rows=rows, status_text=exports.STATUS_TEXT, now=now(),
                               form=request.form, errors=exc.fields, message=exc.message_zh,
                               approver=a.role in exports.APPROVER_ROLES, **_choices()), exc.status
    flash(f"导出申请（{exports.request_label(req)}）已提交，待市热线办审批", "ok")
    return redirect(url_for(".export_show", request_id=req.id))


@bp.get("/exports/<int:request_id>")
@roles_required(*ANALYTICS_ROLES)
def export_show(request_id: int):
    a = actor()
    req = exports.get_request(db.session, a, request_id)
    return render_template("analytics/reports/export.html", r=req, d=_describe(req), status_text=exports.STATUS_TEXT,
                           now=now(), label=exports.request_label(req),
                           may_decide=(a.role in exports.APPROVER_ROLES and req.status == "pending"
                                       and req.requested_by_id != a.user_id),
                           may_download=(req.requested_by_id == a.user_id and req.status == "approved"
                                         and req.valid_until is not None and now() < req.valid_until),
                           max_days=exports.MAX_VALID_DAYS)


@bp.post("/exports/<int:request_id>/decide")
@roles_required(*ANALYTICS_ROLES)
def export_decide(request_id: int):
    approve = request.form.get("decision") == "approve"
    try:
        with transaction(db.session):
            exports.decide_export(db.session, actor(), request_id, approve, now(), note=request.form.get("note"),
                                  allow_personal=request.form.get("allow_personal") == "1",
                                  valid_days=request.form.get("valid_days", exports.DEFAULT_VALID_DAYS, type=int))
    except ServiceError as exc:
        if exc.status in (403, 404):
            raise
        flash(exc.message_zh, "error")
    else:
        flash("已批准导出申请" if approve else "已不予批准导出申请", "ok")
    return redirect(url_for(".export_show", request_id=request_id))


@bp.get("/exports/<int:request_id>/download.<fmt>")
@roles_required(*ANALYTICS_ROLES)
def export_download(request_id: int, fmt: str):
    a = actor()
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL)
    try:
        with transaction(db.session):
            req, _rows = exports.download(db.session, a, request_id, fmt, spool, now())
    except Forbidden as exc:
        with transaction(db.session):
            exports.log_denied(db.session, a, request_id, fmt, exc.log_en, now())
        raise
    spool.seek(0)
    return _attachment(spool, exports.file_name(req, fmt), XLSX if fmt == "xlsx" else "text/csv")


@bp.get("/exports/log")
@roles_required(*ANALYTICS_ROLES)
def export_log():
    rows = exports.export_log(db.session, actor())
    return render_template("analytics/reports/export_log.html", rows=rows, events=exports.EVENT_TEXT,
                           requests=exports.requests_of(db.session, rows), label=exports.request_label)
