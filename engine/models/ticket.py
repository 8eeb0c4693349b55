"""The ticket and what hangs off it: unit assignments, replies, evaluations, projections, audit."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.domain.states import Channel, Rating, TicketStatus, TicketType

from .base import Base
from .org import Unit


def _in(col: str, enum) -> str:
    return f"{col} IN ({', '.join(repr(m.value) for m in enum)})"


# The statuses in which a ticket is with a unit (handling or co-handling), as SQL for the partial index below.
WITH_UNIT_SQL = "status IN ('handling', 'co_handling')"


class Ticket(Base):
    __tablename__ = "ticket"
    __table_args__ = (
        CheckConstraint(_in("status", TicketStatus), name="status"),
        CheckConstraint(_in("ticket_type", TicketType), name="ticket_type"),
        CheckConstraint(_in("channel", Channel), name="channel"),
        CheckConstraint("redo_count >= 0 AND redo_count <= 1", name="redo_once"),
        CheckConstraint("return_count >= 0", name="return_count"),
        CheckConstraint("status <> 'refused' OR refusal_code IS NOT NULL", name="refusal_has_code"),
        Index("ix_ticket_status_created", "status", "created_at"),
        # The unit inbox reads tickets in this order and stops at a page (bench/web.py: 129 ms → ~40 ms p95).
        Index("ix_ticket_inbox_order", text("(handling_due IS NULL)"), "handling_due", "id"),
        Index("ix_ticket_phone", "citizen_phone"),
        # Tickets with a unit past their handling deadline, longest overdue first (findings page: 1.3 s → 5 ms over
        # 2,000,000 tickets; the plain handling_due index walked every closed ticket before reaching open ones).
        Index("ix_ticket_with_unit_due", "handling_due", postgresql_where=text(WITH_UNIT_SQL),
              sqlite_where=text(WITH_UNIT_SQL)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(32), unique=True)
    query_code_hash: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(20))
    citizen_name: Mapped[str] = mapped_column(String(60))
    citizen_phone: Mapped[str] = mapped_column(String(40))
    address: Mapped[str | None] = mapped_column(String(255))
    content: Mapped[str] = mapped_column(Text)
    # engine.domain.matching.content_digest(content): tickets with the same value report the same matter (重复反映).
    content_key: Mapped[str | None] = mapped_column(String(40))
    ticket_type: Mapped[str] = mapped_column(String(20))
    category: Mapped[str | None] = mapped_column(String(80), index=True)
    status: Mapped[str] = mapped_column(String(30))
    scope: Mapped[str | None] = mapped_column(String(10))
    refusal_code: Mapped[int | None] = mapped_column(Integer)
    refusal_explanation: Mapped[str | None] = mapped_column(Text)
    related_ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"))
    # 并单 (issue 21): the main ticket this one is merged into and follows (its dispatch, handling and reply).
    main_ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"), index=True)
    kb_entry_id: Mapped[int | None] = mapped_column(ForeignKey("kb_entry.id"))
    answer_text: Mapped[str | None] = mapped_column(Text)
    lead_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    county_office_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    redo_count: Mapped[int] = mapped_column(Integer, default=0)
    return_count: Mapped[int] = mapped_column(Integer, default=0)
    intake_rating: Mapped[str | None] = mapped_column(String(20))
    handling_rating: Mapped[str | None] = mapped_column(String(20))
    process_version_id: Mapped[int] = mapped_column(ForeignKey("process_version.id"))
    rule_set_id: Mapped[int] = mapped_column(ForeignKey("rule_set.id"))
    workflow_state: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    dispatch_due: Mapped[datetime | None]
    received_at: Mapped[datetime | None]
    accept_due: Mapped[datetime | None] = mapped_column(index=True)
    handling_started_at: Mapped[datetime | None]
    handling_due: Mapped[datetime | None] = mapped_column(index=True)
    eval_due: Mapped[datetime | None] = mapped_column(index=True)
    deadline_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    closed_at: Mapped[datetime | None]
    # Monitoring (issue 3): the thresholds of the acceptance and handling clocks, the level reached on the clock
    # that runs now, and the earliest threshold still to fire, so the monitor is one indexed range query.
    accept_warning_at: Mapped[datetime | None]
    accept_yellow_at: Mapped[datetime | None]
    accept_red_at: Mapped[datetime | None]
    handling_warning_at: Mapped[datetime | None]
    handling_yellow_at: Mapped[datetime | None]
    handling_red_at: Mapped[datetime | None]
    next_threshold_at: Mapped[datetime | None] = mapped_column(index=True)
    monitor_stage: Mapped[str | None] = mapped_column(
        String(12), CheckConstraint("monitor_stage IN ('dispatch', 'acceptance', 'handling')", name="monitor_stage"))
    monitor_level: Mapped[str] = mapped_column(
        String(10), CheckConstraint("monitor_level IN ('normal', 'warning', 'yellow', 'red')", name="monitor_level"),
        default="normal", server_default="normal")

    lead_unit: Mapped[Unit | None] = relationship(foreign_keys=[lead_unit_id])
    county_office: Mapped[Unit | None] = relationship(foreign_keys=[county_office_id])

    @property
    def status_enum(self) -> TicketStatus:
        return TicketStatus(self.status)

    @property
    def type_enum(self) -> TicketType:
        return TicketType(self.ticket_type)


class Assignment(Base):
    """One unit's part in one dispatch round of a ticket (lead, co-handler or county office)."""

    __tablename__ = "assignment"
    __table_args__ = (
        CheckConstraint("role IN ('lead', 'co', 'county')", name="role"),
        Index("ix_assignment_unit_active", "unit_id", "active"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    role: Mapped[str] = mapped_column(String(10))
    round: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    dispatched_at: Mapped[datetime]
    dispatched_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    signed_at: Mapped[datetime | None]
    sign_mode: Mapped[str | None] = mapped_column(String(10))
    # Settled within the 1-working-day window (signed by ticket.accept_due, or deemed accepted); False when returned
    # or signed late; None while unsettled. Fixed when settled, so the assessment needs no join to the ticket.
    sign_on_time: Mapped[bool | None] = mapped_column(Boolean)
    returned_at: Mapped[datetime | None]
    return_reason: Mapped[str | None] = mapped_column(Text)
    return_basis: Mapped[str | None] = mapped_column(Text)
    co_part: Mapped[str | None] = mapped_column(Text)
    co_part_at: Mapped[datetime | None]

    unit: Mapped[Unit] = relationship()


class Reply(Base):
    """The lead unit's reply with every Art. 12 field, and the office's review of it."""

    __tablename__ = "reply"
    __table_args__ = (CheckConstraint("review_decision IS NULL OR review_decision IN ('accept', 'back')",
                                      name="review_decision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    redo: Mapped[bool] = mapped_column(Boolean, default=False)
    handled_at: Mapped[datetime]
    department: Mapped[str] = mapped_column(String(120))
    handler_name: Mapped[str] = mapped_column(String(60))
    result: Mapped[str] = mapped_column(Text)
    basis: Mapped[str] = mapped_column(Text)
    contact_method: Mapped[str] = mapped_column(String(120))
    citizen_informed: Mapped[bool] = mapped_column(Boolean, default=True)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    submitted_at: Mapped[datetime]
    # Submitted by the handling deadline in force at that moment (extensions included); no deadline is on time.
    on_time: Mapped[bool | None] = mapped_column(Boolean)
    review_decision: Mapped[str | None] = mapped_column(String(10))
    review_reason: Mapped[str | None] = mapped_column(Text)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    reviewed_at: Mapped[datetime | None]

    unit: Mapped[Unit] = relationship()


class Evaluation(Base):
    __tablename__ = "evaluation"
    __table_args__ = (
        CheckConstraint(_in("intake_rating", Rating), name="intake_rating"),
        CheckConstraint(f"handling_rating IS NULL OR {_in('handling_rating', Rating)}", name="handling_rating"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    intake_rating: Mapped[str] = mapped_column(String(20))
    handling_rating: Mapped[str | None] = mapped_column(String(20))
    method: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    evaluated_at: Mapped[datetime]
    # The ticket's lead unit when the evaluation was given: whose 满意率 it counts for.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    redo_reasonable: Mapped[bool | None] = mapped_column(Boolean)
    redo_reason: Mapped[str | None] = mapped_column(Text)
    redo_decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    redo_decided_at: Mapped[datetime | None]
    # Unreasonable or malicious dissatisfaction does not count in assessment (Art. 15); who decided is above.
    excluded_from_assessment: Mapped[bool] = mapped_column(Boolean, default=False)
    exclusion_kind: Mapped[str | None] = mapped_column(String(20))


class TaskProjection(Base):
    """A ready user task, projected from the workflow so worklists are plain indexed SQL."""

    __tablename__ = "task_projection"
    __table_args__ = (
        Index("ix_task_role_unit", "role", "unit_id"),
        # Worklists are read most urgent first: this order, so a long queue is not sorted on every page.
        Index("ix_task_worklist_order", "role", "unit_id", text("(due_at IS NULL)"), "due_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    task_uuid: Mapped[str] = mapped_column(String(36), unique=True)
    bpmn_id: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(120))
    role: Mapped[str | None] = mapped_column(String(30))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    form_key: Mapped[str | None] = mapped_column(String(80))
    ready_at: Mapped[datetime]
    due_at: Mapped[datetime | None]
    # Set when the task belongs to a side process instance (a supervision) rather than the ticket's own.
    supervision_id: Mapped[int | None] = mapped_column(ForeignKey("supervision.id"), index=True)
    # Set when the task belongs to a merged matter (并单) rather than the ticket's workflow: the main ticket's id.
    # Such a task (each citizen's 回访评价) is completed by engine.tickets.matter, not by the workflow.
    matter_ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"), index=True)


class AuditLog(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_ticket_at", "ticket_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    actor_label: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(60))
    before_status: Mapped[str | None] = mapped_column(String(30))
    after_status: Mapped[str | None] = mapped_column(String(30))
    detail: Mapped[dict | None]
    at: Mapped[datetime]


class PiiView(Base):
    """Who saw a citizen's unmasked name or phone on which ticket and why (Art. 26): one row per user, ticket and
    reason, with the first time (``at``), the last time and how many times it was seen."""

    __tablename__ = "pii_view"
    __table_args__ = (UniqueConstraint("ticket_id", "user_id", "reason", name="uq_pii_view_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    actor_label: Mapped[str] = mapped_column(String(120))
    reason: Mapped[str] = mapped_column(String(255))
    at: Mapped[datetime]
    last_at: Mapped[datetime | None]
    views: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
