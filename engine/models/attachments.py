"""Attachments of a ticket (photos, scans, office files), who opened them, and the office's size limits.

The bytes live in the same row as what describes them (``data``, ``thumb``: loaded only when asked for), so an
attachment cannot exist without its file and a file cannot exist without the step that added it: both are written in
the action's own transaction (docs/architecture.md, "Attachments").
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base

ATTACHMENT_KINDS = ("image", "pdf", "office")
ATTACHMENT_SLOTS = ("file", "scan")
ATTACHMENT_ORIGINS = ("citizen", "unit", "office")
#: What people call each kind of file (pages, documents, the API's labels).
ATTACHMENT_KIND_LABELS = {"image": "图片", "pdf": "PDF文档", "office": "办公文档"}
MB = 1024 * 1024


def size_text(n: int) -> str:
    """Bytes as people read them: 820 KB, 3.4 MB."""
    if n >= MB:
        return f"{n / MB:.1f} MB"
    return f"{max(1, round(n / 1024))} KB" if n else "0 KB"


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Attachment(Base):
    """One file added to a ticket by one step (the audit action it belongs to), with its bytes."""

    __tablename__ = "attachment"
    __table_args__ = (
        CheckConstraint(_one_of("kind", ATTACHMENT_KINDS), name="kind"),
        CheckConstraint(_one_of("slot", ATTACHMENT_SLOTS), name="slot"),
        CheckConstraint(_one_of("origin", ATTACHMENT_ORIGINS), name="origin"),
        CheckConstraint("size > 0", name="size"),
        # A citizen's upload is public only once the office has published it: who and when are recorded.
        CheckConstraint("NOT public OR origin <> 'citizen' OR published_at IS NOT NULL", name="citizen_published"),
        Index("ix_attachment_ticket_added", "ticket_id", "added_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The only name a URL carries: 32 random URL-safe characters (192 bits), never the id.
    token: Mapped[str] = mapped_column(String(64), unique=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"))
    supervision_id: Mapped[int | None] = mapped_column(ForeignKey("supervision.id"))
    action: Mapped[str] = mapped_column(String(60))
    slot: Mapped[str] = mapped_column(String(10), default="file")
    origin: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(10))
    mime: Mapped[str] = mapped_column(String(120))
    name: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    # A place the uploader chose to type; never read from the file (EXIF GPS is removed, PIPL).
    location: Mapped[str | None] = mapped_column(String(255))
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    published_by: Mapped[str | None] = mapped_column(String(120))
    published_at: Mapped[datetime | None]
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    added_by: Mapped[str] = mapped_column(String(120))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    added_at: Mapped[datetime]
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    thumb: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)


class AttachmentAccess(Base):
    """Who opened which attachment, when and how (Art. 26), like ``pii_view`` for names and phones."""

    __tablename__ = "attachment_access"
    __table_args__ = (CheckConstraint(_one_of("via", ("page", "api", "citizen")), name="via"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attachment_id: Mapped[int] = mapped_column(ForeignKey("attachment.id"), index=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    actor_label: Mapped[str] = mapped_column(String(120))
    via: Mapped[str] = mapped_column(String(10))
    at: Mapped[datetime]


class AttachmentSettings(Base):
    """The office's limits on uploads: one row (id 1); absent means the defaults of ``engine.attachments``."""

    __tablename__ = "attachment_settings"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint("max_file_mb >= 1 AND max_ticket_mb >= max_file_mb AND max_files >= 1", name="limits"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    max_file_mb: Mapped[int] = mapped_column(Integer)
    max_ticket_mb: Mapped[int] = mapped_column(Integer)
    max_files: Mapped[int] = mapped_column(Integer)
    updated_by: Mapped[str | None] = mapped_column(String(120))
    updated_at: Mapped[datetime | None]
