"""The same matter and the right unit (issue 21): the word index of tickets, links between similar tickets, merged
handling (并单), surge alerts (集中反映), units' duty lists (职责清单) and the dispatch suggestions shown."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base

#: The longest word kept in the index (longer ones are cut: a word this long is a name or a typo).
TERM_CHARS = 40


class TicketTerm(Base):
    """One word of a ticket's content or category with its weight in that ticket (1 + ln tf): the inverted index
    the similar-ticket search adds up in SQL, newest first within each word."""

    __tablename__ = "ticket_term"
    __table_args__ = (
        # The search reads (term, created_at ≥ window) → (ticket, weight) from this index alone.
        Index("ix_ticket_term_lookup", "term", "created_at", "ticket_id", "weight"),
    )

    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), primary_key=True)
    term: Mapped[str] = mapped_column(String(TERM_CHARS), primary_key=True)
    weight: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime]


class TermStat(Base):
    """How many indexed tickets hold each word (document frequency), refreshed by the scheduler; the row with
    term ``#docs`` counts the tickets counted."""

    __tablename__ = "term_stat"

    term: Mapped[str] = mapped_column(String(TERM_CHARS), primary_key=True)
    df: Mapped[int] = mapped_column(Integer)


class SimilarIndex(Base):
    """That a ticket's words are indexed, whether they are counted in ``term_stat`` yet, where it is (its street or
    town, for surges), and when its similar tickets were last looked up (``linked_at``; None until the scheduler or
    a queue page did it)."""

    __tablename__ = "similar_index"
    __table_args__ = (
        Index("ix_similar_index_area", "area", "created_at"),
        Index("ix_similar_index_unlinked", "linked_at", "created_at"),
        Index("ix_similar_index_counted", "counted"),
    )

    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), primary_key=True)
    created_at: Mapped[datetime]
    area: Mapped[str | None] = mapped_column(String(60))
    counted: Mapped[bool] = mapped_column(Boolean, default=False)
    linked_at: Mapped[datetime | None]


class SimilarLink(Base):
    """An earlier ticket found similar to a ticket when it was linked, with the score then."""

    __tablename__ = "similar_link"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), primary_key=True)
    other_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), primary_key=True, index=True)
    score: Mapped[float] = mapped_column(Float)
    text_score: Mapped[float] = mapped_column(Float)


class TicketMerge(Base):
    """One merge of a ticket (子单) into a main ticket (主单), and its un-merge: who, when, why (audited)."""

    __tablename__ = "ticket_merge"
    __table_args__ = (
        CheckConstraint("source IN ('manual', 'surge')", name="source"),
        CheckConstraint("main_ticket_id <> child_ticket_id", name="not_itself"),
        Index("ix_ticket_merge_main", "main_ticket_id", "unmerged_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    main_ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"))
    child_ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    source: Mapped[str] = mapped_column(String(10))
    surge_alert_id: Mapped[int | None] = mapped_column(ForeignKey("surge_alert.id"))
    reason: Mapped[str] = mapped_column(Text)
    # The child's state when merged, and the assignments the merge deactivated (restored on un-merge).
    child_status: Mapped[str] = mapped_column(String(30))
    assignment_ids: Mapped[list | None]
    merged_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    merged_by: Mapped[str] = mapped_column(String(120))
    merged_at: Mapped[datetime]
    unmerged_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    unmerged_by: Mapped[str | None] = mapped_column(String(120))
    unmerged_at: Mapped[datetime | None]
    unmerge_reason: Mapped[str | None] = mapped_column(Text)


class SurgeAlert(Base):
    """集中反映: many similar tickets at one street or town in a short time; the office merges or dismisses it."""

    __tablename__ = "surge_alert"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'merged', 'dismissed')", name="status"),
        Index("ix_surge_alert_status_opened", "status", "opened_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    area: Mapped[str] = mapped_column(String(60))
    label: Mapped[str] = mapped_column(String(120))
    category: Mapped[str | None] = mapped_column(String(80))
    ticket_ids: Mapped[list]
    opened_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    first_at: Mapped[datetime]
    last_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(10))
    main_ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"))
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    handled_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(Text)
    supervision_id: Mapped[int | None] = mapped_column(ForeignKey("supervision.id"))


class UnitDuty(Base):
    """One item of a unit's duty list (职责清单, from its 三定 and 权责清单): keywords, categories and areas."""

    __tablename__ = "unit_duty"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    keywords: Mapped[list]
    categories: Mapped[list]
    areas: Mapped[list]
    basis: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    updated_at: Mapped[datetime]


class DispatchSuggestion(Base):
    """The units suggested to a dispatcher for one ticket, and what the dispatcher then chose (issue 21)."""

    __tablename__ = "dispatch_suggestion"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    shown_at: Mapped[datetime]
    shown_to_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    # [{"unit_id", "score", "reasons"}], best first, as shown.
    units: Mapped[list]
    # Filled at the dispatch that follows: the lead unit chosen, its rank among those shown (None: not among them),
    # the dispatch round (to find a return that followed) and the category's default unit then (the baseline).
    chosen_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    taken_rank: Mapped[int | None] = mapped_column(Integer)
    dispatch_round: Mapped[int | None] = mapped_column(Integer)
    dispatched_at: Mapped[datetime | None]
    default_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
