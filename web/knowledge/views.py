"""Knowledge-base pages (Art. 8(1), 25, 26(2)): search, entries and their versions, a unit's own entries of every
status, edits by the owning unit's 信息采编员 (other units' editors propose edit requests), and the gaps and errors
the office flags on an entry or a category, with their correction notices.

An entry that is not published (draft, withdrawn, expired) and its versions are shown only to the owning unit's
users and the office (``kb_pages.readable_entry``); published entries to everyone signed in."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from engine.common import Invalid, NotFound, ServiceError, transaction
from engine.docstore import ISSUE_ROLES
from engine.domain.roles import Role
from engine.knowledge import changes as kb_changes
from engine.knowledge import entries as knowledge
from engine.knowledge import flags as knowledge_flags
from engine.knowledge import pages as kb_pages
from engine.knowledge import search as kb_search
from engine.models import KnowledgeEditRequest, KnowledgeEntry, Unit
from engine.tickets import pages
from forms.knowledge import (
    FIELD_LABELS,
    CategoryFlagForm,
    DecideForm,
    EditEntryForm,
    FixForm,
    FlagForm,
    NewEntryForm,
    NoticeForm,
    StatusForm,
)

from ..common import actor, role, roles_required
from ..extensions import db
from ..security import login_required, now

bp = Blueprint("kb", __name__, url_prefix="/kb")

FLAG_ROLES = (Role.REVIEWER, Role.SUPERVISOR, Role.ADMIN)  # the office's roles that flag gaps and errors
APPROVERS = (Role.REVIEWER, Role.ADMIN)
OFFICE_VIEW = tuple(r for r in Role if r.is_office)
NOTICE_ROLES = tuple(r for r in OFFICE_VIEW if r in ISSUE_ROLES)  # the office's roles that issue documents
MINE_PAGE = 50


def _units() -> dict[int, str]:
    return dict(db.session.execute(select(Unit.id, Unit.name)).all())


def _entry(entry_id: int) -> KnowledgeEntry:
    """The entry, if the signed-in user may read it (404 unknown, 403 not published and not the unit's or office's)."""
    return kb_pages.readable_entry(db.session, actor(), entry_id)


def _owner(entry: KnowledgeEntry) -> bool:
    a = actor()
    return a.role == Role.KB_EDITOR and a.unit_id == entry.unit_id


def _list_label(r: Role | None) -> str | None:
    """The link to /kb/mine: the unit's editor lists its own entries, the office any unit's."""
    return "本单位知识条目" if r == Role.KB_EDITOR else "各单位知识条目" if r in OFFICE_VIEW else None


def _refusal(form, exc: ServiceError) -> tuple[str | None, int]:
    """Put a service's field messages next to the fields; return the page message and the status."""
    rest = form.add_errors(exc.fields) if isinstance(exc, Invalid) else []
    shown = isinstance(exc, Invalid) and exc.fields and not rest
    message = "提交的信息有误，请按提示修改" if shown else exc.message_zh
    return message, exc.status


# -- search ---------------------------------------------------------------------------------------------------------

@bp.get("")
@login_required
def search():
    q = (request.args.get("q") or "").strip()[:200]
    hits = kb_search.search(db.session, q, limit=20, now=now()) if q else []
    r = role()
    return render_template("knowledge/search.html", q=q, hits=hits, units=_units(),
                           may_create=r == Role.KB_EDITOR,
                           list_label=_list_label(r))


# -- a unit's own entries -------------------------------------------------------------------------------------------

@bp.get("/mine")
@roles_required(Role.KB_EDITOR, *OFFICE_VIEW)
def mine():
    """The unit's entries of every status, newest change first; the office picks the unit (``?unit=``)."""
    a = actor()
    office = a.role.is_office
    raw = request.args.get("unit", "")
    unit = int(raw) if raw.isdigit() and len(raw) < 10 else None
    if not office:
        unit = unit or a.unit_id
    status = request.args.get("status") or None
    status = status if status in knowledge.STATUSES else None
    page = min(max(1, request.args.get("page", 1, type=int) or 1), 100_000)
    rows, total, counts = [], 0, {}
    if unit is not None:
        rows, total, counts = kb_pages.unit_entries(db.session, a, unit, status=status, limit=MINE_PAGE,
                                                    offset=(page - 1) * MINE_PAGE)
    return render_template(
        "knowledge/mine.html", rows=rows, total=total, counts=counts, unit=unit, unit_name=_units().get(unit),
        status=status, page=page, pages=max(1, (total - 1) // MINE_PAGE + 1), labels=knowledge.STATUS_LABELS,
        office=office, unit_choices=kb_pages.units_with_entries(db.session) if office else [],
        args={"unit": unit if office else None, "status": status})


# -- one entry ------------------------------------------------------------------------------------------------------

def _pending(entry: KnowledgeEntry) -> list[dict]:
    """The entry's pending edit requests as the approver reads them: each field by its Chinese name, what changes
    (old → new, the text's difference marked), who asked, when and why; the decision form only for those who may
    decide (not the requester)."""
    a = actor()
    rows = db.session.scalars(select(KnowledgeEditRequest).where(
        KnowledgeEditRequest.entry_id == entry.id, KnowledgeEditRequest.status == "pending")
        .order_by(KnowledgeEditRequest.id))
    return [{"req": req, "fields": kb_changes.request_changes(entry, req), "stale": kb_changes.stale(entry, req),
             "mine": knowledge.is_requester(a, req), "may_decide": knowledge.may_decide(a, entry, req)}
            for req in rows]


def _render_entry(entry_id: int, forms: dict | None = None, message: str | None = None, status: int = 200):
    entry = _entry(entry_id)
    r = role()
    owner = _owner(entry)
    forms = forms or {"status": StatusForm(prefix="s"), "flag": FlagForm(prefix="f"), "decide": DecideForm(prefix="d")}
    return render_template(
        "knowledge/entry.html", entry=entry, unit=_units().get(entry.unit_id, "—"), units=_units(),
        status_label=knowledge.STATUS_LABELS.get(entry.status, entry.status),
        versions=knowledge.versions(db.session, entry.id), pending=_pending(entry), forms=forms, message=message,
        may_edit=r == Role.KB_EDITOR or r in APPROVERS, owner=owner, may_flag=r in FLAG_ROLES,
        field_labels=FIELD_LABELS, labels=knowledge.STATUS_LABELS), status


@bp.get("/<int:entry_id>")
@login_required
def entry(entry_id: int):
    return _render_entry(entry_id)


@bp.get("/<int:entry_id>/versions/<int:version>")
@login_required
def version(entry_id: int, version: int):
    """One saved version as it was: title, content, basis, dates, keywords, who saved it and when."""
    entry, v = kb_pages.entry_version(db.session, actor(), entry_id, version)
    return render_template("knowledge/version.html", entry=entry, v=v, unit=_units().get(entry.unit_id, "—"),
                           labels=knowledge.STATUS_LABELS)


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
    return render_template("knowledge/edit.html", form=form, entry=None, message=message), status


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
    return render_template("knowledge/edit.html", form=form, entry=entry, owner=owner, message=message), status


# -- flags ------------------------------------------------------------------------------------------------------------

def _category_form(form: CategoryFlagForm | None = None) -> CategoryFlagForm:
    form = form or CategoryFlagForm(prefix="c")
    form.set_choices([c["name"] for c in pages.categories(db.session)],
                     [(u["id"], u["name"]) for u in pages.handling_units(db.session)])
    return form


def _render_flags(forms: dict[int, FixForm] | None = None, message: str | None = None, status: int = 200,
                  category_form: CategoryFlagForm | None = None):
    """The open flags by deadline (``?show=fixed``: the fixed ones, newest fix first) with their notices; the unit's
    信息采编员 fixes its own, the office flags a category and prints correction notices."""
    a = actor()
    fixed = request.args.get("show") == "fixed"
    rows, titles, notices = kb_pages.flag_list(db.session, a, fixed=fixed)
    forms = forms or {}
    closing = a.role in APPROVERS  # the office closes a flag raised by mistake, saying why
    for f in rows:
        mine = a.role == Role.KB_EDITOR and f.unit_id == a.unit_id
        if not fixed and (mine or closing) and f.id not in forms:
            forms[f.id] = FixForm(prefix=f"x{f.id}")
    may_flag = a.role in FLAG_ROLES
    return render_template(
        "knowledge/flags.html", rows=rows, titles=titles, units=_units(), forms=forms, fixed=fixed, notices=notices,
        kinds=knowledge_flags.FLAG_KINDS, message=message, may_print=a.role in NOTICE_ROLES, closing=closing,
        category_form=_category_form(category_form) if may_flag else None,
        list_label=_list_label(a.role)), status


@bp.get("/flags")
@roles_required(Role.KB_EDITOR, *OFFICE_VIEW)
def flags():
    return _render_flags()


@bp.post("/flags")
@roles_required(*FLAG_ROLES)
def flag_category():
    """Flag a gap or an error on a whole category, for the unit chosen or the category's responsible unit."""
    form = _category_form()
    if not form.validate_on_submit():
        return _render_flags(message="提交的信息有误，请按提示修改", status=400, category_form=form)
    try:
        with transaction(db.session):
            knowledge_flags.flag(db.session, actor(), now=now(), **form.to_command())
    except ServiceError as exc:
        message, status = _refusal(form, exc)
        return _render_flags(message=message, status=status, category_form=form)
    flash("已提出知识库纠错，责任单位须在5个工作日内修正", "ok")
    return redirect(url_for("kb.flags"))


@bp.post("/flags/<int:flag_id>/fix")
@roles_required(Role.KB_EDITOR, *APPROVERS)
def fix(flag_id: int):
    form = FixForm(prefix=f"x{flag_id}")
    if form.validate_on_submit():
        try:
            with transaction(db.session):
                knowledge_flags.fix_flag(db.session, actor(), flag_id, form.note.data, now())
        except ServiceError as exc:
            message, status = _refusal(form, exc)
            return _render_flags({flag_id: form}, message, status)
        flash("已关闭该纠错" if role() in APPROVERS else "已提交修正", "ok")
        return redirect(url_for("kb.flags"))
    return _render_flags({flag_id: form}, None, 400)


@bp.post("/flags/<int:flag_id>/notice")
@roles_required(*NOTICE_ROLES)
def notice(flag_id: int):
    """出具知识库纠错通知 for a flag (open or fixed); a second one while a live notice exists is refused."""
    form = NoticeForm(prefix="n")
    if not form.validate_on_submit():
        return _render_flags(message="页面已过期，请刷新后重新提交", status=400)
    try:
        with transaction(db.session):
            doc = knowledge_flags.print_correction_notice(db.session, actor(), flag_id, now())
            number = doc.number
    except ServiceError as exc:
        if exc.status in (403, 404):
            raise
        return _render_flags(message=exc.message_zh, status=exc.status)
    flash(f"已出具知识库纠错通知（{number}），可在本条记录中查看或下载", "ok")
    return redirect(url_for("kb.flags", show="fixed" if request.args.get("show") == "fixed" else None)
                    + f"#flag-{flag_id}")
