"""The 发送记录 page's queries: notices newest first, a page at a time, with Chinese names for everything shown."""
from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.models import Outbox, Ticket

from .outbox import KIND_LABELS, ROLE_LABELS, STATUS_LABELS

#: Every gateway name the drain can record in ``delivered_by`` (``Gateway.name``): outbox.py's DevGateway and
#: HttpGateway (SMS and voice), emergency.py's DevEmergencyGateway and HttpEmergencyGateway.
GATEWAY_LABELS = {
    "dev": "开发网关（未实际发送）",
    "http": "短信网关",
    "voice-http": "语音电话网关",
    "dev-110": "开发联动网关（未实际发送）",
    "http-110": "紧急专线联动平台",
}
OTHER_GATEWAY = "其他通道"
NO_GATEWAY = "no gateway configured for "  # deliver()'s error for a kind without a gateway
PAGE_SIZE = 50
MAX_PAGE = 100_000


def gateway_label(name: str | None) -> str:
    """The Chinese name of a gateway recorded on a notice; an unknown one (an adapter added later) is 其他通道."""
    return GATEWAY_LABELS.get(name or "", OTHER_GATEWAY)


_HTTP_STATUS = re.compile(r"HTTP (\d{3})\b ?(.*)", re.S)
_NO_ANSWER = re.compile(r"no answer within ([\d.]+)s$")


def error_text(error: str | None) -> tuple[str, str] | None:
    """A gateway's error as stored (``"<gateway>: <detail>"``, engine/notices/outbox.py) said in Chinese, with the
    gateway named: (what the page shows, the provider's own words or an empty string). The provider's answer is
    an outside system's text, often English; the page keeps it out of the row and offers it on hover."""
    if not error:
        return None
    if error.startswith(NO_GATEWAY):
        kind = error[len(NO_GATEWAY):]
        return f"未配置{KIND_LABELS.get(kind, '')}发送通道", ""
    name, sep, detail = error.partition(": ")
    if not sep or name not in GATEWAY_LABELS:
        return "发送失败", error
    return f"{GATEWAY_LABELS[name]}：{_failure(detail)}", detail


def _failure(detail: str) -> str:
    """What went wrong, in Chinese, from the detail an HTTP gateway records."""
    if found := _NO_ANSWER.match(detail):
        return f"对方 {found.group(1)} 秒内未应答"
    if not (found := _HTTP_STATUS.match(detail)):
        return "无法连接对方服务"
    code = int(found.group(1))
    if code in (401, 403):
        return f"对方拒绝了本平台的身份认证（状态码 {code}），请核对网关令牌"
    if code == 429:
        return f"对方限制发送频率（状态码 {code}）"
    if code >= 500:
        return f"对方服务暂不可用（状态码 {code}）"
    return f"对方未接受该消息（状态码 {code}）"


def outbox_counts(session: Session) -> dict[str, int]:
    """Return how many notices are pending, sent and failed."""
    counts = dict(session.execute(select(Outbox.status, func.count()).group_by(Outbox.status)).all())
    return {s: int(counts.get(s, 0)) for s in STATUS_LABELS}


def page_bounds(requested: int | None, total: int, size: int = PAGE_SIZE) -> tuple[int, int]:
    """(page, pages) for a requested page number: missing, zero or negative is page 1, past the end the last page."""
    pages = max(1, (total + size - 1) // size)
    return min(max(1, requested or 1), pages, MAX_PAGE), pages


def outbox_page(session: Session, *, status: str | None = None, limit: int = PAGE_SIZE, offset: int = 0
                ) -> list[dict[str, Any]]:
    """Return notices for the 发送记录 page, newest first, as plain dicts."""
    q = (select(Outbox, Ticket.number).outerjoin(Ticket, Ticket.id == Outbox.ticket_id)
         .order_by(Outbox.id.desc()).limit(limit).offset(max(0, offset)))
    if status in STATUS_LABELS:
        q = q.where(Outbox.status == status)
    return [{"id": r.id, "ticket_id": r.ticket_id, "ticket_number": number, "kind": r.kind,
             "kind_label": KIND_LABELS[r.kind],
             "recipient": r.recipient, "recipient_name": r.recipient_name,
             "recipient_role_label": ROLE_LABELS.get(r.recipient_role or "", r.recipient_role or ""),
             "template": r.template, "text": r.text, "status": r.status, "status_label": STATUS_LABELS[r.status],
             "attempts": r.attempts, "next_attempt_at": r.next_attempt_at, "last_error": error_text(r.last_error),
             "sent_at": r.sent_at, "delivered_by": r.delivered_by,
             "delivered_label": gateway_label(r.delivered_by) if r.delivered_by else None,
             "created_at": r.created_at}
            for r, number in session.execute(q)]
