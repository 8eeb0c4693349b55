"""Work in progress of a process owner: diagram drafts that are not deployed (yet)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class ProcessDraft(Base):
    """A named set of BPMN files being edited; deploying it creates a :class:`ProcessVersion`, the draft stays."""

    __tablename__ = "process_draft"
    __table_args__ = (CheckConstraint("length(name) > 0", name="name_not_empty"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[str] = mapped_column(String(80), index=True)
    name: Mapped[str] = mapped_column(String(120))
    files: Mapped[dict]  # file name -> XML text, exactly as saved or uploaded (never parsed on the way in)
    author: Mapped[str] = mapped_column(String(60))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
