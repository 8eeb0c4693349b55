"""Side processes of a ticket: extension requests, joint reviews, supervisions, accountability cases."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class ExtensionRequest(Base):
    """A unit's request for more working days (Art. 10(5), 13): one per ticket, decided by the office."""

    __tablename__ = "extension_request"
    __table_args__ = (
        CheckConstraint("days >= 1", name="days"),
        CheckConstraint("decision IS NULL OR decision IN ('approve', 'deny')", name="decision"),
        CheckConstraint("decision IS NULL OR decision_reason IS NOT NULL", name="decision_reason"),
        UniqueConstraint("ticket_id", name="uq_extension_request_once"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    days: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    requested_at: Mapped[datetime]
    due_before: Mapped[datetime | None]
    decision: Mapped[str | None] = mapped_column(String(10))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    decided_at: Mapped[datetime | None]
    due_after: Mapped[datetime | None]


class JointReview(Base):
    """One joint review (联合审定, Art. 8(4)) of a ticket: meeting, consultations, decision, escalation."""

    __tablename__ = "joint_review"
    __table_args__ = (CheckConstraint("outcome IS NULL OR outcome IN ('settled', 'escalate', 'city')",
                                      name="outcome"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    trigger: Mapped[str] = mapped_column(String(20))  # second_return | dispatcher | disputed_return
    opened_at: Mapped[datetime]
    # Why the matter is disputed: the dispatcher's reason (a second return's reasons are on the assignments).
    reason: Mapped[str | None] = mapped_column(Text)
    participants: Mapped[str | None] = mapped_column(Text)
    meeting_date: Mapped[str | None] = mapped_column(String(20))
    minutes: Mapped[str | None] = mapped_column(Text)
    consult_units: Mapped[list | None]
    consult_due: Mapped[datetime | None]
    opinions: Mapped[list | None]  # [{unit_id, unit, opinion, at}]
    outcome: Mapped[str | None] = mapped_column(String(10))
    lead_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    co_unit_ids: Mapped[list | None]
    decision_text: Mapped[str | None] = mapped_column(Text)
    proposal: Mapped[str | None] = mapped_column(Text)
    city_decision: Mapped[str | None] = mapped_column(Text)
    city_decided_by: Mapped[str | None] = mapped_column(String(120))
    decided_at: Mapped[datetime | None]


class Supervision(Base):
    """One supervision (督办, Art. 18) of a ticket, run as its own small process instance; repeatable."""

    __tablename__ = "supervision"
    __table_args__ = (
        CheckConstraint("reason IN ('leader_instruction', 'red_card', 'repeated', 'supervisor')", name="reason"),
        CheckConstraint("status IN ('open', 'closed')", name="status"),
        CheckConstraint("reason <> 'leader_instruction' OR (instruction IS NOT NULL AND instructed_by IS NOT NULL)",
                        name="instruction"),
        Index("ix_supervision_status_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    reason: Mapped[str] = mapped_column(String(20))
    instruction: Mapped[str | None] = mapped_column(Text)
    instructed_by: Mapped[str | None] = mapped_column(String(120))
    note: Mapped[str | None] = mapped_column(Text)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    opened_at: Mapped[datetime]
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(10), default="open")
    reply_text: Mapped[str | None] = mapped_column(Text)
    written_explanation: Mapped[str | None] = mapped_column(Text)
    replied_at: Mapped[datetime | None]
    replied_late: Mapped[bool] = mapped_column(Boolean, default=False)
    # Every answer and its check, oldest first, kept for the record when the supervisor sends an answer back:
    # [{reply_text, written_explanation, replied_at, replied_by, late, document, decision, opinion, checked_at,
    #   checked_by}]; reply_text / written_explanation above are the latest answer.
    rounds: Mapped[list | None]
    overdue_flagged_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    process_version_id: Mapped[int] = mapped_column(ForeignKey("process_version.id"))
    workflow_state: Mapped[str] = mapped_column(Text)
    notice_document_id: Mapped[int | None] = mapped_column(ForeignKey("issued_document.id"))
    explanation_document_id: Mapped[int | None] = mapped_column(ForeignKey("issued_document.id"))


class AccountabilityCase(Base):
    """A candidate or proposal for accountability (责任追究, Art. 19), always reviewed by a person."""

    __tablename__ = "accountability_case"
    __table_args__ = (
        CheckConstraint("situation BETWEEN 1 AND 10", name="situation"),
        CheckConstraint("status IN ('candidate', 'confirmed', 'dismissed', 'proposed', 'concluded')", name="status"),
        CheckConstraint("status <> 'dismissed' OR review_reason IS NOT NULL", name="dismiss_reason"),
        UniqueConstraint("situation", "source_key", name="uq_accountability_case_source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    situation: Mapped[int] = mapped_column(Integer)
    source_key: Mapped[str] = mapped_column(String(120))  # what the candidate rests on, for idempotent detection
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    ticket_ids: Mapped[list]
    facts: Mapped[list]  # Chinese sentences, each a fact the case rests on
    detected_by: Mapped[str] = mapped_column(String(20))  # system | supervisor
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(12), default="candidate")
    review_reason: Mapped[str | None] = mapped_column(Text)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    reviewed_at: Mapped[datetime | None]
    proposed_to: Mapped[str | None] = mapped_column(String(60))
    document_id: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str | None] = mapped_column(Text)
    outcome_at: Mapped[datetime | None]
