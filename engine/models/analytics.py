"""Assessment weights set by the office (versioned, never changed once written) and the approved exports of
ticket-level data with their log (Art. 22, 23, 26)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base
from .ticket import Reply, Ticket


class AssessmentWeights(Base):
    """One version of the assessment weights. Only ``active`` (and who switched it) ever changes; a new set of
    weights is a new row, so a score computed under an older version can always be recomputed."""

    __tablename__ = "assessment_weights"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(20), unique=True)
    weights: Mapped[dict]  # {metric: weight}, validated by engine.domain.assessment.validate_weights
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(120))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime]
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    activated_by: Mapped[str | None] = mapped_column(String(120))
    activated_at: Mapped[datetime | None]


class ExportRequest(Base):
    """A request to export ticket-level data (who, why, period, filters, fields), decided by the office."""

    __tablename__ = "export_request"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'approved', 'refused')", name="status"),
        CheckConstraint("status <> 'refused' OR decision_note IS NOT NULL", name="refusal_reason"),
        CheckConstraint("status <> 'approved' OR valid_until IS NOT NULL", name="approval_validity"),
        CheckConstraint("NOT allow_personal OR personal_data", name="personal_granted_only_if_asked"),
        CheckConstraint("period_from < period_to", name="period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    requested_by: Mapped[str] = mapped_column(String(120))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), index=True)
    requested_at: Mapped[datetime]
    purpose: Mapped[str] = mapped_column(Text)
    period_from: Mapped[datetime]
    period_to: Mapped[datetime]
    filters: Mapped[dict]  # {"unit_id", "ticket_type", "channel", "category", "status"}: those given
    fields: Mapped[list]  # field codes, in order (engine.analytics.exports.FIELDS)
    personal_data: Mapped[bool] = mapped_column(Boolean, default=False)  # unmasked names/phones/addresses asked
    status: Mapped[str] = mapped_column(String(10), default="pending")
    decided_by: Mapped[str | None] = mapped_column(String(120))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str | None] = mapped_column(Text)
    allow_personal: Mapped[bool] = mapped_column(Boolean, default=False)
    valid_until: Mapped[datetime | None]


class ExportLog(Base):
    """Every export event: a request, a decision, a download (with its row count) or a refused download."""

    __tablename__ = "export_log"
    __table_args__ = (
        CheckConstraint("event IN ('request', 'approve', 'refuse', 'download', 'denied')", name="event"),
        Index("ix_export_log_at", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("export_request.id"), index=True)
    what: Mapped[str] = mapped_column(String(20))  # 'tickets' | 'assessment'
    event: Mapped[str] = mapped_column(String(10))
    actor: Mapped[str] = mapped_column(String(120))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    at: Mapped[datetime]
    format: Mapped[str | None] = mapped_column(String(10))
    rows: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[dict | None]


# Indexes of the year's assessment (bench/analytics.py), declared here with the feature that needs them: the
# archived tickets of a period are counted by an index-only range scan instead of reading the wide ticket rows.
Index("ix_ticket_assess_closed", Ticket.closed_at, Ticket.status, Ticket.lead_unit_id, Ticket.redo_count)
# Every period query of the dashboard, hot spots, findings and drill-down ranges over the registration time; the
# late-reply lists over the reply time.
Index("ix_ticket_created", Ticket.created_at)
Index("ix_reply_submitted", Reply.submitted_at)
