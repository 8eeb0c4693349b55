"""Knowledge-base upkeep (Art. 8(1), 19(9), 25, 26(2)): entry versions, edit requests, gap and error flags.

The entry itself is ``KnowledgeEntry`` (table ``kb_entry``). The full-text index is dialect-specific and lives
outside the models: an FTS5 table ``kb_fts`` on SQLite, a ``kb_entry.tsv`` column with a GIN index on PostgreSQL.
``SEARCH_INDEX`` names them so that schema comparisons can leave them out consistently.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base

# Objects of the search index created by migration 0006 only on their dialect.
SEARCH_INDEX = {"tables_prefix": "kb_fts", "column": ("kb_entry", "tsv"), "index": "ix_kb_entry_tsv"}


def is_search_index(kind: str, name: str, table: str | None = None) -> bool:
    """Tell whether a schema object belongs to the dialect-specific search index (kept out of the models)."""
    if kind == "table":
        return name == SEARCH_INDEX["tables_prefix"] or name.startswith(SEARCH_INDEX["tables_prefix"] + "_")
    if kind == "column":
        return (table, name) == SEARCH_INDEX["column"]
    if kind == "index":
        return name == SEARCH_INDEX["index"]
    return False


class KnowledgeVersion(Base):
    """One version of an entry, kept for ever: every change writes a new one."""

    __tablename__ = "kb_entry_version"
    __table_args__ = (UniqueConstraint("entry_id", "version", name="uq_kb_entry_version_number"),
                      CheckConstraint("version >= 1", name="version"))

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("kb_entry.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)  # sanitized HTML
    basis: Mapped[str | None] = mapped_column(Text)
    keywords: Mapped[list | None]
    category: Mapped[str | None] = mapped_column(String(80))
    effective_date: Mapped[date | None] = mapped_column(Date)
    expiry_date: Mapped[date | None] = mapped_column(Date)
    author: Mapped[str] = mapped_column(String(120))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]


class KnowledgeEditRequest(Base):
    """An edit proposed by someone who does not own the entry; the owner's editor or the office decides."""

    __tablename__ = "kb_edit_request"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'approved', 'rejected')", name="status"),
        CheckConstraint("status <> 'rejected' OR decision_reason IS NOT NULL", name="reject_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("kb_entry.id"), index=True)
    base_version: Mapped[int] = mapped_column(Integer)
    changes: Mapped[dict]  # sanitized field values to apply
    reason: Mapped[str | None] = mapped_column(Text)
    requested_by: Mapped[str] = mapped_column(String(120))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    requested_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    requested_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(10), default="pending")
    decided_by: Mapped[str | None] = mapped_column(String(120))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    decided_at: Mapped[datetime | None]
    decision_reason: Mapped[str | None] = mapped_column(Text)
    applied_version: Mapped[int | None] = mapped_column(Integer)


class KnowledgeFlag(Base):
    """A gap or an error the office flagged on an entry or a category; the unit fixes it within 5 WD (Art. 25).

    Monitored like a ticket's clock: thresholds stored as columns, the earliest pending one in ``next_threshold_at``.
    """

    __tablename__ = "kb_flag"
    __table_args__ = (
        CheckConstraint("kind IN ('gap', 'error')", name="kind"),
        CheckConstraint("level IN ('normal', 'warning', 'yellow', 'red')", name="level"),
        CheckConstraint("entry_id IS NOT NULL OR category IS NOT NULL", name="target"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("kb_entry.id"), index=True)
    category: Mapped[str | None] = mapped_column(String(80))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    source_ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"))
    flagged_by: Mapped[str] = mapped_column(String(120))
    flagged_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    flagged_at: Mapped[datetime]
    due_at: Mapped[datetime]  # 24:00 of the 5th working day
    warning_at: Mapped[datetime]
    yellow_at: Mapped[datetime]
    red_at: Mapped[datetime]
    next_threshold_at: Mapped[datetime | None] = mapped_column(index=True)
    level: Mapped[str] = mapped_column(String(10), default="normal")
    notified: Mapped[list | None]  # [{"level", "threshold", "fired_at"}]
    provisional: Mapped[bool] = mapped_column(default=False)
    fixed_at: Mapped[datetime | None]
    fixed_by: Mapped[str | None] = mapped_column(String(120))
    fix_note: Mapped[str | None] = mapped_column(Text)
    fixed_late: Mapped[bool | None]
    document_id: Mapped[int | None] = mapped_column(ForeignKey("issued_document.id"))
