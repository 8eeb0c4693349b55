"""Public pages, no sign-in: submit a 诉求 online, track it by number and query code, evaluate it online."""
from __future__ import annotations

import logging

from flask import Blueprint, redirect, render_template, session, url_for

from engine.attachments import SLOT_FIELDS
from engine.common import Actor, Invalid, NotFound, transaction
from engine.tickets import complete_task, queries, register
from forms import CitizenEvaluateForm, CitizenSubmitForm, TrackForm

from ..attachments.files import uploads_from_request, with_grants
from ..extensions import db
from ..security import TooManyAttempts, citizen_lookup, now
from .failed import keep_failure

bp = Blueprint("citizen", __name__, url_prefix="/public")
log = logging.getLogger("hotline.web")


@bp.route("/submit", methods=["GET", "POST"])
def submit():
    form = CitizenSubmitForm()
    message, status, upload_errors = None, 200, {}
    if form.validate_on_submit():
        try:
            with transaction(db.session):
                ticket, code, _step = register(db.session, Actor.citizen(), form.to_command(), now(),
                                               uploads=_citizen_files())
        except Invalid as exc:
            upload_errors, message = _refusal(form, exc)
        except Exception as exc:  # noqa: BLE001 - the engine refused: the citizen's request must not be lost
            log.exception("online submission failed in the engine")
            keep_failure("public", Actor.citizen(), exc)
            message = ("系统暂时无法受理网上提交，您填写的内容仍在本页，并已报告热线办。"
                       "请稍后重新提交，或拨打12345热线反映")
            status = 503
        else:
            session["submitted"] = {"number": ticket.number, "code": code}
            return redirect(url_for("citizen.submitted"))
    if form.errors or message:
        status, message = (status if status != 200 else 400), message or "提交的信息有误，请按提示修改"
    return render_template("tickets/public_submit.html", form=form, message=message,
                           upload_errors=upload_errors), status


def _citizen_files():
    """The citizen's photos and papers, with the place they chose to give (photos' own GPS is never kept)."""
    return uploads_from_request(("file",), public_choice=False, location=True)


def _refusal(form, exc: Invalid) -> tuple[dict, str]:
    """The refused files' messages (shown by the upload inputs) and the page's message."""
    upload_errors = {k: v for k, v in exc.fields.items() if k in SLOT_FIELDS.values()}
    rest = form.add_errors({k: v for k, v in exc.fields.items() if k not in upload_errors})
    return upload_errors, "；".join([exc.message_zh, *rest])


def _shown(found: dict | None) -> dict | None:
    """The lookup with links to the citizen's own files and the published ones, good for this visit."""
    if found is not None:
        with_grants(found["attachments"], ticket_id=found["ticket_id"])
    return found


@bp.get("/submitted")
def submitted():
    shown = session.pop("submitted", None)
    if not shown:
        return redirect(url_for("citizen.track"))
    return render_template("tickets/public_submitted.html", **shown)


def _evaluate_form(found: dict, number: str, code: str) -> CitizenEvaluateForm:
    form = CitizenEvaluateForm(formdata=None, number=number, code=code)
    if not found["needs_handling_rating"]:
        form.drop_handling()
    return form


@bp.route("/track", methods=["GET", "POST"])
def track():
    form = TrackForm()
    found = evaluate = None
    message, status = None, 200
    if form.validate_on_submit():
        try:
            found = citizen_lookup(form.number.data, form.code.data)
        except (NotFound, TooManyAttempts) as exc:
            message, status = exc.message_zh, exc.status
        else:
            if found["can_evaluate"]:
                evaluate = _evaluate_form(found, form.number.data, form.code.data)
    elif form.errors:
        status = 400
    return render_template("tickets/public_track.html", form=form, found=_shown(found), evaluate=evaluate,
                           message=message), status


@bp.post("/evaluate")
def evaluate():
    form = CitizenEvaluateForm()
    track_form = TrackForm(formdata=None, number=form.number.data, code=form.code.data)
    # The form carries the number and query code of the look-up that showed it, checked again here: a right pair is
    # no guess and is not counted; a wrong one counts like a wrong look-up.
    found = citizen_lookup(form.number.data or "", form.code.data or "")
    if not found["needs_handling_rating"]:
        form.drop_handling()
    message, upload_errors = None, {}
    if not found["can_evaluate"]:
        message = "该工单当前不在评价阶段"
    elif form.validate():
        try:
            with transaction(db.session):
                complete_task(db.session, Actor.citizen(), found["ticket_id"], "evaluate", form.to_command(), now(),
                              uploads=_citizen_files())
        except Invalid as exc:
            upload_errors, message = _refusal(form, exc)
        else:
            found = queries.citizen_lookup(db.session, form.number.data, form.code.data, now())
            return render_template("tickets/public_track.html", form=track_form, found=_shown(found), evaluate=None,
                                   message=None, thanks=True)
    message = message or "请完成评价后再提交"
    return render_template("tickets/public_track.html", form=track_form, found=_shown(found),
                           evaluate=form if found["can_evaluate"] else None, message=message,
                           upload_errors=upload_errors), 400
