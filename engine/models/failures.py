"""Submissions the engine could not complete, kept so that no citizen's request is lost."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class FailedSubmission(Base):
    """A submission the engine could not complete (a broken diagram, a failed start): what was typed is kept here so
    the request is not lost, and the office sees it in 登记失败 until someone registers it again."""

    __tablename__ = "failed_submission"
    __table_args__ = (
        CheckConstraint("kind IN ('intake', 'public', 'task')", name="kind"),
        CheckConstraint("status IN ('open', 'resolved')", name="status"),
        Index("ix_failed_submission_status_at", "status", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # intake (agent) | public (citizen online) | task (a ticket's task)
    at: Mapped[datetime]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    actor_label: Mapped[str] = mapped_column(String(120))
    ticket_id: Mapped[int | None] = mapped_column(Integer)  # the ticket of a failed task (no FK: kept if it goes)
    task: Mapped[str | None] = mapped_column(String(80))  # the task's BPMN id
    data: Mapped[dict]  # the form as submitted, CSRF token removed
    error_zh: Mapped[str] = mapped_column(Text)
    error_en: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="open")
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    resolved_ticket_id: Mapped[int | None] = mapped_column(Integer)  # the ticket registered from it
