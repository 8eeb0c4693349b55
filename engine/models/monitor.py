"""What the clocks produce: the notice outbox, supervision requests opened by red cards, and the job lease."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base

OUTBOX_KINDS = ("sms", "voice", "emergency")
OUTBOX_STATUSES = ("pending", "sent", "failed")


class Outbox(Base):
    """One SMS or voice call to one phone number; written in the job's transaction, sent after it commits.

    Rows are never deleted: a sent row is the delivery record, a failed row stays visible on the 发送记录 page
    until someone sends it again.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        CheckConstraint(f"kind IN ({', '.join(repr(k) for k in OUTBOX_KINDS)})", name="kind"),
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in OUTBOX_STATUSES)})", name="status"),
        CheckConstraint("attempts >= 0", name="attempts"),
        CheckConstraint("status <> 'sent' OR sent_at IS NOT NULL", name="sent_has_time"),
        # The drain job reads pending rows in due order; nothing else scans this table by status.
        Index("ix_outbox_status_next", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Tickets are never deleted in production; in tests the delivery record goes with its ticket.
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    recipient: Mapped[str] = mapped_column(String(40))  # phone number
    recipient_name: Mapped[str | None] = mapped_column(String(120))
    recipient_role: Mapped[str | None] = mapped_column(String(20))  # receiver | leader | office
    template: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict | None]
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]
    delivered_by: Mapped[str | None] = mapped_column(String(20))  # Gateway.name (engine.notices.listing.GATEWAY_LABELS)
    # One notice per ticket, clock, level, threshold instant, channel and phone: a second writer fails loudly.
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime]


class SupervisionRequest(Base):
    """A request to open supervision (督办, Art. 18(2)); the supervision process itself is a later issue."""

    __tablename__ = "supervision_request"
    __table_args__ = (
        CheckConstraint("reason IN ('red_card')", name="reason"),
        CheckConstraint("status IN ('open', 'taken', 'closed')", name="status"),
        UniqueConstraint("ticket_id", "stage", "threshold_at", name="uq_supervision_request_once"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(20))
    stage: Mapped[str] = mapped_column(String(20))  # the clock that turned red: acceptance | handling
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    threshold_at: Mapped[datetime]  # when the red card was due
    opened_at: Mapped[datetime]  # when the monitor recorded it
    status: Mapped[str] = mapped_column(String(10), default="open")


class JobLease(Base):
    """A named lease for databases without advisory locks (SQLite): one holder until ``expires_at``."""

    __tablename__ = "job_lease"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(80))
    expires_at: Mapped[datetime | None]
