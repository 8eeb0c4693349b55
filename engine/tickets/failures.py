"""Submissions the engine could not complete (登记失败): kept with what was typed, listed for the office, resolved
when someone registers the request again.

A citizen's call must not be lost because a diagram is broken or the workflow cannot start: the intake page (and
the public submit page, and a ticket's task page) records the failure here in its own transaction, after the failed
one rolled back, and the system administrators and process owners are told by SMS through the outbox.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.common import Actor, NotFound, iso
from engine.domain.roles import Role
from engine.models import FailedSubmission, Ticket, User
from engine.notices import enqueue, sign

KIND_LABELS = {"intake": "话务员登记", "public": "网上提交", "task": "工单办理"}
# Who is told: those who can fix the cause (a diagram, the deployment) and see that nobody's request is lost.
ALERT_ROLES = (Role.ADMIN.value, Role.PROCESS_OWNER.value)
# Never kept: the form's own token and the buttons.
DROPPED_KEYS = {"csrf_token", "op"}


def record_failure(session: Session, kind: str, actor: Actor, data: dict, error_zh: str, error_en: str,
                   now: datetime, *, ticket_id: int | None = None, task: str | None = None,
                   office: str | None = None) -> FailedSubmission:
    """Keep a failed submission and alert the office; flush, the caller commits."""
    kept = {k: v for k, v in data.items() if k not in DROPPED_KEYS}
    office = office or sign(session)
    row = FailedSubmission(kind=kind, at=now, user_id=actor.user_id, actor_label=actor.label, ticket_id=ticket_id,
                           task=task, data=kept, error_zh=error_zh, error_en=error_en[:4000], status="open")
    session.add(row)
    session.flush()
    what = KIND_LABELS[kind] + (f"（工单{_number(session, ticket_id)}）" if ticket_id else "")
    for name, phone in session.execute(select(User.display_name, User.phone).where(
            User.role.in_(ALERT_ROLES), User.active.is_(True), User.phone.is_not(None)).order_by(User.id)):
        enqueue(session, kind="sms", recipient=phone, template="failure.alert", recipient_name=name,
                recipient_role="office", dedupe_key=f"failure:{row.id}:{phone}", now=now,
                text=f"【{office}】{what}未能完成：{error_zh}。填写的内容已保存在“登记失败”清单（第{row.id}号），"
                     f"请尽快检查流程并补登。")
    return row


def _number(session: Session, ticket_id: int | None) -> str:
    return session.scalar(select(Ticket.number).where(Ticket.id == ticket_id)) or str(ticket_id)


def open_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(FailedSubmission)
                          .where(FailedSubmission.status == "open")) or 0


def failures(session: Session, *, status: str = "open", limit: int = 200) -> list[dict]:
    """Failed submissions, newest first, for the office's list."""
    rows = session.scalars(select(FailedSubmission).where(FailedSubmission.status == status)
                           .order_by(FailedSubmission.at.desc(), FailedSubmission.id.desc()).limit(limit)).all()
    numbers = dict(session.execute(select(Ticket.id, Ticket.number).where(Ticket.id.in_(
        {i for r in rows for i in (r.ticket_id, r.resolved_ticket_id) if i}))).all())
    return [{"id": r.id, "kind": r.kind, "kind_label": KIND_LABELS.get(r.kind, r.kind), "at": iso(r.at),
             "actor": r.actor_label, "data": r.data or {}, "error": r.error_zh, "ticket_id": r.ticket_id,
             "ticket_number": numbers.get(r.ticket_id), "task": r.task, "status": r.status,
             "resolved_at": iso(r.resolved_at), "resolved_ticket_id": r.resolved_ticket_id,
             "resolved_ticket_number": numbers.get(r.resolved_ticket_id)} for r in rows]


def get_failure(session: Session, failure_id: int) -> FailedSubmission:
    """:raises NotFound: no such failed submission."""
    row = session.get(FailedSubmission, failure_id)
    if row is None:
        raise NotFound("该登记失败记录不存在", f"failed submission {failure_id} not found")
    return row


def resolve(session: Session, actor: Actor, failure_id: int, now: datetime, ticket_id: int | None = None) -> None:
    """Mark a failed submission handled (registered again as ``ticket_id``, or dealt with otherwise)."""
    row = get_failure(session, failure_id)
    if row.status == "resolved":
        return
    row.status, row.resolved_at, row.resolved_by_id, row.resolved_ticket_id = "resolved", now, actor.user_id, ticket_id
