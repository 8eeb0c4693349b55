"""The generic task page: the form of the task's form key (or one built from its declared fields) → complete_task.

A page the server refuses is shown again with everything the person typed: a refusal of meaning (``Invalid``) puts
the messages next to the fields; a failure of the engine itself (a broken diagram) is also kept in 登记失败 and the
office is alerted, so the person's work is never lost without a trace.
"""
from __future__ import annotations

import logging

from flask import Blueprint, flash, redirect, render_template, request

from engine.attachments import FORM_KEY_SLOTS, SLOT_FIELDS
from engine.common import ACTION_LABELS, Conflict, Forbidden, Invalid, NotFound, can_act, transaction
from engine.tickets import complete_task, pages, queries
from forms import FORMS, form_for_task

from ..attachments.files import uploads_from_request
from ..common import actor, after_task_url, fmt_due
from ..extensions import db
from ..oversight.taskprep import PREPARE as OVERSIGHT_PREPARE
from ..security import login_required, now
from .failed import keep_failure
from .taskprep import prepare

bp = Blueprint("tasks", __name__)
# Form keys whose page is web/templates/oversight/tasks/<key>.html (the facts beside the form, then the form).
OVERSIGHT_TASKS = frozenset(OVERSIGHT_PREPARE)
log = logging.getLogger("hotline.web")


def _form_class(ticket, proj, info):
    """The task's form class; enum values are read from the diagram only for a task without a form class."""
    enums = None
    if (info.form_key or "") not in FORMS and any(t == "enum" for _id, t, _l in info.form_fields):
        enums = pages.enum_options(db.session, pages.task_version(db.session, ticket, proj), info.bpmn_id)
    return form_for_task(info, enums)


def done_message(number: str, title: str, step, data: dict) -> str:
    """What the flash says after a task: the action that was taken, not only the task's name."""
    status = step.ticket.status_enum.label
    if step.action == "extension_request":
        return (f"工单 {number} 已申请延期{data.get('days')}个工作日，待热线办审核员在原办理时限"
                f"（{fmt_due(step.ticket.handling_due)}）前审批；审批期间暂不能提交答复，审批后可继续办理答复，"
                f"未获批准的仍按原办理时限办理。当前状态：{status}")
    if step.action == "extension_decision":  # the task is named 延期审批 whichever way it went: say which
        if data.get("decision") == "approve":
            return (f"工单 {number} 已批准延期，办理时限顺延至 {fmt_due(step.ticket.handling_due)}，"
                    f"当前状态：{status}")
        return f"工单 {number} 不予延期，仍按原办理时限 {fmt_due(step.ticket.handling_due)} 办结，当前状态：{status}"
    label = ACTION_LABELS.get(step.action)
    if label and label != title:
        return f"工单 {number}「{title}」已完成（{label}），当前状态：{status}"
    return f"工单 {number}「{title}」已完成，当前状态：{status}"


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
    extra = prepare(info.form_key, form, ticket, a, now(), proj)
    # The files this step takes (a photo of the site, a scan of the signed explanation …); the evaluation's are the
    # citizen's own material, which only the office publishes.
    slots = FORM_KEY_SLOTS.get(info.form_key or "", ())
    message, status, upload_errors = None, 200, {}
    if request.method == "POST" and request.form.get("op", "submit") == "submit":
        if form.validate():
            number, title, command = ticket.number, proj.title, form.to_command()
            try:
                with transaction(db.session):
                    step = complete_task(db.session, a, ticket.id, proj.task_uuid, command, now(),
                                         uploads=uploads_from_request(slots, public_choice=info.form_key != "evaluate",
                                                                      location=info.form_key == "evaluate"))
            except Invalid as exc:
                upload_errors = {k: v for k, v in exc.fields.items() if k in SLOT_FIELDS.values()}
                rest = form.add_errors({k: v for k, v in exc.fields.items() if k not in upload_errors})
                message = "；".join([exc.message_zh, *rest])
            except (Conflict, Forbidden, NotFound):
                raise
            except Exception as exc:  # noqa: BLE001 - the engine refused (a broken diagram …): keep what was typed
                log.exception("task %s of ticket %s failed in the engine", proj.bpmn_id, ticket_id)
                message = keep_failure("task", a, exc, ticket_id=ticket.id, task=proj.bpmn_id)
                status = 503
            else:
                flash(done_message(number, title, step, command), "ok")
                return redirect(after_task_url())
            ticket = queries.get_visible_ticket(db.session, a, ticket_id)
        status = status if status != 200 else 400
        message = message or "提交的信息有误，请按提示修改"
    with transaction(db.session):
        view = queries.ticket_view(db.session, a, ticket, now())
        in_force = pages.clocks_in_force(db.session, ticket)
    return render_template("tickets/task.html", form=form, t=view, task=proj, info=info, message=message,
                           form_key=info.form_key if (info.form_key or "") in FORMS else "declared",
                           in_force=in_force, OVERSIGHT_TASKS=OVERSIGHT_TASKS, upload_slots=slots,
                           upload_errors=upload_errors, **extra), status
