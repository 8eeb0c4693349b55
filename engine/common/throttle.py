"""Attempt counters in the database, so every worker and node counts the same attempts and a restart forgets none.

A caller reserves an attempt *before* doing the costly or guessable check: the row is locked (a row lock on
PostgreSQL, the write lock on SQLite), counted and released, so forty parallel guesses get exactly ``limit``
checks, never more. Flush only; the caller commits at once, before the check, so the count holds even when the
check fails.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from engine.models import AttemptCounter


@dataclass(frozen=True)
class Limit:
    """At most ``attempts`` within ``window``; reaching it refuses further attempts for ``lock_for``."""

    attempts: int
    window: timedelta
    lock_for: timedelta


def key_for(kind: str, *parts: str) -> str:
    """A fixed-length key: names and addresses may be long or odd; the counter must not be."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8", "replace")).hexdigest()[:40]
    return f"{kind}:{digest}"


def printable(value: str | None, size: int) -> str | None:
    """What may be stored for the office to read: no control characters, no lone surrogates, bounded."""
    if value is None:
        return None
    value = value.encode("utf-8", "replace").decode("utf-8")
    return "".join(c for c in value if c.isprintable())[:size] or None


def reserve(session: Session, key: str, limit: Limit, now: datetime, *, kind: str, account: str | None = None,
            address: str | None = None) -> datetime | None:
    """Count one attempt under ``key``; return None when it may go ahead, else the time the key is locked until."""
    table = AttemptCounter.__table__
    values = {"key": key, "kind": kind, "account": printable(account, 60), "address": printable(address, 64),
              "count": 0, "first_at": now}
    dialect = session.get_bind().dialect.name
    if dialect in ("sqlite", "postgresql"):
        maker = sqlite_insert if dialect == "sqlite" else pg_insert
        session.execute(maker(table).values(**values).on_conflict_do_nothing(index_elements=["key"]))
    elif session.get(AttemptCounter, key) is None:
        session.execute(insert(table).values(**values))
    row = session.scalars(select(AttemptCounter).where(AttemptCounter.key == key).with_for_update()
                          .execution_options(populate_existing=True)).one()
    if row.locked_until is not None and row.locked_until > now:
        return row.locked_until
    if row.locked_until is not None or row.first_at + limit.window <= now:
        row.count, row.first_at, row.locked_until = 0, now, None
    row.count += 1
    if row.count >= limit.attempts:
        row.locked_until = now + limit.lock_for  # this attempt goes ahead; the next one waits
    session.flush()
    return None


def refund(session: Session, key: str, limit: Limit) -> None:
    """Give back one attempt :func:`reserve` counted under ``key`` that proved not to be a guess (the right answer).

    The attempt was counted before the check so that parallel guesses never get more than ``limit`` checks; once
    the check has passed, it no longer counts. A lock this attempt (or a parallel one) set by reaching the limit is
    lifted when the attempts left are below it: a lock means ``limit.attempts`` attempts that were not given back.
    Flush only; the caller commits.
    """
    row = session.scalars(select(AttemptCounter).where(AttemptCounter.key == key).with_for_update()
                          .execution_options(populate_existing=True)).one_or_none()
    if row is None or row.count <= 0:
        return
    row.count -= 1
    if row.locked_until is not None and row.count < limit.attempts:
        row.locked_until = None
    session.flush()


def clear(session: Session, key: str) -> None:
    """Forget the attempts under ``key`` (a successful sign-in)."""
    session.execute(delete(AttemptCounter).where(AttemptCounter.key == key))


def locked(session: Session, now: datetime, kind: str = "login") -> list[AttemptCounter]:
    """Keys locked now, most recent first (the office's unlock page)."""
    return list(session.scalars(select(AttemptCounter).where(AttemptCounter.kind == kind,
                                                             AttemptCounter.locked_until > now)
                                .order_by(AttemptCounter.locked_until.desc()).limit(500)))


def unlock_account(session: Session, account: str) -> int:
    """Lift every sign-in lock of ``account`` (from every address); return how many were lifted."""
    result = session.execute(delete(AttemptCounter).where(AttemptCounter.kind == "login",
                                                          AttemptCounter.account == account))
    return result.rowcount or 0
