"""The call agent's intake: register a 诉求 and decide its scope in one step, with the KB and history panels."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for

from engine.db import transaction
from engine.services import Invalid, pages, queries, register
from forms import IntakeForm, ScopeForm
from forms.base import strip

from ..extensions import db
from ..security import now
from .common import REGISTER_ROLES, actor, roles_required

bp = Blueprint("intake", __name__, url_prefix="/intake")


def prepare_scope(form: ScopeForm) -> None:
    form.set_choices(pages.categories(db.session), pages.refusal_reasons(db.session))


def scope_panels(form: ScopeForm, phone: str | None, address: str | None, exclude_id: int | None = None) -> dict:
    """The knowledge-base search and the caller's and the place's earlier tickets, for the scope decision."""
    kb_q = strip(request.values.get("kb_q") or "")[:100]
    selected = pages.kb_entry(db.session, form.kb_entry_id.data)
    results = pages.kb_search(db.session, kb_q)
    if selected and all(e["id"] != selected["id"] for e in results):
        results.insert(0, selected)
    return {"kb_q": kb_q, "kb_results": results,
            "earlier": pages.earlier_tickets(db.session, phone, address, exclude_id=exclude_id),
            "reasons": pages.refusal_reasons(db.session)}


def submitting() -> bool:
    """A POST from the form's main button; the panel buttons only refresh the page."""
    return request.method == "POST" and request.form.get("op", "submit") == "submit"


@bp.route("", methods=["GET", "POST"])
@roles_required(*REGISTER_ROLES)
def new():
    form = IntakeForm()
    prepare_scope(form)
    message, status = None, 200
    if submitting():
        if form.validate():
            try:
                with transaction(db.session):
                    ticket, code, _step = register(db.session, actor(), form.to_command(), now())
            except Invalid as exc:
                message = "；".join([exc.message_zh, *form.add_errors(exc.fields)])
            else:
                session["registered"] = {"id": ticket.id, "code": code}
                return redirect(url_for("intake.done", ticket_id=ticket.id))
        status = 400
        message = message or "提交的信息有误，请按提示修改"
    panels = scope_panels(form, form.citizen_phone.data, form.address.data)
    return render_template("intake.html", form=form, message=message, panels=panels), status


@bp.get("/done/<int:ticket_id>")
@roles_required(*REGISTER_ROLES)
def done(ticket_id: int):
    ticket = queries.get_visible_ticket(db.session, actor(), ticket_id)
    shown = session.pop("registered", None)
    code = shown["code"] if shown and shown.get("id") == ticket.id else None
    return render_template("intake_done.html", ticket=ticket, code=code,
                           status_label=ticket.status_enum.label)
