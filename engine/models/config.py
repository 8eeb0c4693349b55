"""Data that configures the product: diagram versions, rule sets, calendar, refusal reasons, categories, KB."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class ProcessVersion(Base):
    """A deployed set of BPMN files; tickets stay on the version they started on."""

    __tablename__ = "process_version"
    __table_args__ = (UniqueConstraint("process_id", "version", name="uq_process_version_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[str] = mapped_column(String(80))
    version: Mapped[int] = mapped_column(Integer)
    files: Mapped[dict]
    sha256: Mapped[str] = mapped_column(String(64))
    author: Mapped[str] = mapped_column(String(60))
    note: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    # A forced deployment: the owner's reason and the journeys that failed the dry run and were skipped on purpose
    # ([{code, label, message}]); both empty for a version that passed every journey.
    override_reason: Mapped[str | None] = mapped_column(Text)
    skipped_journeys: Mapped[list | None]


class RuleSet(Base):
    """A versioned time-limit rule set (DOMAIN.md §4); tickets keep the version they started with."""

    __tablename__ = "rule_set"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    data: Mapped[dict]
    author: Mapped[str] = mapped_column(String(60))
    note: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]


class CalendarDay(Base):
    """An exception to the Mon–Fri rule: a statutory holiday (off) or a make-up working day (on)."""

    __tablename__ = "calendar_day"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    working: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(String(60))


class CalendarYear(Base):
    """A year whose State Council holiday notice has been entered."""

    __tablename__ = "calendar_year"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(60))
    entered_at: Mapped[datetime]


class RefusalReason(Base):
    """A coded reason for 不予受理 (Art. 6)."""

    __tablename__ = "refusal_reason"

    code: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    label: Mapped[str] = mapped_column(Text)
    needs_earlier_ticket: Mapped[bool] = mapped_column(Boolean, default=False)
    explanation_template: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Category(Base):
    __tablename__ = "category"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    default_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))


class KnowledgeEntry(Base):
    """A knowledge-base entry owned by a unit (Art. 25); its versions live in ``kb_entry_version``.

    The search index is kept outside the models on purpose (see ``engine.models.knowledge.SEARCH_INDEX``).
    """

    __tablename__ = "kb_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    category: Mapped[str | None] = mapped_column(String(80))
    content: Mapped[str] = mapped_column(Text)
    basis: Mapped[str | None] = mapped_column(Text)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    status: Mapped[str] = mapped_column(String(20), default="published")  # draft | published | expired | withdrawn
    created_at: Mapped[datetime]
    keywords: Mapped[list | None]
    effective_date: Mapped[date | None] = mapped_column(Date)
    expiry_date: Mapped[date | None] = mapped_column(Date)
    current_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Uploaded less than 7 working days before the policy takes effect (Art. 25); counted in the assessment.
    uploaded_late: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    updated_at: Mapped[datetime | None]


class OfficeSetting(Base):
    """A setting the hotline office changes itself, without a deployment (the privacy policy …); changes audited."""

    __tablename__ = "office_setting"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[dict]
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(120))
