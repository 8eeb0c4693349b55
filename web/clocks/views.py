"""The working-day calendar page: a year as entered, importing a year's State Council notice, the tickets whose
deadlines are provisional until it is entered."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from engine.clocks import NoticeError, parse_year_notice
from engine.clocks import calendar_admin as admin
from engine.common import Actor, Invalid, transaction
from engine.domain.calendar import TZ
from engine.domain.roles import Role
from engine.domain.timelimits import local_end

from ..common import roles_required
from ..extensions import db
from ..security import current_user, now

bp = Blueprint("clocks", __name__, url_prefix="/admin")

CALENDAR_ROLES = frozenset({Role.ADMIN, Role.PROCESS_OWNER})
MAX_NOTICE_BYTES = 200_000


def local_time(value: datetime | None) -> str:
    return value.astimezone(TZ).strftime("%Y-%m-%d %H:%M") if value else ""


@bp.get("/calendar")
@roles_required(*CALENDAR_ROLES)
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
    return render_template("clocks/calendar.html", view=view, years=admin.entered_years(db.session),
                           provisional=provisional, provisional_count=count, next_year=this_year + 1)


@bp.post("/calendar/import")
@roles_required(*CALENDAR_ROLES)
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
        except NoticeError as exc:
            raise Invalid(f"节假日文件有误：{exc.message_zh}", f"calendar import refused: {exc.log_en}") from None
    except (Invalid, UnicodeDecodeError) as exc:
        message = exc.message_zh if isinstance(exc, Invalid) else "无法识别文件编码，请另存为 UTF-8 文本后重试"
        current_app.logger.info("%s", exc.log_en if isinstance(exc, Invalid) else "calendar import: undecodable file")
        flash(message, "error")
        return redirect(url_for("clocks.calendar_page", year=year_text if year_text.isdigit() else None))
    name = (upload.filename or "上传文件")[-40:]
    with transaction(db.session):
        result = admin.import_year(db.session, year, days, f"国务院通知（{name}）", Actor.of_user(current_user()),
                                   now())
    admin.refresh_shared_calendar(db.session)
    flash(f"已录入{year}年节假日安排：放假 {result.off_days} 天，调休上班 {result.on_days} 天；"
          f"检查在办工单 {result.checked} 件，时限变动并已重算 {len(result.moved)} 件；"
          f"知识库纠错时限重算 {len(result.flags_moved)} 项。", "ok")
    return redirect(url_for("clocks.calendar_page", year=year))
