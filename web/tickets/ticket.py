"""Ticket search, the ticket page, revealing a citizen's contact details with a logged reason, the PII view log."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for

from engine.analytics import exports
from engine.attachments import link_timeline
from engine.common import Forbidden, bundle_for, transaction
from engine.docstore import ISSUE_ROLES, documents_for_ticket
from engine.domain.states import TicketStatus
from engine.models import KnowledgeEntry, ProcessVersion, RefusalReason, Ticket
from engine.oversight import facts
from engine.tickets import attached, load_instance, pages, privacy, queries
from forms import RevealForm
from forms.base import strip

from ..attachments.files import with_grants
from ..common import PII_LOG_ROLES, actor, roles_required
from ..extensions import db
from ..matching.panels import ticket_matter
from ..security import login_required, now

bp = Blueprint("tickets", __name__, url_prefix="/tickets")
PAGE_SIZE = 50
MAX_PAGE = 10_000


@bp.get("")
@login_required
def index():
    status = request.args.get("status") or None
    if status not in {s.value for s in TicketStatus}:
        status = None
    number = strip(request.args.get("number") or "")[:32] or None
    page = min(max(1, request.args.get("page", 1, type=int) or 1), MAX_PAGE)
    rows, total = pages.ticket_list(db.session, actor(), status=status, number=number, limit=PAGE_SIZE,
                                    offset=(page - 1) * PAGE_SIZE)
    return render_template("tickets/list.html", rows=rows, total=total, page=page, pages=(total - 1) // PAGE_SIZE + 1,
                           status=status, number=number or "", statuses=[(s.value, s.label) for s in TicketStatus])


def refusal_offer(ticket: Ticket, documents: list[dict] | None = None) -> dict | None:
    """The 不予受理告知书 of a refused ticket as its pages offer it: the one issued (live) if any, else whether the
    user may issue it (through the archive's own 出具 path, ``docs_archive.issue``). None for any other ticket."""
    if ticket.status != TicketStatus.REFUSED.value:
        return None
    if documents is None:
        documents = documents_for_ticket(db.session, ticket.id, actor())
    issued = next((d for d in documents if d["kind"] == "refusal_notice" and d["status"] == "issued"), None)
    return {"doc": issued, "can_issue": actor().role in ISSUE_ROLES, "ticket_no": ticket.number}


def page_context(ticket: Ticket, view: dict) -> dict:
    """What the ticket page shows beyond the ticket view: reason label, KB entry, linked ticket, clocks."""
    reason = db.session.get(RefusalReason, ticket.refusal_code) if ticket.refusal_code else None
    entry = db.session.get(KnowledgeEntry, ticket.kb_entry_id) if ticket.kb_entry_id else None
    related = db.session.get(Ticket, ticket.related_ticket_id) if ticket.related_ticket_id else None
    # A task a process owner added is audited as "task:<bpmn id>": show its name from the diagram instead, and
    # its generated form's answers by the fields' labels (是/否 for a yes/no field, the option's name for a choice).
    tasks = bundle_for(db.session, ticket.process_version_id).tasks
    for e in view["timeline"]:
        if e["action"].startswith("task:") and e["action"][5:] in tasks:
            info = tasks[e["action"][5:]]
            e["action_label"] = info.title
            e["notes"] = [f"{label}：{shown}" for label, shown in
                          field_rows(info, (e.get("detail") or {}).get("fields") or {})]
    documents = documents_for_ticket(db.session, ticket.id, actor())
    return {"t": view, "reason": reason, "kb_entry": entry, "related": related,
            "refusal_offer": refusal_offer(ticket, documents),
            "card": pages.card(db.session, ticket, now()), "in_force": pages.clocks_in_force(db.session, ticket),
            "record": facts.oversight_record(db.session, ticket),
            "documents": documents,
            "same_matter": ticket_matter(actor(), ticket),
            "viewer_ready": (Path(current_app.static_folder) / "vendor" / "viewer.js").is_file()}


def field_rows(info, values: dict) -> list[tuple[str, str]]:
    """(label, shown value) for each field of a generated form, in the form's order."""
    rows = []
    for fid, ftype, label in info.form_fields:
        if fid not in values:
            continue
        value = values[fid]
        if ftype == "boolean":
            shown = "是" if value in (True, "true", "on", "1") else "否"
        elif ftype == "enum":
            shown = info.field_options.get(fid, {}).get(value, value)
        else:
            shown = "" if value is None else str(value)
        rows.append((label or fid, shown))
    return rows


@bp.get("/<int:ticket_id>")
@login_required
def show(ticket_id: int):
    a = actor()
    with transaction(db.session):
        ticket = queries.get_visible_ticket(db.session, a, ticket_id)
        view = queries.ticket_view(db.session, a, ticket, now())
    return render_template("tickets/ticket.html", **page_context(ticket, view))


@bp.get("/<int:ticket_id>/diagram.json")
@login_required
def diagram(ticket_id: int):
    """The diagram version the ticket runs on, for the read-only viewer, with where it waits and where it has been."""
    ticket = queries.get_visible_ticket(db.session, actor(), ticket_id)
    pv = db.session.get(ProcessVersion, ticket.process_version_id)
    inst = load_instance(db.session, ticket)
    return jsonify({"version": pv.version, "files": pv.files,
                    "marks": {"hl-current": inst.position(), "hl-done": inst.completed_ids()}})


@bp.route("/<int:ticket_id>/reveal", methods=["GET", "POST"])
@login_required
def reveal(ticket_id: int):
    """查看完整信息: a masked viewer whose role may reveal states why; the view is logged (once per reason) and the
    contact details shown this once. A viewer who sees them already goes back to the ticket; a role the office's
    policy keeps from them gets 403."""
    a = actor()
    ticket = queries.get_visible_ticket(db.session, a, ticket_id)
    seen = privacy.access_to(db.session, a, ticket.id)
    if seen.shown:
        return redirect(url_for("tickets.show", ticket_id=ticket.id))
    if not seen.can_reveal:
        raise Forbidden("您无权查看诉求人完整信息（按热线办的规定，您的岗位不查看诉求人信息）",
                        f"{a.label} may not reveal ({seen.mode})")
    form = RevealForm()
    if form.validate_on_submit():
        with transaction(db.session):
            view = queries.ticket_view(db.session, a, ticket, now(), reveal_reason=form.to_command()["reason"])
        view["revealed"] = True
        # The citizen's own files too, for this page: their links carry a short grant bound to this user.
        view["attachments"] = with_grants(attached.listing(db.session, a, ticket.id, revealed=True),
                                          user_id=a.user_id)
        link_timeline(view["timeline"], view["attachments"])
        return render_template("tickets/ticket.html", **page_context(ticket, view))
    return render_template("tickets/reveal.html", form=form, ticket=ticket), 400 if form.errors else 200


@bp.get("/pii-views")
@roles_required(*PII_LOG_ROLES)
def pii_log():
    rows = privacy.pii_views(db.session, limit=300) + exports.unmasked_downloads(db.session, limit=300)
    rows.sort(key=lambda r: datetime.fromisoformat(r["last_at"]), reverse=True)
    return render_template("tickets/pii_views.html", rows=rows[:300])
