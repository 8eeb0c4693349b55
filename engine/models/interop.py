"""Emergency-line handoffs (12345 ↔ 110, Art. 6(2)), flags on malicious callers (Art. 27, Art. 6(9)) and the
Open311 GeoReport v2 facts of a request filed by a city's app."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.domain.interop import DIRECTION_LABELS, FLAG_KIND_LABELS, LINE_LABELS, OUTCOME_LABELS

from .base import Base

EMERGENCY_LINES = tuple(LINE_LABELS)
HANDOFF_DIRECTIONS = tuple(DIRECTION_LABELS)
HANDOFF_OUTCOMES = tuple(OUTCOME_LABELS)
FLAG_KINDS = tuple(FLAG_KIND_LABELS)


def _one_of(col: str, values) -> str:
    return f"{col} IN ({', '.join(repr(v) for v in values)})"


class EmergencyHandoff(Base):
    """One matter handed between 12345 and an emergency line: out (转接 by the agent) or in (110 转来 12345).

    Outbound rows carry the outcome of the transfer; inbound rows the 110 case number and, once the office has
    answered, when the answer was reported back.
    """

    __tablename__ = "emergency_handoff"
    __table_args__ = (
        CheckConstraint(_one_of("direction", HANDOFF_DIRECTIONS), name="direction"),
        CheckConstraint(_one_of("line", EMERGENCY_LINES), name="line"),
        CheckConstraint(f"outcome IS NULL OR {_one_of('outcome', HANDOFF_OUTCOMES)}", name="outcome"),
        CheckConstraint("direction <> 'out' OR outcome IS NOT NULL", name="out_has_outcome"),
        CheckConstraint("direction <> 'in' OR case_number IS NOT NULL", name="in_has_case"),
        Index("ix_emergency_handoff_at", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    direction: Mapped[str] = mapped_column(String(3))
    line: Mapped[str] = mapped_column(String(3))
    at: Mapped[datetime]
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    summary: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(String(12))
    case_number: Mapped[str | None] = mapped_column(String(40), index=True)
    reported_at: Mapped[datetime | None]


class CallerFlag(Base):
    """The office's flag on a caller's phone number: proposed by one office user, confirmed by another (two-person
    rule), in force until ``ends_at`` or until lifted with a reason. ``evidence`` lists the ticket ids it rests on."""

    __tablename__ = "caller_flag"
    __table_args__ = (
        CheckConstraint(_one_of("kind", FLAG_KINDS), name="kind"),
        CheckConstraint("confirmed_by_id IS NULL OR confirmed_by_id <> created_by_id", name="two_persons"),
        CheckConstraint("lifted_at IS NULL OR lift_reason IS NOT NULL", name="lift_has_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(40), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    guidance: Mapped[str | None] = mapped_column(Text)
    evidence: Mapped[list]
    ends_at: Mapped[datetime]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime]
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    confirmed_at: Mapped[datetime | None]
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    lifted_at: Mapped[datetime | None]
    lift_reason: Mapped[str | None] = mapped_column(Text)


class Open311Request(Base):
    """What an Open311 client filed beside the ticket: the service code it chose and where (lat/long)."""

    __tablename__ = "open311_request"
    __table_args__ = (
        CheckConstraint("lat IS NULL OR (lat >= -90 AND lat <= 90)", name="lat"),
        CheckConstraint("long IS NULL OR (long >= -180 AND long <= 180)", name="long"),
    )

    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), primary_key=True)
    service_code: Mapped[str] = mapped_column(String(100))
    lat: Mapped[float | None] = mapped_column(Float)
    long: Mapped[float | None] = mapped_column(Float)
    client: Mapped[str] = mapped_column(String(80))
    requested_at: Mapped[datetime] = mapped_column(index=True)
