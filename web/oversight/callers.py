"""来电人档案 and 恶意来电标记 (Art. 27, Art. 6(9)): the office opens a caller's record by phone number, flags them,
a second office user confirms, a flag is lifted with a reason, and a 移送函 goes to the police from its evidence.

Phone numbers travel in form bodies, never in URLs (addresses end up in logs); a flag's page is reached by its id.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from engine.common import Conflict, Invalid, transaction
from engine.oversight import callers
from forms.tickets.callers import CallerLookupForm, FlagForm, LiftFlagForm, ReferralForm

from ..common import actor, roles_required
from ..extensions import db
from ..security import now

bp = Blueprint("callers", __name__, url_prefix="/callers")
ROLES = tuple(callers.FLAG_ROLES)


def _record_page(phone: str, *, flag_form: FlagForm | None = None, flag: dict | None = None, message=None,
                 status: int = 200, lift_form: LiftFlagForm | None = None, referral_form: ReferralForm | None = None):
    with transaction(db.session):  # the view is audited
        record = callers.caller_record(db.session, actor(), phone, now())
    flag_form = flag_form or FlagForm(formdata=None)
    flag_form.set_tickets(record["tickets"])
    return render_template("oversight/caller.html", lookup=CallerLookupForm(formdata=None, phone=phone),
                           record=record, flag_form=flag_form, flag=flag, message=message,
                           lift_form=lift_form or LiftFlagForm(formdata=None),
                           referral_form=referral_form or ReferralForm(formdata=None),
                           me=actor().user_id), status


@bp.route("", methods=["GET", "POST"])
@roles_required(*ROLES)
def lookup():
    form = CallerLookupForm()
    if request.method == "POST" and form.validate():
        try:
            phone = callers.phone_of(form.phone.data)
        except Invalid as exc:
            form.add_errors(exc.fields)
        except Conflict as exc:  # the number already has an open flag of this kind: shown, nothing written
            return _record_page(phone, flag_form=form, message=exc.message_zh, status=409)
        else:
            return _record_page(phone)
    with transaction(db.session):
        flags = callers.flag_list(db.session, actor(), now())
    status = 400 if request.method == "POST" else 200
    return render_template("oversight/callers.html", lookup=form, flags=flags), status


@bp.post("/flags")
@roles_required(*ROLES)
def propose():
    phone = callers.phone_of(request.form.get("phone"))
    form = FlagForm()
    with transaction(db.session):
        form.set_tickets(callers.caller_record(db.session, actor(), phone, now())["tickets"])
    if form.validate():
        try:
            with transaction(db.session):
                flag = callers.propose_flag(db.session, actor(), {**form.to_command(), "phone": phone}, now())
        except Invalid as exc:
            form.add_errors(exc.fields)
        except Conflict as exc:  # the number already has an open flag of this kind: shown, nothing written
            return _record_page(phone, flag_form=form, message=exc.message_zh, status=409)
        else:
            flash("已提交标记，须由另一名热线办工作人员复核确认后生效", "ok")
            return redirect(url_for("callers.show", flag_id=flag.id))
    return _record_page(phone, flag_form=form, message="提交的信息有误，请按提示修改", status=400)


@bp.get("/flags/<int:flag_id>")
@roles_required(*ROLES)
def show(flag_id: int):
    flag = callers.get_flag(db.session, actor(), flag_id)
    return _record_page(flag.phone, flag=callers.flag_view(db.session, flag, now()))


def _act(flag_id: int, do, done, *, forms: dict | None = None, to=None):
    """Run one change on a flag, then go to the flag's page (or ``to(result)``); a refusal shows the flag's page
    again with the reason and nothing written."""
    try:
        with transaction(db.session):
            result = do()
    except (Invalid, Conflict) as exc:
        db.session.rollback()
        for form in (forms or {}).values():
            form.add_errors(getattr(exc, "fields", None) or {})
        flag = callers.get_flag(db.session, actor(), flag_id)
        page, _ = _record_page(flag.phone, flag=callers.flag_view(db.session, flag, now()), message=exc.message_zh,
                               **(forms or {}))
        return page, 409 if isinstance(exc, Conflict) else 400
    flash(done(result) if callable(done) else done, "ok")
    return redirect(to(result) if to else url_for("callers.show", flag_id=flag_id))


@bp.post("/flags/<int:flag_id>/confirm")
@roles_required(*ROLES)
def confirm(flag_id: int):
    return _act(flag_id, lambda: callers.confirm_flag(db.session, actor(), flag_id, now()), "已复核确认，标记生效")


@bp.post("/flags/<int:flag_id>/lift")
@roles_required(*ROLES)
def lift(flag_id: int):
    form = LiftFlagForm()
    return _act(flag_id, lambda: callers.lift_flag(db.session, actor(), flag_id, form.reason.data, now()),
                "已解除标记", forms={"lift_form": form})


@bp.post("/flags/<int:flag_id>/referral")
@roles_required(*ROLES)
def referral(flag_id: int):
    form = ReferralForm()
    return _act(flag_id, lambda: callers.refer_to_police(db.session, actor(), flag_id, form.to_command(), now()),
                lambda doc: f"已出具移送函 {doc.number}", forms={"referral_form": form},
                to=lambda doc: url_for("docs_archive.show", doc_id=doc.id))
