"""A pooled connection is checked before use (what SQLAlchemy's ``pool_pre_ping`` does: one round trip), except for
the read a bearer-token API request starts with: that read is its own check. When the pooled connection turns out
dead (the database restarted), SQLAlchemy invalidates it and the pool's older connections, and the read runs once
more on a new connection, so the request is answered as with the ping; nothing was done in the request before it.
On PostgreSQL this saves one round trip per API request.
"""
from __future__ import annotations

from contextvars import ContextVar

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.orm import Session

from engine.common import driver

_UNCHECKED = ContextVar("hotline_unchecked_checkout", default=False)


def check_on_checkout(engine: Engine) -> None:
    """Ping every connection the pool hands out, unless :func:`first_read` asked for it without the ping."""
    dialect = engine.dialect

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_connection, _record, _proxy):
        if _UNCHECKED.get():
            return
        try:
            alive = dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as exc:
            if not dialect.is_disconnect(exc, dbapi_connection, None):
                raise
            alive = False
        if not alive:  # the pool drops this connection and checks out another (three attempts)
            raise DisconnectionError("pooled connection found dead on checkout")


def first_read(session: Session, statement, params: dict) -> tuple | None:
    """The first row of ``statement`` (a plain tuple; read through the driver, engine/common/driver.py), the first
    statement of the session's transaction, on a connection checked out without the ping; on a dead connection,
    once more on a new one (checked as usual)."""
    if session.in_transaction():  # not the first statement: its connection was checked when it was taken
        return _first(session, statement, params)
    reset = _UNCHECKED.set(True)
    try:
        return _first(session, statement, params)
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
    finally:
        _UNCHECKED.reset(reset)
    session.rollback()  # lets go of the invalidated connection; nothing had been done in this transaction
    return _first(session, statement, params)


def _first(session: Session, statement, params: dict) -> tuple | None:
    found = driver.rows(session, statement, params)
    return found[0] if found else None
