"""并单 on a ticket's page: merge similar tickets into this one, merge this one into another, un-merge."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for

from engine.common import Invalid, transaction
from engine.tickets import merge, queries, unmerge
from forms import MergeForm, MergeIntoForm, UnmergeForm

from ..common import actor, roles_required
from ..extensions import db
from ..security import now
from ..tickets.ticket import page_context
from .panels import MERGE_ROLES, ticket_matter

bp = Blueprint("merges", __name__, url_prefix="/tickets")


def _refused(ticket, message: str, **forms):
    """The ticket page again, with the merge forms as typed and the message."""
    with transaction(db.session):
        view = queries.ticket_view(db.session, actor(), ticket, now())
    context = page_context(ticket, view)
    for key, form in forms.items():
        context["same_matter"][key] = form
    context["same_matter"]["message"] = message
    return render_template("tickets/ticket.html", **context), 400


@bp.post("/<int:ticket_id>/merge")
@roles_required(*MERGE_ROLES)
def merge_into_this(ticket_id: int):
    """Merge the ticked similar tickets into this one (it becomes the main ticket)."""
    ticket = queries.get_visible_ticket(db.session, actor(), ticket_id)
    form = MergeForm(prefix="merge")
    form.set_tickets(ticket_matter(actor(), ticket)["similar"])
    if not form.validate():
        return _refused(ticket, "请勾选要并入本单的工单并写明理由", merge_form=form)
    command = form.to_command()
    try:
        with transaction(db.session):
            rows = merge(db.session, actor(), ticket.id, command["child_ids"], command["reason"], now())
    except Invalid as exc:
        return _refused(ticket, exc.message_zh, merge_form=form)
    flash(f"已将{len(rows)}件工单并入本单，随本单派单、办理和答复", "ok")
    return redirect(url_for("tickets.show", ticket_id=ticket.id))


@bp.post("/<int:ticket_id>/merge-into")
@roles_required(*MERGE_ROLES)
def merge_into_other(ticket_id: int):
    """Merge this ticket into a similar one as its main ticket."""
    ticket = queries.get_visible_ticket(db.session, actor(), ticket_id)
    form = MergeIntoForm(prefix="into")
    if not form.validate() or form.main_ticket_id.data is None:
        return _refused(ticket, "请选择主单并写明并单理由", into_form=form)
    command = form.to_command()
    try:
        with transaction(db.session):
            merge(db.session, actor(), command["main_id"], [ticket.id], command["reason"], now())
    except Invalid as exc:
        return _refused(ticket, exc.message_zh, into_form=form)
    flash("本单已并入主单，随主单办理和答复", "ok")
    return redirect(url_for("tickets.show", ticket_id=command["main_id"]))


@bp.post("/<int:ticket_id>/unmerge")
@roles_required(*MERGE_ROLES)
def unmerge_this(ticket_id: int):
    ticket = queries.get_visible_ticket(db.session, actor(), ticket_id)
    form = UnmergeForm(prefix="unmerge")
    if not form.validate():
        return _refused(ticket, "请写明撤销并单的理由", unmerge_form=form)
    try:
        with transaction(db.session):
            unmerge(db.session, actor(), ticket.id, form.to_command()["reason"], now())
    except Invalid as exc:
        return _refused(ticket, exc.message_zh, unmerge_form=form)
    flash("已撤销并单，本单恢复单独办理，时限自现在起重新计算", "ok")
    return redirect(url_for("tickets.show", ticket_id=ticket.id))
