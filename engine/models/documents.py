"""Issued formal documents (kept unchanged, voided but never deleted), their number counters and print batches."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base

DOCUMENT_STATUSES = ("issued", "void")
BATCH_STATUSES = ("queued", "running", "done", "failed")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class DocumentCounter(Base):
    """The last sequence number given to a kind of document in a year; one row per (kind, year).

    The issuing transaction locks the row until it commits, so numbers are gapless: a failed issue rolls the
    counter back with everything else.
    """

    __tablename__ = "document_counter"
    __table_args__ = (CheckConstraint("last_seq >= 0", name="last_seq"),)

    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)


class IssuedDocument(Base):
    """One issued document: the PDF exactly as issued, its SHA-256 and the facts it was rendered from.

    A wrong document is voided with a reason; rows are never deleted and the PDF is never re-rendered.
    """

    __tablename__ = "issued_document"
    __table_args__ = (
        CheckConstraint(_one_of("status", DOCUMENT_STATUSES), name="status"),
        CheckConstraint("seq >= 1", name="seq"),
        # Void needs a reason, who and when; an issued document carries none of them.
        CheckConstraint("(status = 'issued' AND void_reason IS NULL AND voided_at IS NULL) OR "
                        "(status = 'void' AND void_reason IS NOT NULL AND length(trim(void_reason)) > 0 "
                        "AND voided_at IS NOT NULL)", name="void_has_reason"),
        UniqueConstraint("kind", "year", "seq", name="uq_issued_document_kind_year_seq"),
        # The archive lists newest first and filters by kind and issue date.
        Index("ix_issued_document_kind_issued", "kind", "issued_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    number: Mapped[str] = mapped_column(String(60), unique=True)
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    addressee: Mapped[str | None] = mapped_column(String(200))
    # The facts as rendered (JSON-safe: instants and dates as ISO text), so a batch can lay the pages out again.
    facts: Mapped[dict] = mapped_column(deferred=True)
    pdf: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    issued_by: Mapped[str] = mapped_column(String(120))
    issued_at: Mapped[datetime] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(10), default="issued")
    void_reason: Mapped[str | None] = mapped_column(Text)
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    voided_by: Mapped[str | None] = mapped_column(String(120))
    voided_at: Mapped[datetime | None]


class PrintBatch(Base):
    """Several issued documents printed as one PDF, laid out in the background with its progress recorded."""

    __tablename__ = "print_batch"
    __table_args__ = (
        CheckConstraint(_one_of("status", BATCH_STATUSES), name="status"),
        CheckConstraint("done >= 0 AND total >= 0 AND done <= total", name="progress"),
        CheckConstraint("status <> 'done' OR pdf IS NOT NULL", name="done_has_pdf"),
        CheckConstraint("status <> 'failed' OR error IS NOT NULL", name="failed_has_error"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # What was asked for (kind, dates, unit …) and the document ids it matched when it was asked.
    filter: Mapped[dict]
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10), default="queued")
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer)
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    sha256: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text)  # Chinese, shown to the requester
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), index=True)
    requested_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
