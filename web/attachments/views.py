"""Attachment pages: open a file of a ticket (staff, the citizen, the public), publish it, the office's limits, and
the log of who opened what.

Every way in checks again what the ticket page checked: a token alone opens nothing outside the reader's scope.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from engine.attachments import (
    CEILINGS,
    FORM_KEY_SLOTS,
    access,
    content,
    find_for_citizen,
    find_public,
    limits,
    log_access,
    publish,
    set_limits,
)
from engine.common import Actor, Invalid, NotFound, transaction
from engine.domain.roles import Role
from engine.tickets import attached
from forms import AttachmentLimitsForm

from ..common import PII_LOG_ROLES, actor, roles_required
from ..extensions import db
from ..security import current_user, login_required, now
from .files import citizen_ticket, href, public_url, reveal_granted, send

bp = Blueprint("attachments", __name__)
#: Tasks whose inbox entry offers 拍照上传 (straight to the task page's upload inputs): a unit's evidence.
CAMERA_FORM_KEYS = frozenset(k for k in FORM_KEY_SLOTS if k not in ("sign", "evaluate"))


@bp.app_context_processor
def _helpers() -> dict:
    """What the attachment partials call: links, the limits a form states, who may publish."""
    def may_publish(a: dict) -> bool:
        user = current_user()
        return user is not None and access.may_publish(Actor.of_user(user), a["origin"], a["unit_id"])
    return {"attachment_href": href, "attachment_public_url": public_url, "may_publish_attachment": may_publish,
            "upload_limits": lambda: limits(db.session), "camera_form_keys": CAMERA_FORM_KEYS}


def _flags() -> tuple[bool, bool]:
    return request.args.get("thumb") == "1", request.args.get("dl") == "1"


@bp.get("/attachments/<token>", endpoint="open")
@login_required
def open_file(token: str):
    """A file of a ticket the signed-in user may see; the full file's opening is logged, a thumbnail's is not (it is
    shown on a page whose own view is logged)."""
    a = actor()
    thumb, download = _flags()
    revealed = a.user_id is not None and reveal_granted(request.args.get("g"), a.user_id, token)
    with transaction(db.session):
        found = attached.open_attachment(db.session, a, token, now(), via="page", revealed=revealed, log=not thumb)
        data = content(db.session, found, thumb=thumb)
    return send(found, data, thumb=thumb, download=download)


@bp.get("/public/attachments/<token>")
def citizen_open(token: str):
    """A file shown on the citizen's tracking page: the grant proves the number and query code were checked."""
    ticket_id = citizen_ticket(request.args.get("g"), token)
    if ticket_id is None:
        raise NotFound("附件链接已失效，请重新查询办理进度", "citizen attachment link without a valid grant")
    thumb, download = _flags()
    with transaction(db.session):
        found = find_for_citizen(db.session, ticket_id, token)
        if not thumb:
            log_access(db.session, Actor.citizen(), found, "citizen", now())
        data = content(db.session, found, thumb=thumb)
    return send(found, data, thumb=thumb, download=download)


@bp.get("/media/<token>")
def media(token: str):
    """A published attachment, for anyone holding its address (the Open311 ``media_url``)."""
    thumb, download = _flags()
    found = find_public(db.session, token)
    return send(found, content(db.session, found, thumb=thumb), thumb=thumb, download=download,
                cache="public, max-age=300")


@bp.post("/attachments/<token>/publish")
@login_required
def toggle_public(token: str):
    """向诉求人公开 / 取消公开: the office for any attachment, a unit for its own."""
    public = request.form.get("public") == "1"
    with transaction(db.session):
        found = publish(db.session, actor(), token, public, now())
        ticket_id, name = found.ticket_id, found.name
    flash(f"附件「{name}」已{'公开，诉求人可在进度查询页查看' if public else '取消公开'}", "ok")
    return redirect(url_for("tickets.show", ticket_id=ticket_id) + "#files")


@bp.route("/attachments/settings", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def settings():
    """附件上限: the office sets the size per file and per ticket, and the files per step."""
    current = limits(db.session)
    form = AttachmentLimitsForm(data=None if request.method == "POST" else current.__dict__)
    status = 200
    if form.validate_on_submit():
        try:
            with transaction(db.session):
                set_limits(db.session, actor(), form.to_command(), now())
        except Invalid as exc:
            form.add_errors(exc.fields)
        else:
            flash("附件上限已保存，此后的上传按新上限检查", "ok")
            return redirect(url_for("attachments.settings"))
    if form.errors:
        status = 400
    return render_template("attachments/settings.html", form=form, current=current, ceilings=CEILINGS), status


@bp.get("/attachments/log")
@roles_required(*PII_LOG_ROLES)
def log():
    """附件查看记录: who opened which ticket's files, newest first (Art. 26)."""
    return render_template("attachments/log.html", rows=access.access_log(db.session))
