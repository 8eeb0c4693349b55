"""Oversight pages of the office: supervisions (督办, Art. 18) and accountability cases (责任追究, Art. 19)."""
from __future__ import annotations

import re

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import case as sql_case
from sqlalchemy import select

from engine.common import Invalid, NotFound, transaction
from engine.domain.roles import Role
from engine.models import AccountabilityCase, Supervision, Ticket, Unit, User
from engine.oversight import REASON_LABELS, evidence, open_supervision
from engine.oversight import accountability as acc
from engine.tickets import pages
from forms.base import blank, options
from forms.oversight import (
    CaseForm,
    ConfirmCaseForm,
    DismissCaseForm,
    OutcomeForm,
    ProposeForm,
    SupervisionForm,
)

from ..common import OVERSIGHT_ROLES, actor, fmt_due, role, roles_required
from ..extensions import db
from ..security import now

bp = Blueprint("oversight", __name__, url_prefix="/oversight")

CASE_ROLES = (Role.SUPERVISOR, Role.ADMIN)
STATUS_LABELS = {"candidate": "待审核线索", "confirmed": "已确认", "proposed": "已提出追责建议", "concluded": "已办结",
                 "dismissed": "不予追责"}
CASE_PAGE = 50
NUMBER_SPLIT = re.compile(r"[\s,，、;；]+")


# -- supervision -------------------------------------------------------------------------------------------------

@bp.get("/supervisions")
@roles_required(*OVERSIGHT_ROLES)
def supervisions():
    current = now()
    q = (select(Supervision, Ticket.number, Unit.name).join(Ticket, Ticket.id == Supervision.ticket_id)
         .join(Unit, Unit.id == Supervision.unit_id)
         # Open ones first, the most urgent at the top; then the closed ones, the latest closed first.
         .order_by(sql_case((Supervision.status == "open", 0), else_=1),
                   sql_case((Supervision.status == "open", Supervision.due_at)), Supervision.closed_at.desc(),
                   Supervision.id.desc())
         .limit(500))
    rows = []
    for sup, number, unit in db.session.execute(q).all():
        overdue = bool(sup.overdue_flagged_at or sup.replied_late
                       or (sup.status == "open" and sup.replied_at is None and sup.due_at <= current))
        rows.append({"s": sup, "number": number, "unit": unit, "reason": REASON_LABELS.get(sup.reason, sup.reason),
                     "overdue": overdue, "status": "督办中" if sup.status == "open" else "已办结"})
    return render_template("oversight/supervisions.html", rows=rows)


@bp.route("/supervisions/new", methods=["GET", "POST"])
@roles_required(*OVERSIGHT_ROLES)
def new_supervision():
    form = SupervisionForm()
    if role() == Role.CITY_LEADER:  # a city leader supervises by instruction only
        form.reason.choices = [c for c in form.reason.choices if c.value == "leader_instruction"]
    message = None
    if form.validate_on_submit():
        ticket_id = db.session.scalar(select(Ticket.id).where(Ticket.number == form.ticket_number.data))
        if ticket_id is None:
            form.ticket_number.errors = [*form.ticket_number.errors, "未找到该编号的工单"]
        else:
            try:
                with transaction(db.session):
                    sup = open_supervision(db.session, actor(), ticket_id, now=now(), **form.to_command())
                    number = form.ticket_number.data
                    due = sup.due_at
            except Invalid as exc:
                rest = form.add_errors(exc.fields)
                message = exc.message_zh if rest or not exc.fields else "提交的信息有误，请按提示修改"
            else:
                flash(f"工单{number}已列入督办，答复期限{fmt_due(due)}", "ok")
                return redirect(url_for("oversight.supervisions"))
    status = 400 if form.errors or message else 200
    return render_template("oversight/supervision_new.html", form=form, message=message), status


# -- accountability ----------------------------------------------------------------------------------------------

def _case_row(c: AccountabilityCase, units: dict[int, str], numbers: dict[int, str]) -> dict:
    tickets = [(tid, numbers[tid]) for tid in c.ticket_ids or [] if tid in numbers]
    return {"c": c, "situation": acc.SITUATIONS.get(c.situation, str(c.situation)),
            "unit": units.get(c.unit_id, "—"), "status": STATUS_LABELS.get(c.status, c.status), "tickets": tickets,
            "title": evidence.case_title(c.situation, [n for _, n in tickets], units.get(c.unit_id))}


def _lookups(cases: list[AccountabilityCase]) -> tuple[dict, dict]:
    unit_ids = {c.unit_id for c in cases if c.unit_id}
    ticket_ids = {tid for c in cases for tid in c.ticket_ids or []}
    units = dict(db.session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(unit_ids))).all()) if unit_ids \
        else {}
    numbers = dict(db.session.execute(select(Ticket.id, Ticket.number).where(Ticket.id.in_(ticket_ids))).all()) \
        if ticket_ids else {}
    return units, numbers


def _case_filters() -> dict:
    """The list's filters of this request, shape-checked: unknown values are dropped."""
    def number(name: str) -> int | None:
        value = (request.args.get(name) or "").strip()
        return int(value) if value.isdigit() and len(value) < 10 else None

    status = request.args.get("status") or None
    situation = number("situation")
    return {"status": status if status in STATUS_LABELS else None,
            "situation": situation if situation in acc.SITUATIONS else None, "unit_id": number("unit_id")}


@bp.get("/accountability")
@roles_required(*OVERSIGHT_ROLES)
def cases():
    filters = _case_filters()
    page = min(max(1, request.args.get("page", 1, type=int) or 1), 100_000)
    found, total, counts = acc.list_cases(db.session, **filters, limit=CASE_PAGE, offset=(page - 1) * CASE_PAGE)
    units, numbers = _lookups(found)
    args = {k: v for k, v in filters.items() if v}
    return render_template(
        "oversight/cases.html", rows=[_case_row(c, units, numbers) for c in found], total=total, counts=counts,
        page=page, pages=max(1, (total - 1) // CASE_PAGE + 1), filters=filters, args=args,
        keep={k: v for k, v in args.items() if k != "status"},
        status_label=STATUS_LABELS.get(filters["status"] or "", ""),
        statuses=[(s, STATUS_LABELS[s]) for s in acc.STATUS_ORDER], situations=acc.SITUATIONS,
        units=acc.case_units(db.session), page_size=CASE_PAGE, may_act=role() in CASE_ROLES)


@bp.post("/accountability/detect")
@roles_required(*CASE_ROLES)
def detect():
    with transaction(db.session):
        made = acc.detect_candidates(db.session, now())
    flash(f"检测完成，新发现{made}条责任追究线索" if made else "检测完成，未发现新的责任追究线索", "ok")
    return redirect(url_for("oversight.cases"))


def _case_form() -> CaseForm:
    form = CaseForm()
    manual = [(str(n), f"（{n}）{acc.SITUATIONS[n]}") for n in acc.MANUAL]
    others = [(str(n), f"（{n}）{label}") for n, label in acc.SITUATIONS.items() if n not in acc.MANUAL]
    form.situation.choices = [blank(), *options(manual, "需人工认定的情形"), *options(others, "其他情形")]
    return form


@bp.route("/accountability/new", methods=["GET", "POST"])
@roles_required(*CASE_ROLES)
def new_case():
    form = _case_form()
    units = pages.handling_units(db.session)
    message = None
    valid = form.validate_on_submit()
    if form.is_submitted() and form.unit_id.data is None and not form.unit_id.errors:
        form.unit_id.errors = [*form.unit_id.errors, "请选择单位"]
    if valid and not form.unit_id.errors:
        numbers = [n for n in NUMBER_SPLIT.split(form.ticket_numbers.data or "") if n]
        found = dict(db.session.execute(select(Ticket.number, Ticket.id).where(Ticket.number.in_(numbers))).all()) \
            if numbers else {}
        missing = [n for n in numbers if n not in found]
        if missing:
            form.ticket_numbers.errors = [*form.ticket_numbers.errors, f"工单不存在：{'、'.join(missing)}"]
        else:
            data = form.to_command()
            try:
                with transaction(db.session):
                    case = acc.add_case(db.session, actor(), data["situation"], data["unit_id"], data["facts"], now(),
                                        ticket_ids=list(dict.fromkeys(found[n] for n in numbers)))
                    case_id = case.id
            except Invalid as exc:
                rest = form.add_errors(exc.fields)
                message = exc.message_zh if rest or not exc.fields else None
            else:
                flash("责任追究线索已登记，待审核", "ok")
                return redirect(url_for("oversight.case_page", case_id=case_id))
    status = 400 if form.errors or message else 200
    return render_template("oversight/case_new.html", form=form, units=units, message=message), status


def _forms() -> dict:
    propose = ProposeForm(prefix="p")
    propose.proposed_to.choices = [blank(), *options((b, b) for b in acc.PROPOSE_TO)]
    return {"confirm": ConfirmCaseForm(prefix="c"), "dismiss": DismissCaseForm(prefix="d"), "propose": propose,
            "outcome": OutcomeForm(prefix="o")}


def _render_case(case_id: int, forms: dict | None = None, message: str | None = None, status: int = 200):
    case = db.session.get(AccountabilityCase, case_id)
    if case is None:
        raise NotFound("责任追究线索不存在", f"accountability case {case_id} not found")
    units, numbers = _lookups([case])
    names = dict(db.session.execute(select(User.id, User.display_name)
                                    .where(User.id.in_([i for i in (case.created_by_id, case.reviewed_by_id) if i])))
                 .all())
    doc_url = None
    if case.document_id and "docs_archive.show" in current_app.view_functions:
        doc_url = url_for("docs_archive.show", doc_id=case.document_id)
    return render_template("oversight/case.html", row=_case_row(case, units, numbers), forms=forms or _forms(),
                           may_act=role() in CASE_ROLES, doc_url=doc_url, names=names, message=message,
                           evidence=evidence.case_evidence(db.session, case, actor(), now())), status


@bp.get("/accountability/<int:case_id>")
@roles_required(*OVERSIGHT_ROLES)
def case_page(case_id: int):
    return _render_case(case_id)


def _act(case_id: int, key: str, call, done: str):
    """Validate one of the case page's forms, call the service, and go back to the case page or show errors."""
    forms = _forms()
    form = forms[key]
    if form.validate_on_submit():
        try:
            with transaction(db.session):
                call(form.to_command())
        except Invalid as exc:
            rest = form.add_errors(exc.fields)
            return _render_case(case_id, forms, exc.message_zh if rest or not exc.fields else None, 400)
        flash(done, "ok")
        return redirect(url_for("oversight.case_page", case_id=case_id))
    return _render_case(case_id, forms, None, 400)


@bp.post("/accountability/<int:case_id>/confirm")
@roles_required(*CASE_ROLES)
def confirm(case_id: int):
    return _act(case_id, "confirm", lambda d: acc.review_case(db.session, actor(), case_id, True, now(),
                                                              extra_facts=d["extra_facts"]), "已确认追责线索")


@bp.post("/accountability/<int:case_id>/dismiss")
@roles_required(*CASE_ROLES)
def dismiss(case_id: int):
    return _act(case_id, "dismiss", lambda d: acc.review_case(db.session, actor(), case_id, False, now(),
                                                              reason=d["reason"]), "已决定不予追责")


@bp.post("/accountability/<int:case_id>/propose")
@roles_required(*CASE_ROLES)
def propose(case_id: int):
    return _act(case_id, "propose", lambda d: acc.propose(db.session, actor(), case_id, d["proposed_to"],
                                                          d["proposal"], now()), "责任追究建议书已生成")


@bp.post("/accountability/<int:case_id>/outcome")
@roles_required(*CASE_ROLES)
def outcome(case_id: int):
    return _act(case_id, "outcome", lambda d: acc.record_outcome(db.session, actor(), case_id, d["outcome"], now()),
                "处理结果已登记")
