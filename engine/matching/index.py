"""The word index behind the same-matter search: each ticket's weighted words (``ticket_term``), its place
(``similar_index``), and how many tickets hold each word (``term_stat``, for inverse document frequency).

A ticket is indexed in the transaction that registers it (plain inserts, no shared row is touched, so concurrent
registrations never wait on each other). The word counts are refreshed by the scheduler from the tickets indexed
and not yet counted (a flag on each ticket's index row); a word nobody has counted yet weighs as a rare word.
Tickets that were registered before this index existed are indexed by :func:`backfill` (the scheduler, or
``flask --app web similar-index``).
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from engine.common import driver
from engine.domain import similarity as sim
from engine.models import SimilarIndex, TermStat, Ticket, TicketTerm

from . import text

DOCS = "#docs"
#: Tickets counted per refresh (the scheduler comes back for the rest).
REFRESH_BATCH = 20_000
_CHUNK = 500
_TERM = TicketTerm.__table__
_INDEX = SimilarIndex.__table__
_INSERT_TERMS, _INSERT_INDEX = insert(_TERM), insert(_INDEX)  # built once: the driver path keys on them


def index_ticket(session: Session, ticket: Ticket, *, new: bool = False) -> int:
    """Index a (flushed) ticket's words and place; return the number of words. Re-indexing replaces the words;
    ``new``: the ticket was inserted in this transaction, so there is nothing to replace (two statements fewer)."""
    found = text.terms(ticket.content, ticket.category, ticket.address)
    conn = session.connection()
    if not new:
        conn.execute(delete(_TERM).where(_TERM.c.ticket_id == ticket.id))
        conn.execute(delete(_INDEX).where(_INDEX.c.ticket_id == ticket.id))
    if found:
        at = ticket.created_at
        driver.execute(conn, _INSERT_TERMS, [{"ticket_id": ticket.id, "term": t, "weight": w, "created_at": at}
                                             for t, w in found.items()])
    area = sim.parse_place(ticket.address).area
    driver.execute(conn, _INSERT_INDEX, {"ticket_id": ticket.id, "created_at": ticket.created_at,
                                  "area": area[:60] if area else None, "counted": False, "linked_at": None})
    return len(found)


def _upsert(session: Session, rows: list[dict]) -> None:
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    stmt = (postgresql.insert(TermStat) if dialect == "postgresql" else sqlite.insert(TermStat)).values(rows)
    session.execute(stmt.on_conflict_do_update(index_elements=["term"], set_={"df": TermStat.df + stmt.excluded.df}))


def refresh_stats(session: Session, now: datetime, batch: int = REFRESH_BATCH) -> int:
    """Count the words of up to ``batch`` indexed tickets not counted yet into ``term_stat``; return how many.

    Idempotent: each ticket is counted once (its index row is marked), whenever its registration committed.
    """
    ids = list(session.scalars(select(SimilarIndex.ticket_id).where(SimilarIndex.counted.is_(False))
                               .order_by(SimilarIndex.ticket_id).limit(batch)))
    if not ids:
        return 0
    totals: dict[str, int] = {}
    for i in range(0, len(ids), _CHUNK):
        chunk = ids[i:i + _CHUNK]
        for term, n in session.execute(select(TicketTerm.term, func.count()).where(
                TicketTerm.ticket_id.in_(chunk)).group_by(TicketTerm.term)):
            totals[term] = totals.get(term, 0) + n
        session.execute(update(SimilarIndex).where(SimilarIndex.ticket_id.in_(chunk)).values(counted=True))
    rows = [{"term": t, "df": n} for t, n in sorted(totals.items())] + [{"term": DOCS, "df": len(ids)}]
    for i in range(0, len(rows), _CHUNK):
        _upsert(session, rows[i:i + _CHUNK])
    return len(ids)


@dataclass
class Stats:
    """Document frequencies as of one refresh: ``total`` tickets counted, ``df`` per word."""

    total: int = 0
    df: dict[str, int] = field(default_factory=dict)

    def idf(self, term: str) -> float:
        return sim.idf(self.df.get(term, 0), self.total)


_cache: dict[str, tuple[int, Stats]] = {}
_cache_lock = threading.Lock()


def stats(session: Session) -> Stats:
    """The word counts, read once per refresh and per database (a small dictionary kept in the process)."""
    version = session.scalar(select(TermStat.df).where(TermStat.term == DOCS)) or 0
    key = str(session.get_bind().url)
    cached = _cache.get(key)
    if cached is not None and cached[0] == version:
        return cached[1]
    with _cache_lock:
        df = dict(session.execute(select(TermStat.term, TermStat.df).where(TermStat.term != DOCS)).all())
        found = Stats(total=version, df=df)
        _cache[key] = (version, found)
    return found


def backfill(session: Session, now: datetime, *, days: int = 180, limit: int = 500) -> int:
    """Index up to ``limit`` tickets of the last ``days`` days that have no index yet, newest first."""
    since = now - timedelta(days=days)
    missing = session.scalars(select(Ticket).where(
        Ticket.created_at >= since, ~select(SimilarIndex.ticket_id).where(
            SimilarIndex.ticket_id == Ticket.id).exists()).order_by(Ticket.id.desc()).limit(limit)).all()
    for ticket in missing:
        index_ticket(session, ticket)
    return len(missing)
