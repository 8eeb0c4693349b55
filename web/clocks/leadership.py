"""Who leads the scheduler now: the holder of the PostgreSQL advisory lock or of the SQLite lease."""
from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import select, text
from sqlalchemy.engine import Engine

from engine.models import JobLease

from .scheduler import ADVISORY_KEY, JOB_NAME


def current_leader(engine: Engine, wall_clock: Callable[[], datetime] | None = None) -> str | None:
    """Who holds the scheduler lock now (the holder's name, or a database session id), or None when nobody does."""
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            row = conn.execute(text(
                "SELECT a.application_name, l.pid FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid "
                # advisory locks belong to one database: another city's (or test's) scheduler on the same server
                # holds the same key in its own database and is not our leader
                "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
                "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                "AND l.classid::bigint = :hi AND l.objid::bigint = :lo"),
                {"hi": ADVISORY_KEY >> 32, "lo": ADVISORY_KEY & 0xFFFF_FFFF}).first()
            return None if row is None else (row[0] or f"database session {row[1]}")
        now = (wall_clock or (lambda: datetime.now(UTC)))()
        return conn.scalar(select(JobLease.holder).where(JobLease.name == JOB_NAME, JobLease.holder.is_not(None),
                                                         JobLease.expires_at >= now))
