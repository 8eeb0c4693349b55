"""集中反映 alerts: the list, one alert with its tickets and the one-step merge, dismissing it, and supervision
of the merged matter (Art. 18(3))."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from engine.common import Forbidden, Invalid, transaction
from engine.domain.roles import Role
from engine.matching import surges
from engine.tickets import merge_surge, surge_plan
from forms import ConfirmForm, DismissAlertForm, SurgeMergeForm

from ..common import actor, fmt_due, roles_required
from ..extensions import db
from ..security import now
from .panels import MERGE_ROLES

bp = Blueprint("surges", __name__, url_prefix="/matching/alerts")
STATUSES = (("open", "待处理"), ("merged", "已并单"), ("dismissed", "已排除"))
#: Who opens supervision (督办, Art. 18): the office's reviewers and supervisors, not the dispatcher.
SUPERVISE_ROLES = frozenset({Role.SUPERVISOR, Role.REVIEWER, Role.ADMIN})


@bp.get("")
@roles_required(*MERGE_ROLES)
def index():
    status = request.args.get("status") or "open"
    status = status if status in dict(STATUSES) else "open"
    return render_template("matching/alerts.html", alerts=surges.alerts(db.session, status=status), status=status,
                           statuses=STATUSES)


def _page(alert_id: int, merge_form=None, dismiss_form=None, message=None, status=200):
    alert = surges.get_alert(db.session, alert_id)
    main, children, problems = surge_plan(db.session, alert)
    merge_form = merge_form or SurgeMergeForm(data={"main_ticket_id": main.id if main else None})
    return render_template("matching/alert.html", a=surges.alert_dict(alert),
                           tickets=surges.alert_tickets(db.session, alert), main=main,
                           children={t.id for t in children}, problems=problems, merge_form=merge_form,
                           dismiss_form=dismiss_form or DismissAlertForm(prefix="dismiss"),
                           confirm=ConfirmForm(), message=message,
                           may_supervise=actor().role in SUPERVISE_ROLES), status


@bp.get("/<int:alert_id>")
@roles_required(*MERGE_ROLES)
def show(alert_id: int):
    return _page(alert_id)


@bp.post("/<int:alert_id>/merge")
@roles_required(*MERGE_ROLES)
def merge(alert_id: int):
    """一键并单: every ticket of the alert that can be merged goes into the main ticket."""
    form = SurgeMergeForm()
    if not form.validate():
        return _page(alert_id, merge_form=form, message="提交的信息有误，请按提示修改", status=400)
    try:
        with transaction(db.session):
            rows = merge_surge(db.session, actor(), alert_id, now(), **form.to_command())
            main_id = rows[0].main_ticket_id
    except Invalid as exc:
        return _page(alert_id, merge_form=form, message=exc.message_zh, status=400)
    flash(f"已将{len(rows)}件工单并入主单，统一派单、办理和答复", "ok")
    return redirect(url_for("tickets.show", ticket_id=main_id))


@bp.post("/<int:alert_id>/dismiss")
@roles_required(*MERGE_ROLES)
def dismiss(alert_id: int):
    form = DismissAlertForm(prefix="dismiss")
    if not form.validate():
        return _page(alert_id, dismiss_form=form, message="请写明排除的理由", status=400)
    try:
        with transaction(db.session):
            surges.dismiss(db.session, actor(), alert_id, form.to_command()["note"], now())
    except Invalid as exc:
        return _page(alert_id, dismiss_form=form, message=exc.message_zh, status=400)
    flash("已排除该预警", "ok")
    return redirect(url_for("surges.index"))


@bp.post("/<int:alert_id>/supervise")
@roles_required(*MERGE_ROLES)
def supervise(alert_id: int):
    """列入督办 (Art. 18(3)): the matter's main ticket is supervised as 集中反映."""
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("surges.show", alert_id=alert_id))
    try:
        with transaction(db.session):
            sup = surges.supervise(db.session, actor(), alert_id, now())
            due = sup.due_at
    except (Invalid, Forbidden) as exc:
        return _page(alert_id, message=exc.message_zh, status=400 if isinstance(exc, Invalid) else 403)
    flash(f"已列入督办（集中反映），答复期限{fmt_due(due)}", "ok")
    return redirect(url_for("surges.show", alert_id=alert_id))
