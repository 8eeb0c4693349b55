"""The generic task page: the form of the task's form key (or one built from its declared fields) → complete_task."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request

from engine.common import Forbidden, Invalid, can_act, transaction
from engine.tickets import complete_task, pages, queries
from forms import FORMS, form_for_task

from ..common import actor, after_task_url
from ..extensions import db
from ..security import login_required, now
from .taskprep import prepare

bp = Blueprint("tasks", __name__)


def _form_class(ticket, proj, info):
    """The task's form class; enum values are read from the diagram only for a task without a form class."""
    enums = None
    if (info.form_key or "") not in FORMS and any(t == "enum" for _id, t, _l in info.form_fields):
        enums = pages.enum_options(db.session, pages.task_version(db.session, ticket, proj), info.bpmn_id)
    return form_for_task(info, enums)


@bp.route("/tickets/<int:ticket_id>/tasks/<task_ref>", methods=["GET", "POST"])
@login_required
def task(ticket_id: int, task_ref: str):
    a = actor()
    ticket = queries.get_visible_ticket(db.session, a, ticket_id)
    proj = pages.ready_task(db.session, ticket, task_ref)
    if not can_act(a, proj):
        raise Forbidden("您无权办理该任务", f"{a.label} may not act on {proj.bpmn_id} of ticket {ticket.id}")
    info = pages.task_info(db.session, ticket, proj)
    form = _form_class(ticket, proj, info)()
    extra = prepare(info.form_key, form, ticket, a, now())
    message, status = None, 200
    if request.method == "POST" and request.form.get("op", "submit") == "submit":
        if form.validate():
            number, title = ticket.number, proj.title
            try:
                with transaction(db.session):
                    step = complete_task(db.session, a, ticket.id, proj.task_uuid, form.to_command(), now())
            except Invalid as exc:
                message = "；".join([exc.message_zh, *form.add_errors(exc.fields)])
                ticket = queries.get_visible_ticket(db.session, a, ticket_id)
            else:
                flash(f"工单 {number}「{title}」已完成，当前状态：{step.ticket.status_enum.label}", "ok")
                return redirect(after_task_url())
        status = 400
        message = message or "提交的信息有误，请按提示修改"
    with transaction(db.session):
        view = queries.ticket_view(db.session, a, ticket, now())
    return render_template("tickets/task.html", form=form, t=view, task=proj, info=info, message=message,
                           form_key=info.form_key if (info.form_key or "") in FORMS else "declared",
                           **extra), status
