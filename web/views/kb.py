"""Knowledge-base pages (Art. 8(1), 25, 26(2)): search, entries and their versions, edits by the owning unit's
信息采编员 (other units' editors propose edit requests), and the gaps and errors the office flags."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from engine.db import transaction
from engine.domain.roles import Role
from engine.models import KnowledgeEditRequest, KnowledgeEntry, KnowledgeFlag, Unit
from engine.services import kb_search, knowledge, knowledge_flags
from engine.services.errors import Invalid, NotFound, ServiceError
from forms.kb import DecideForm, EditEntryForm, FixForm, FlagForm, NewEntryForm, StatusForm

from ..extensions import db
from ..security import login_required, now
from .common import actor, role, roles_required

bp = Blueprint("kb", __name__, url_prefix="/kb")

FLAG_ROLES = (Role.REVIEWER, Role.SUPERVISOR, Role.ADMIN)  # the office's roles that flag gaps and errors
APPROVERS = (Role.REVIEWER, Role.ADMIN)
OFFICE_VIEW = tuple(r for r in Role if r.is_office)


def _units() -> dict[int, str]:
    return dict(db.session.execute(select(Unit.id, Unit.name)).all())


def _entry(entry_id: int) -> KnowledgeEntry:
    entry = db.session.get(KnowledgeEntry, entry_id)
    if entry is None:
        raise NotFound("知识条目不存在", f"kb entry {entry_id} not found")
    return entry


def _owner(entry: KnowledgeEntry) -> bool:
    a = actor()
    return a.role == Role.KB_EDITOR and a.unit_id == entry.unit_id


def _refusal(form, exc: ServiceError) -> tuple[str | None, int]:
    """Put a service's field messages next to the fields; return the page message and the status."""
    rest = form.add_errors(exc.fields) if isinstance(exc, Invalid) else []
    shown = isinstance(exc, Invalid) and exc.fields and not rest
    message = "提交的信息有误，请修改后重试" if shown else exc.message_zh
    return message, exc.status


# -- search ---------------------------------------------------------------------------------------------------------

@bp.get("")
@login_required
def search():
    q = (request.args.get("q") or "").strip()[:200]
    hits = kb_search.search(db.session, q, limit=20) if q else []
    return render_template("kb/search.html", q=q, hits=hits, units=_units(),
                           may_create=role() == Role.KB_EDITOR)


# -- one entry ------------------------------------------------------------------------------------------------------

def _render_entry(entry_id: int, forms: dict | None = None, message: str | None = None, status: int = 200):
    entry = _entry(entry_id)
    r = role()
    owner = _owner(entry)
    pending = list(db.session.scalars(select(KnowledgeEditRequest).where(
        KnowledgeEditRequest.entry_id == entry.id, KnowledgeEditRequest.status == "pending")
        .order_by(KnowledgeEditRequest.id)))
    forms = forms or {"status": StatusForm(prefix="s"), "flag": FlagForm(prefix="f"), "decide": DecideForm(prefix="d")}
    return render_template(
        "kb/entry.html", entry=entry, unit=_units().get(entry.unit_id, "—"),
        status_label=knowledge.STATUS_LABELS.get(entry.status, entry.status),
        versions=knowledge.versions(db.session, entry.id), pending=pending, forms=forms, message=message,
        may_edit=r == Role.KB_EDITOR or r in APPROVERS, owner=owner, may_flag=r in FLAG_ROLES,
        may_decide=owner or r in APPROVERS, labels=knowledge.STATUS_LABELS), status


@bp.get("/<int:entry_id>")
@login_required
def entry(entry_id: int):
    return _render_entry(entry_id)


def _act(entry_id: int, key: str, call, done: str, target=None):
    forms = {"status": StatusForm(prefix="s"), "flag": FlagForm(prefix="f"), "decide": DecideForm(prefix="d")}
    form = forms[key]
    if not form.validate_on_submit():
        return _render_entry(entry_id, forms, None, 400)
    try:
        with transaction(db.session):
            call(form.to_command())
    except ServiceError as exc:
        message, status = _refusal(form, exc)
        return _render_entry(entry_id, forms, message, status)
    flash(done, "ok")
    return redirect(target or url_for("kb.entry", entry_id=entry_id))


@bp.post("/<int:entry_id>/status")
@roles_required(Role.KB_EDITOR)
def change_status(entry_id: int):
    return _act(entry_id, "status", lambda d: knowledge.change_status(db.session, actor(), entry_id, d["action"],
                                                                       now()), "条目状态已更新")


@bp.post("/<int:entry_id>/flag")
@roles_required(*FLAG_ROLES)
def flag(entry_id: int):
    return _act(entry_id, "flag", lambda d: knowledge_flags.flag(db.session, actor(), entry_id=entry_id, now=now(),
                                                                 **d),
                "已提出知识库纠错，责任单位须在5个工作日内修正", url_for("kb.flags"))


@bp.post("/<int:entry_id>/requests/<int:request_id>")
@roles_required(Role.KB_EDITOR, *APPROVERS)
def decide(entry_id: int, request_id: int):
    req = db.session.get(KnowledgeEditRequest, request_id)
    if req is None or req.entry_id != entry_id:
        raise NotFound("修改申请不存在", f"kb edit request {request_id} not on entry {entry_id}")
    return _act(entry_id, "decide", lambda d: knowledge.decide_edit_request(db.session, actor(), request_id,
                                                                            d["approve"], now(), reason=d["reason"]),
                "修改申请已处理")


# -- new and edit ---------------------------------------------------------------------------------------------------

@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.KB_EDITOR)
def new():
    form = NewEntryForm()
    message, status = None, 200
    if form.validate_on_submit():
        try:
            with transaction(db.session):
                made = knowledge.create_entry(db.session, actor(), form.to_command(), now(),
                                              publish=form.publish.data == "publish")
                entry_id = made.id
        except ServiceError as exc:
            message, status = _refusal(form, exc)
        else:
            flash("知识条目已保存", "ok")
            return redirect(url_for("kb.entry", entry_id=entry_id))
    elif form.is_submitted():
        status = 400
    return render_template("kb/edit.html", form=form, entry=None, message=message), status


@bp.route("/<int:entry_id>/edit", methods=["GET", "POST"])
@roles_required(Role.KB_EDITOR, *APPROVERS)
def edit(entry_id: int):
    entry = _entry(entry_id)
    owner = _owner(entry)
    form = EditEntryForm(obj=None if request.method == "POST" else entry)
    if request.method == "GET":
        form.keywords.data = "，".join(entry.keywords or [])
        form.effective_date.data = entry.effective_date.isoformat() if entry.effective_date else ""
        form.expiry_date.data = entry.expiry_date.isoformat() if entry.expiry_date else ""
        form.reason.data = ""
    message, status = None, 200
    if form.validate_on_submit():
        try:
            with transaction(db.session):
                result = knowledge.edit_entry(db.session, actor(), entry_id, form.to_command(), now(),
                                              reason=form.reason.data or None)
                proposed = isinstance(result, KnowledgeEditRequest)
        except ServiceError as exc:
            message, status = _refusal(form, exc)
        else:
            flash("已提交修改申请，待条目所属单位的信息采编员或热线办审批" if proposed else "已保存为新版本", "ok")
            return redirect(url_for("kb.entry", entry_id=entry_id))
    elif form.is_submitted():
        status = 400
    entry = _entry(entry_id)
    return render_template("kb/edit.html", form=form, entry=entry, owner=owner, message=message), status


# -- flags ------------------------------------------------------------------------------------------------------------

def _render_flags(forms: dict[int, FixForm] | None = None, message: str | None = None, status: int = 200):
    a = actor()
    q = (select(KnowledgeFlag).where(KnowledgeFlag.fixed_at.is_(None))
         .order_by(KnowledgeFlag.due_at, KnowledgeFlag.id).limit(500))
    if a.role == Role.KB_EDITOR:
        q = q.where(KnowledgeFlag.unit_id == a.unit_id)
    rows = list(db.session.scalars(q))
    ids = [f.entry_id for f in rows if f.entry_id]
    titles = dict(db.session.execute(select(KnowledgeEntry.id, KnowledgeEntry.title)
                                     .where(KnowledgeEntry.id.in_(ids))).all()) if ids else {}
    forms = forms or {}
    for f in rows:
        if a.role == Role.KB_EDITOR and f.unit_id == a.unit_id and f.id not in forms:
            forms[f.id] = FixForm(prefix=f"x{f.id}")
    return render_template("kb/flags.html", rows=rows, titles=titles, units=_units(), forms=forms,
                           kinds=knowledge_flags.FLAG_KINDS, message=message), status


@bp.get("/flags")
@roles_required(Role.KB_EDITOR, *OFFICE_VIEW)
def flags():
    return _render_flags()


@bp.post("/flags/<int:flag_id>/fix")
@roles_required(Role.KB_EDITOR)
def fix(flag_id: int):
    form = FixForm(prefix=f"x{flag_id}")
    if form.validate_on_submit():
        try:
            with transaction(db.session):
                knowledge_flags.fix_flag(db.session, actor(), flag_id, form.note.data, now())
        except ServiceError as exc:
            message, status = _refusal(form, exc)
            return _render_flags({flag_id: form}, message, status)
        flash("已提交修正", "ok")
        return redirect(url_for("kb.flags"))
    return _render_flags({flag_id: form}, None, 400)
