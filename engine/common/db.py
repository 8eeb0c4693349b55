"""Engines, sessions and the one transaction per request or job."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str, **kw) -> Engine:
    """Create an engine; SQLite gets foreign keys on and a busy timeout so writers queue instead of failing."""
    if url.startswith("sqlite"):
        kw.setdefault("connect_args", {"timeout": 30, "check_same_thread": False})
    engine = create_engine(url, **kw)
    if url.startswith("sqlite"):
        configure_sqlite(engine)
    return engine


def configure_sqlite(engine: Engine) -> None:
    """Foreign keys, WAL, and the write lock taken where PostgreSQL would lock rows (see :func:`_lock_for_update`)."""
    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record):
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    event.listen(engine, "before_execute", _lock_for_update)


def _lock_for_update(conn, clauseelement, *_args) -> None:
    """On SQLite, a ``SELECT … FOR UPDATE`` (which SQLite ignores) starts the transaction with ``BEGIN IMMEDIATE``.

    SQLite has no row locks: two workers could both read a ticket's ready tasks and both write, and the loser
    would fail on a unique constraint (a 500) instead of seeing the task gone (a 409). Taking the database's write
    lock before the read makes writers queue as row locks do on PostgreSQL; the next writer then reads what the
    first one committed. The driver starts transactions lazily (before the first write), so when it is not yet in
    one nothing has been written and nothing is held; when it is, this transaction already holds the write lock.
    """
    if getattr(clauseelement, "_for_update_arg", None) is None:
        return
    raw = conn.connection.driver_connection
    if not raw.in_transaction:
        raw.execute("BEGIN IMMEDIATE")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(session: Session) -> Iterator[Session]:
    """Commit what the block did, or roll all of it back; nothing half-written survives an error."""
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
