"""What every page shares: the acting user, role checks, where each role starts, template filters."""
from __future__ import annotations

from datetime import datetime
from functools import wraps
from urllib.parse import urlsplit, urlunsplit

from flask import Flask, current_app, request, url_for

from engine.common import Actor, Forbidden
from engine.domain.calendar import TZ
from engine.domain.roles import OFFICE_ROLES, ROLE_LABELS, Role
from engine.domain.rules import refusal_clause
from engine.domain.states import METHOD_LABELS, EvaluationMethod
from engine.domain.timelimits import local_end, span_text

from .security import current_user, login_required, now

UNIT_ROLES = (Role.RECEIVER, Role.HANDLER, Role.UNIT_LEADER, Role.KB_EDITOR)
REGISTER_ROLES = (Role.AGENT, Role.ADMIN)
QUEUE_ROLES = (Role.DISPATCHER, Role.COUNTY_DISPATCHER)
PII_LOG_ROLES = (Role.REVIEWER, Role.SUPERVISOR, Role.ADMIN)
OVERSIGHT_ROLES = (Role.SUPERVISOR, Role.REVIEWER, Role.ADMIN, Role.CITY_LEADER)
# Who sees 登记失败 (submissions the engine could not complete): agents register them again, the others fix causes.
FAILURE_ROLES = (Role.AGENT, Role.ADMIN, Role.PROCESS_OWNER)
ROLE_VALUES = {r.value for r in Role}
METHOD_VALUES = {m.value for m in EvaluationMethod}

# Where each role lands after signing in, and where it returns after completing a task.
HOME = {Role.AGENT: "intake.new", Role.DISPATCHER: "queues.dispatch", Role.COUNTY_DISPATCHER: "queues.dispatch",
        Role.REVIEWER: "queues.review", Role.RECEIVER: "queues.inbox", Role.HANDLER: "queues.inbox",
        Role.UNIT_LEADER: "queues.inbox", Role.KB_EDITOR: "queues.inbox", Role.SUPERVISOR: "tickets.index",
        Role.CITY_LEADER: "tickets.index", Role.PROCESS_OWNER: "tickets.index", Role.ADMIN: "admin.users"}
AFTER_TASK = {**HOME, Role.AGENT: "views.worklist", Role.SUPERVISOR: "views.worklist",
              Role.CITY_LEADER: "views.worklist", Role.PROCESS_OWNER: "views.worklist", Role.ADMIN: "views.worklist"}


def actor() -> Actor:
    """The signed-in user as a service actor."""
    return Actor.of_user(current_user())


def role() -> Role | None:
    user = current_user()
    return Role(user.role) if user is not None else None


def home_url() -> str:
    r = role()
    return url_for(HOME[r]) if r is not None else url_for("views.login")


def after_task_url() -> str:
    return url_for(AFTER_TASK[role()])


def roles_required(*roles: Role):
    """Sign-in required; other roles get 403 with a Chinese page."""
    def deco(view):
        @login_required
        @wraps(view)
        def wrapped(*args, **kwargs):
            if role() not in roles:
                raise Forbidden("您的角色无权访问此页面", f"role {role()} refused on {request.path}")
            return view(*args, **kwargs)
        return wrapped
    return deco


#: Who merges tickets (并单) and handles 集中反映 alerts.
MERGE_ROLES = frozenset({Role.DISPATCHER, Role.REVIEWER, Role.SUPERVISOR, Role.ADMIN})
#: Who sees the office's statistics, assessment, briefs and export pages.
ANALYTICS_ROLES = frozenset({Role.DISPATCHER, Role.REVIEWER, Role.SUPERVISOR, Role.CITY_LEADER, Role.ADMIN})


def nav_items() -> list[tuple[str, str]]:
    """The top menu of the signed-in user's role: (label, url)."""
    r = role()
    if r is None:
        return []
    items = [("我的待办", url_for("views.worklist"))]
    if r in REGISTER_ROLES:
        items.insert(0, ("登记诉求", url_for("intake.new")))
    if r in QUEUE_ROLES:
        items.append(("派单队列", url_for("queues.dispatch")))
    if r in UNIT_ROLES:
        items.append(("单位收件箱", url_for("queues.inbox")))
    if r == Role.REVIEWER:
        items.append(("审核", url_for("queues.review")))
    items.append(("工单查询", url_for("tickets.index")))
    items.append(("知识库", url_for("kb.search")))
    if r in PII_LOG_ROLES:
        items += [("信息查看记录", url_for("tickets.pii_log")), ("信息查看规则", url_for("admin.privacy_policy"))]
    if r in FAILURE_ROLES:
        items.append(("登记失败", url_for("failures.index")))
    if r in OVERSIGHT_ROLES:
        items += [("督办", url_for("oversight.supervisions")), ("责任追究", url_for("oversight.cases"))]
    if r == Role.ADMIN:
        items += [("用户", url_for("admin.users")), ("接口客户端", url_for("admin.api_clients")),
                  ("单位", url_for("admin.units"))]
    # Pages other features register, shown when they are installed.
    for endpoint, label, roles in (("notices.outbox", "发送记录", OFFICE_ROLES),
                                   ("handoffs.index", "紧急专线联动", OFFICE_ROLES),
                                   ("callers.lookup", "来电人档案", {Role.AGENT, Role.DISPATCHER, Role.REVIEWER,
                                                                Role.SUPERVISOR, Role.ADMIN}),
                                   ("clocks.calendar_page", "工作日历", {Role.ADMIN, Role.PROCESS_OWNER}),
                                   ("process.index", "流程管理", {Role.ADMIN, Role.PROCESS_OWNER}),
                                   ("docs_archive.index", "公文档案", set(Role)),
                                   ("analytics.dashboard", "统计分析", ANALYTICS_ROLES),
                                   ("reports.index", "考核与导出", ANALYTICS_ROLES),
                                   ("attachments.log", "附件查看记录", set(PII_LOG_ROLES)),
                                   ("attachments.settings", "附件上限", {Role.ADMIN}),
                                   ("surges.index", "集中反映", MERGE_ROLES),
                                   ("matching.duty_units", "职责清单", {Role.DISPATCHER, Role.ADMIN}),
                                   ("matching.stats", "并单与派单统计", ANALYTICS_ROLES)):
        if r in roles and endpoint in current_app.view_functions:
            items.append((label, url_for(endpoint)))
    return items


def safe_next(target: str | None) -> str | None:
    """A same-site path to go back to after signing in, or None.

    ``target`` is parsed as a URL: anything with a scheme or a host, a control character or whitespace (browsers
    drop tabs and line breaks, so ``/%09/evil.example`` would become ``//evil.example``), or a backslash is refused.
    """
    if not isinstance(target, str) or not target.startswith("/") or len(target) > 2000:
        return None
    if any(ord(c) < 0x21 or ord(c) == 0x7F or c.isspace() or c == "\\" for c in target):
        return None
    try:
        parts = urlsplit(target)
    except ValueError:
        return None
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or parts.path.startswith("//"):
        return None
    return urlunsplit(("", "", parts.path, parts.query, parts.fragment))


def _as_local(value) -> datetime | None:
    if not value:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if value.tzinfo is None:
        return None
    return value.astimezone(TZ)


def fmt_time(value) -> str:
    """2026-11-25T02:00:00+00:00 → 2026-11-25 10:00 (Beijing time)."""
    local = _as_local(value)
    return local.strftime("%Y-%m-%d %H:%M") if local else ""


def fmt_due(value) -> str:
    """A deadline at midnight is the end of the day before: 2026-12-10 00:00 → 2026-12-09 24:00."""
    return local_end(_as_local(value))


def fmt_left(value) -> str:
    """Time left until a deadline, or how long it is overdue, in days and hours."""
    local = _as_local(value)
    if local is None:
        return ""
    seconds = (local - now()).total_seconds()
    return f"剩余{span_text(seconds)}" if seconds >= 0 else f"已超期{span_text(seconds)}"


def register_template_helpers(app: Flask) -> None:
    app.add_template_filter(fmt_time, "time")
    app.add_template_filter(fmt_due, "due")
    app.add_template_filter(fmt_left, "left")
    app.add_template_filter(lambda r: ROLE_LABELS.get(Role(r), r) if r in ROLE_VALUES else (r or ""), "rolename")
    app.add_template_filter(lambda m: METHOD_LABELS.get(EvaluationMethod(m), m) if m in METHOD_VALUES else (m or ""),
                            "method")
    app.add_template_filter(refusal_clause, "clause")  # 第六条第（七）项, as the printed notice cites it

    @app.context_processor
    def _globals():
        user = current_user()
        return {"current": user, "nav": nav_items(), "role_label": ROLE_LABELS.get(role()) if user else None}
