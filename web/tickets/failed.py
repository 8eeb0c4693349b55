"""登记失败: keep a submission the engine could not complete, and the office's list of them.

Used by the intake page, the public submit page and the task page when the engine itself refuses (a broken
diagram, a workflow that cannot start): the failed transaction has rolled back, so the submission is kept in a
transaction of its own, the office is alerted by SMS, and the page is shown again with everything typed.
"""
from __future__ import annotations

import logging

from flask import Blueprint, flash, redirect, render_template, request, url_for

from engine.common import Actor, ServiceError, transaction
from engine.tickets import failures

from ..common import FAILURE_ROLES, actor, roles_required
from ..extensions import db
from ..security import now

bp = Blueprint("failures", __name__, url_prefix="/failures")
log = logging.getLogger("hotline.web")


def keep_failure(kind: str, a: Actor, exc: Exception, *, ticket_id: int | None = None,
                 task: str | None = None) -> str:
    """Record the failed submission of this request; return the Chinese message the page shows."""
    db.session.rollback()
    said = exc.message_zh if isinstance(exc, ServiceError) else "系统暂时无法完成该操作"
    try:
        with transaction(db.session):
            row = failures.record_failure(
                db.session, kind, a, request.form.to_dict(flat=True), said,
                f"{type(exc).__name__}: {getattr(exc, 'log_en', exc)}", now(), ticket_id=ticket_id, task=task)
            number = row.id
    except Exception:  # noqa: BLE001 - the page must still answer; the log holds both failures
        log.exception("could not keep the failed %s submission", kind)
        return f"{said}。您填写的内容仍在本页，请不要关闭页面，稍后重新提交，并联系系统管理员"
    return f"{said}。您填写的内容仍在本页，并已保存在“登记失败”清单（第{number}号）、报告热线办，请稍后重新提交"


@bp.get("")
@roles_required(*FAILURE_ROLES)
def index():
    status = "resolved" if request.args.get("status") == "resolved" else "open"
    return render_template("tickets/failures.html", rows=failures.failures(db.session, status=status),
                           status=status)


@bp.post("/<int:failure_id>/resolve")
@roles_required(*FAILURE_ROLES)
def resolve(failure_id: int):
    with transaction(db.session):
        failures.resolve(db.session, actor(), failure_id, now())
    flash(f"登记失败第{failure_id}号已标记为处理完毕", "ok")
    return redirect(url_for("failures.index"))
