"""The live similar-ticket panel's JSON, the units' duty lists (职责清单) and the figures of merged matters and
dispatch suggestions."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from sqlalchemy import select

from engine.analytics import matters
from engine.common import Invalid, transaction
from engine.domain.calendar import TZ
from engine.domain.roles import OFFICE_ROLES
from engine.matching import duties
from engine.models import Category
from forms import ConfirmForm, DutyForm
from forms.base import strip

from ..common import ANALYTICS_ROLES, actor, roles_required
from ..extensions import db
from ..security import login_required, now
from .panels import draft_similar

bp = Blueprint("matching", __name__, url_prefix="/matching")
PERIODS = {"30": 30, "90": 90, "365": 365}


@bp.get("/similar")
@login_required
def similar():
    """The intake panel's live similar tickets for what is typed: ``content``, ``address``, ``category``,
    ``citizen_phone`` (JSON; unit scoping applies)."""
    args = {k: strip(request.args.get(k) or "") for k in ("content", "address", "category", "citizen_phone")}
    hits = draft_similar(actor(), args["content"], args["address"], args["category"], args["citizen_phone"])
    resp = jsonify({"similar": hits})
    resp.headers["Cache-Control"] = "no-store"
    return resp


# -- duty lists ----------------------------------------------------------------------------------------------------

@bp.get("/duties")
@roles_required(*OFFICE_ROLES)
def duty_units():
    return render_template("matching/duties.html", units=duties.units_with_duties(db.session),
                           may_edit=duties.may_edit(actor()))


def _duty_form(data=None) -> DutyForm:
    form = DutyForm(data=data) if data is not None else DutyForm()
    form.set_categories(list(db.session.scalars(select(Category.name).order_by(Category.name))))
    return form


@bp.route("/duties/<int:unit_id>", methods=["GET", "POST"])
@roles_required(*OFFICE_ROLES)
def duty_unit(unit_id: int):
    """A unit's duty items; the dispatcher or administrator adds one (or changes one with ``duty_id``)."""
    unit, items = duties.unit_duties(db.session, unit_id)
    edit_id = request.values.get("duty_id", type=int)
    editing = next((d for d in items if d["id"] == edit_id), None)
    form = _duty_form({**editing, "keywords": "、".join(editing["keywords"]), "areas": "、".join(editing["areas"])}
                      if editing and request.method == "GET" else None)
    message, status = None, 200
    if request.method == "POST" and duties.may_edit(actor()):
        if form.validate():
            try:
                with transaction(db.session):
                    duties.save_duty(db.session, actor(), unit.id, form.to_command(), now(),
                                     duty_id=editing["id"] if editing else None)
            except Invalid as exc:
                message = "；".join([exc.message_zh, *form.add_errors(exc.fields)])
            else:
                flash(f"已保存{unit.name}的职责事项“{form.title.data}”", "ok")
                return redirect(url_for("matching.duty_unit", unit_id=unit.id))
        message, status = message or "职责清单填写有误，请按提示修改", 400
    elif request.method == "POST":
        return redirect(url_for("matching.duty_unit", unit_id=unit.id))
    return render_template("matching/duty_unit.html", unit=unit, items=items, form=form, editing=editing,
                           may_edit=duties.may_edit(actor()), message=message), status


@bp.post("/duties/<int:unit_id>/<int:duty_id>/active")
@roles_required(*OFFICE_ROLES)
def duty_active(unit_id: int, duty_id: int):
    if ConfirmForm().validate_on_submit():
        active = request.form.get("active") == "1"
        with transaction(db.session):
            duty = duties.set_active(db.session, actor(), unit_id, duty_id, active, now())
        flash(f"职责事项“{duty.title}”已{'恢复使用' if active else '停用'}", "ok")
    return redirect(url_for("matching.duty_unit", unit_id=unit_id))


# -- figures -------------------------------------------------------------------------------------------------------

@bp.get("/stats")
@roles_required(*ANALYTICS_ROLES)
def stats():
    """并单与智能派单: calls per merged matter, and how often dispatchers took a suggestion and what followed."""
    days = PERIODS.get(request.args.get("days") or "30", 30)
    # Beijing calendar days, today included, as the statistics pages count them: [first 00:00, tomorrow 00:00).
    today = now().astimezone(TZ).date()
    first = today - timedelta(days=days - 1)
    start, end = (datetime.combine(d, time(), TZ) for d in (first, today + timedelta(days=1)))
    return render_template("matching/stats.html", days=days, periods=PERIODS, first=first, last=today,
                           matters=matters.merged_matters(db.session, start, end),
                           calls=matters.calls_and_matters(db.session, start, end),
                           adoption=matters.suggestion_adoption(db.session, start, end))
