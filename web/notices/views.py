"""发送记录: every notice the outbox holds, its delivery attempts and failures, and sending one again."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from engine.common import Actor, transaction
from engine.domain.roles import OFFICE_ROLES
from engine.notices import listing
from engine.notices import outbox as notify

from ..clocks.views import local_time
from ..common import roles_required
from ..extensions import db
from ..security import current_user, now

bp = Blueprint("notices", __name__, url_prefix="/admin")


@bp.get("/notices")
@roles_required(*OFFICE_ROLES)
def outbox():
    status = request.args.get("status")
    status = status if status in notify.STATUS_LABELS else None
    counts = listing.outbox_counts(db.session)
    total = counts[status] if status else sum(counts.values())
    page, pages = listing.page_bounds(request.args.get("page", type=int), total)
    rows = listing.outbox_page(db.session, status=status, limit=listing.PAGE_SIZE,
                               offset=(page - 1) * listing.PAGE_SIZE)
    for r in rows:
        r["created"], r["sent"], r["next"] = (local_time(r["created_at"]), local_time(r["sent_at"]),
                                              local_time(r["next_attempt_at"]))
    return render_template("notices/outbox.html", rows=rows, counts=counts, status=status, total=total,
                           page=page, pages=pages, size=listing.PAGE_SIZE, labels=notify.STATUS_LABELS)


@bp.post("/notices/<int:outbox_id>/resend")
@roles_required(*OFFICE_ROLES)
def resend(outbox_id: int):
    with transaction(db.session):
        row = notify.send_again(db.session, outbox_id, Actor.of_user(current_user()), now())
    flash(f"已重新排队发送至 {row.recipient}，稍后由定时任务发出", "ok")
    return redirect(url_for("notices.outbox", status=request.args.get("status") or None,
                            page=request.args.get("page", type=int)))
