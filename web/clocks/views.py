"""Office pages for the clocks: 发送记录 (every notice and its delivery) and the working-day calendar admin."""
from __future__ import annotations

from datetime import datetime, timedelta
from functools import wraps

from flask import Blueprint, flash, redirect, render_template, request, url_for

from engine.calendar_seed import parse_year_notice
from engine.db import transaction
from engine.domain.calendar import TZ
from engine.domain.roles import OFFICE_ROLES, Role
from engine.services import Actor, Invalid, notify
from engine.services import calendar_admin as admin
from engine.services.errors import Forbidden

from .extensions import db
from .security import current_user, login_required, now

bp = Blueprint("notices", __name__, url_prefix="/admin")

CALENDAR_ROLES = frozenset({Role.ADMIN, Role.PROCESS_OWNER})
MAX_NOTICE_BYTES = 200_000


def _allowed(roles):
    def deco(view):
        @login_required
        @wraps(view)
        def wrapped(*args, **kwargs):
            user = current_user()
            if Role(user.role) not in roles:
                raise Forbidden("您的角色无权访问此页面", f"role {user.role} refused on {request.path}")
            return view(*args, **kwargs)
        return wrapped
    return deco


def local_time(value: datetime | None) -> str:
    return value.astimezone(TZ).strftime("%Y-%m-%d %H:%M") if value else ""


def local_end(value: datetime | None) -> str:
    """A deadline at 00:00 is the end of the day before: written 24:00."""
    if value is None:
        return ""
    local = value.astimezone(TZ)
    if (local.hour, local.minute, local.second) == (0, 0, 0):
        return f"{local - timedelta(days=1):%Y-%m-%d} 24:00"
    return f"{local:%Y-%m-%d %H:%M}"


@bp.get("/notices")
@_allowed(OFFICE_ROLES)
def outbox():
    status = request.args.get("status") or None
    rows = notify.outbox_page(db.session, status=status, limit=200)
    for r in rows:
        r["created"], r["sent"], r["next"] = (local_time(r["created_at"]), local_time(r["sent_at"]),
                                              local_time(r["next_attempt_at"]))
    return render_template("notices/outbox.html", rows=rows, counts=notify.outbox_counts(db.session),
                           status=status, labels=notify.STATUS_LABELS)


@bp.post("/notices/<int:outbox_id>/resend")
@_allowed(OFFICE_ROLES)
def resend(outbox_id: int):
    with transaction(db.session):
        row = notify.send_again(db.session, outbox_id, Actor.of_user(current_user()), now())
    flash(f"已重新排队发送至 {row.recipient}，稍后由定时任务发出", "ok")
    return redirect(url_for("notices.outbox", status=request.args.get("status") or None))


@bp.get("/calendar")
@_allowed(CALENDAR_ROLES)
def calendar_page():
    this_year = now().astimezone(TZ).year
    try:
        year = int(request.args.get("year") or this_year)
    except ValueError:
        year = this_year
    year = min(max(year, 2000), 2100)
    count, provisional = admin.provisional_tickets(db.session, limit=50)
    for t in provisional:
        t["due_text"] = local_end(t["due"])
    view = admin.year_view(db.session, year)
    view["entered_text"] = local_time(view["entered_at"])
    return render_template("notices/calendar.html", view=view, years=admin.entered_years(db.session),
                           provisional=provisional, provisional_count=count, next_year=this_year + 1)


@bp.post("/calendar/import")
@_allowed(CALENDAR_ROLES)
def calendar_import():
    upload = request.files.get("notice")
    raw = upload.read(MAX_NOTICE_BYTES + 1) if upload else b""
    year_text = (request.form.get("year") or "").strip()
    try:
        if not raw:
            raise Invalid("请选择节假日安排文件", "calendar import without a file")
        if len(raw) > MAX_NOTICE_BYTES:
            raise Invalid("文件过大，节假日安排文件不应超过200KB", "calendar import file too large")
        if not year_text.isdigit():
            raise Invalid("请填写年份", f"calendar import with year {year_text!r}")
        year = int(year_text)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("gb18030", errors="strict")
        try:
            days = parse_year_notice(text, year)
        except ValueError as exc:
            raise Invalid(f"节假日文件有误：{exc}", f"calendar import refused: {exc}") from None
    except (Invalid, UnicodeDecodeError) as exc:
        message = exc.message_zh if isinstance(exc, Invalid) else "无法识别文件编码，请另存为 UTF-8 文本后重试"
        flash(message, "error")
        return redirect(url_for("notices.calendar_page", year=year_text if year_text.isdigit() else None))
    name = (upload.filename or "上传文件")[-40:]
    with transaction(db.session):
        result = admin.import_year(db.session, year, days, f"国务院通知（{name}）", Actor.of_user(current_user()),
                                   now())
    admin.refresh_shared_calendar(db.session)
    flash(f"已录入{year}年节假日安排：放假 {result.off_days} 天，调休上班 {result.on_days} 天；"
          f"检查在办工单 {result.checked} 件，时限变动并已重算 {len(result.moved)} 件；"
          f"知识库纠错时限重算 {len(result.flags_moved)} 项。", "ok")
    return redirect(url_for("notices.calendar_page", year=year))
