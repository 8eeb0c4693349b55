"""公文档案: search the archive, download a document as issued, void it, issue a ticket's documents by number,
and print batches in the background with their progress."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from urllib.parse import quote

from flask import Blueprint, Flask, Response, current_app, flash, jsonify, redirect, render_template, request, url_for

from documents import KINDS, get_kind
from engine.common import Actor, Invalid, ServiceError, session_factory, transaction
from engine.docstore import archive as docs
from engine.docstore import batches, facts, joint
from engine.domain.calendar import TZ
from engine.tickets import queries

from ..extensions import db
from ..security import current_user, login_required, now

bp = Blueprint("docs_archive", __name__, url_prefix="/documents")
PAGE_SIZE = 50
#: Kinds the archive page can issue straight from a ticket number (their facts come from the ticket).
FROM_TICKET = ("ticket_record", "refusal_notice", "return_explanation", "extension_form", "redo_notice",
               "joint_review_minutes", "proposed_opinion")
#: Of those, the kinds a unit issues for itself (its own return's 退回说明).
UNIT_FROM_TICKET = ("return_explanation",)
_executor_lock = threading.Lock()


def _actor() -> Actor:
    return Actor.of_user(current_user())


def _unit_of(a: Actor) -> int | None:
    """The unit a unit user issues for; None for the office (and for anyone else)."""
    return a.unit_id if a.role is not None and a.role.is_unit else None


def _issue_kinds(a: Actor) -> tuple[str, ...]:
    if a.role in docs.ISSUE_ROLES:
        return FROM_TICKET
    return UNIT_FROM_TICKET if _unit_of(a) is not None else ()


def office_defaults(app: Flask) -> dict:
    """The heading texts on documents (office, short name, city, hotline, measures), as configured at app start."""
    return docs.heading()


def _date(name: str) -> date | None:
    try:
        return date.fromisoformat((request.values.get(name) or "").strip())
    except ValueError:
        return None


def _int(name: str) -> int | None:
    value = (request.values.get(name) or "").strip()
    return int(value) if value.isdigit() else None


def _filters() -> dict:
    """The archive filters of this request, shape-checked: unknown values are dropped."""
    kind = request.values.get("kind") or None
    status = request.values.get("status") or None
    return {"kind": kind if kind in {k.code for k in KINDS} else None,
            "number": (request.values.get("number") or "").strip()[:60] or None,
            "date_from": _date("date_from"), "date_to": _date("date_to"), "unit_id": _int("unit_id"),
            "ticket_no": (request.values.get("ticket_no") or "").strip()[:32] or None,
            "status": status if status in docs.STATUS_LABELS else None}


def _query_args(filters: dict) -> dict:
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in filters.items() if v}


def _presets() -> list[tuple[str, dict]]:
    """Shortcuts for the usual print runs: this week's supervision notices, this month's proposals."""
    today = now().astimezone(TZ).date()
    monday = today - timedelta(days=today.weekday())
    first = today.replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    week = {"date_from": monday.isoformat(), "date_to": (monday + timedelta(days=6)).isoformat()}
    month = {"date_from": first.isoformat(), "date_to": last.isoformat()}
    return [("本周督办通知单", {"kind": "supervision_notice", **week}),
            ("本月责任追究建议书", {"kind": "accountability_proposal", **month}),
            ("本月全部公文", month)]


def _pdf_response(pdf: bytes, name: str, etag: str | None = None) -> Response:
    resp = Response(pdf, mimetype="application/pdf")
    ascii_name = "".join(c if c.isascii() and c.isalnum() else "_" for c in name) or "document"
    resp.headers["Content-Disposition"] = f"inline; filename=\"{ascii_name}.pdf\"; filename*=UTF-8''{quote(name)}.pdf"
    resp.headers["Cache-Control"] = "private, no-cache"
    if etag:
        resp.set_etag(etag)
    return resp


# --- Archive ---------------------------------------------------------------------------------------------------------

@bp.get("")
@login_required
def index():
    a = _actor()
    filters = _filters()
    page = max(1, request.args.get("page", 1, type=int) or 1)
    try:
        rows, total = docs.search_documents(db.session, a, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE, **filters)
    except ServiceError as exc:
        flash(exc.message_zh, "error")
        rows, total = [], 0
    return render_template(
        "docstore/index.html", rows=rows, total=total, page=page, pages=max(1, (total - 1) // PAGE_SIZE + 1),
        filters=filters, args=_query_args(filters), kinds=KINDS, units=docs.archive_units(db.session, a),
        statuses=docs.STATUS_LABELS, presets=_presets(), may_issue=a.role in docs.ISSUE_ROLES,
        unit_issue=a.role not in docs.ISSUE_ROLES and _unit_of(a) is not None,
        issue_kinds=[get_kind(code) for code in FROM_TICKET], batches=batches.list_batches(db.session, a, limit=5))


@bp.get("/<int:doc_id>")
@login_required
def show(doc_id: int):
    a = _actor()
    doc = docs.document_view(db.session, a, doc_id)
    ticket_url = None
    if doc["ticket_id"] and "tickets.show" in current_app.view_functions:
        ticket_url = url_for("tickets.show", ticket_id=doc["ticket_id"])
    return render_template("docstore/show.html", d=doc, ticket_url=ticket_url,
                           may_void=a.role in docs.VOID_ROLES and doc["status"] == "issued")


@bp.get("/<int:doc_id>/pdf")
@login_required
def download(doc_id: int):
    """The stored PDF exactly as issued, shown inline."""
    doc, pdf = docs.document_pdf(db.session, _actor(), doc_id)
    return _pdf_response(pdf, doc.number, doc.sha256)


@bp.post("/<int:doc_id>/void")
@login_required
def void(doc_id: int):
    try:
        with transaction(db.session):
            doc = docs.void_document(db.session, _actor(), doc_id, request.form.get("reason", ""), now())
    except ServiceError as exc:
        if exc.status in (403, 404):
            raise
        flash(exc.message_zh, "error")
    else:
        flash(f"公文{doc.number}已作废，原文仍保留在档案中", "ok")
    return redirect(url_for(".show", doc_id=doc_id))


@bp.get("/returns")
@login_required
def returns():
    """A ticket's returns, each with its own 退回说明 (issued, or a button to issue it); a unit sees its own."""
    a = _actor()
    number = (request.args.get("ticket_no") or "").strip()[:32]
    if UNIT_FROM_TICKET[0] not in _issue_kinds(a):
        return redirect(url_for(".index"))
    rows, ticket = [], None
    if number:
        try:
            ticket = queries.find_by_number(db.session, a, number)
            rows = joint.ticket_returns(db.session, ticket.id, _unit_of(a))
        except ServiceError as exc:
            flash(exc.message_zh, "error")
    ticket_url = url_for("tickets.show", ticket_id=ticket.id) \
        if ticket is not None and "tickets.show" in current_app.view_functions else None
    return render_template("docstore/returns.html", number=number, ticket=ticket, rows=rows, ticket_url=ticket_url,
                           own_unit=_unit_of(a) is not None and a.role not in docs.ISSUE_ROLES)


def _return_options(a: Actor, ticket_id: int) -> dict | None:
    """Which return a 退回说明 is for: the one asked for (第几次退回), else the only one; None when there is a
    choice to make. A unit chooses among its own returns only."""
    rows = joint.ticket_returns(db.session, ticket_id, _unit_of(a))
    asked = _int("return_no")
    if asked is not None:
        rows = [r for r in rows if r["no"] == asked]
    if not rows:
        raise Invalid("本单位没有退回该工单，不能出具退回说明" if _unit_of(a) is not None and asked is None
                      else "该工单没有这次退回，不能出具退回说明", f"ticket {ticket_id}: no return {asked}")
    return {"assignment_id": rows[0]["assignment_id"]} if len(rows) == 1 else None


@bp.post("/issue")
@login_required
def issue():
    """Issue a ticket's 工单办理单, 不予受理告知, 退回说明 (of one return), 延期申请审批单, 重办通知, 联合审定纪要 or
    拟办意见 by its ticket number; a unit issues the 退回说明 of its own return."""
    a = _actor()
    kind = request.form.get("kind") or ""
    number = (request.form.get("ticket_no") or "").strip()[:32]
    try:
        if kind not in FROM_TICKET:
            raise Invalid("请选择要出具的公文种类", f"issue from archive with kind {kind!r}")
        if kind not in _issue_kinds(a):
            raise Invalid("您无权出具该公文", f"{a.label} may not issue {kind} from the archive")
        if not number:
            raise Invalid("请填写工单编号", "issue from archive without a ticket number")
        with transaction(db.session):
            ticket = queries.find_by_number(db.session, a, number)
            options = _return_options(a, ticket.id) if kind == "return_explanation" else {}
            if options is None:
                flash("该工单有多次退回，请选择要出具退回说明的那一次退回", "info")
                return redirect(url_for(".returns", ticket_no=ticket.number))
            gathered = facts.for_ticket(db.session, kind, ticket.id, **options)
            doc = docs.issue(db.session, gathered, a, now(), office_defaults(current_app))
    except ServiceError as exc:
        flash(exc.message_zh, "error")
        back = ".returns" if request.form.get("from") == "returns" else ".index"
        return redirect(url_for(back, ticket_no=number or None))
    flash(f"已出具{get_kind(doc.kind).title}（{doc.number}）", "ok")
    return redirect(url_for(".show", doc_id=doc.id))


# --- Batch printing --------------------------------------------------------------------------------------------------

def _executor(app: Flask) -> ThreadPoolExecutor:
    with _executor_lock:
        pool = app.extensions.get("docs_archive.executor")
        if pool is None:
            pool = ThreadPoolExecutor(max_workers=int(app.config.get("DOCUMENT_BATCH_WORKERS", 2)),
                                      thread_name_prefix="print-batch")
            app.extensions["docs_archive.executor"] = pool
    return pool


def start_batch(app: Flask, batch_id: int):
    """Lay a committed batch out in a background thread with its own sessions; returns the future."""
    factory = session_factory(db.engine)
    clock = app.config["CLOCK"]

    def work() -> str | None:
        with app.app_context():
            return batches.run_batch(factory, batch_id, clock)

    return _executor(app).submit(work)


@bp.post("/batches")
@login_required
def batch_new():
    a = _actor()
    filters = _filters()
    filters.pop("status")
    try:
        with transaction(db.session):
            batch = batches.request_batch(db.session, a, now(), **filters)
    except ServiceError as exc:
        flash(exc.message_zh, "error")
        return redirect(url_for(".index", **_query_args(filters)))
    start_batch(current_app._get_current_object(), batch.id)
    return redirect(url_for(".batch_page", batch_id=batch.id))


@bp.get("/batches")
@login_required
def batch_list():
    return render_template("docstore/batches.html", rows=batches.list_batches(db.session, _actor(), limit=100))


@bp.get("/batches/<int:batch_id>")
@login_required
def batch_page(batch_id: int):
    batch = batches.get_batch(db.session, _actor(), batch_id)
    return render_template("docstore/batch.html", b=batches.batch_progress(batch), created_at=batch.created_at,
                           requested_by=batch.requested_by)


@bp.get("/batches/<int:batch_id>/progress")
@login_required
def batch_progress(batch_id: int):
    """Progress as JSON for the page's script: status, done, total, the Chinese error, the PDF's address."""
    data = batches.batch_progress(batches.get_batch(db.session, _actor(), batch_id))
    data["pdf_url"] = url_for(".batch_download", batch_id=batch_id) if data["status"] == "done" else None
    resp = jsonify(data)
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.get("/batches/<int:batch_id>/pdf")
@login_required
def batch_download(batch_id: int):
    batch, pdf = batches.batch_pdf(db.session, _actor(), batch_id)
    return _pdf_response(pdf, f"批量打印{batch.id}", batch.sha256)
