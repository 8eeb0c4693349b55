"""The monitor's bulk writes: many audit rows and notices by one COPY, many tickets' levels by one UPDATE.

On PostgreSQL a statement per row through psycopg costs ~100 µs each, so a batch is one COPY per table, its text
built in one buffer (psycopg's ``write_row`` adapts value by value, about 7 µs a row); elsewhere an executemany
(SQLite has no network round trip).
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from psycopg import sql as psql
from sqlalchemy import JSON, Boolean, DateTime, Float, Integer, insert, update
from sqlalchemy.orm import Session

from engine.models import Ticket

# COPY's text format: a tab between values, a newline after each row, \N for NULL, and these four escaped.
_SPECIAL = re.compile(r"[\\\t\n\r]").search
_JSON = json.JSONEncoder(ensure_ascii=False).encode  # what json.dumps(..., ensure_ascii=False) writes


def _copy_text(value: str) -> str:
    if _SPECIAL(value) is None:  # nearly always; str.translate costs ~8 µs on Chinese text
        return value
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _copy_instant(value: datetime) -> str:
    if value.tzinfo is None:  # as UTCDateTime refuses them
        raise ValueError("naive datetime given to a UTC column")
    return value.isoformat()


def _copy_bool(value: bool) -> str:
    return "t" if value else "f"


def _converter(column) -> Callable[[Any], str]:
    kind = column.type
    if isinstance(kind, JSON):
        return lambda value: _copy_text(_JSON(value))
    if isinstance(kind, DateTime) or isinstance(getattr(kind, "impl", None), DateTime):
        return _copy_instant
    if isinstance(kind, Boolean):
        return _copy_bool
    if isinstance(kind, (Integer, Float)):
        return str
    return lambda value: _copy_text(str(value))


def copy_text(table, cols: list[str], rows: list[dict]) -> str:
    """The COPY text of ``rows`` (dicts keyed by ``cols``).

    A value object shared by several rows (the instant of the pass, a crossing's parameters, the unit's phone) is
    converted once: the rows keep every value alive while this runs, so ``id`` names it.
    """
    # One memo per column: the same object is written differently in a JSON and in a text column.
    convert = [(c, _converter(table.c[c]), {id(None): "\\N"}) for c in cols]
    lines = []
    for row in rows:
        fields = []
        for col, conv, done in convert:
            value = row[col]
            text = done.get(id(value))
            if text is None:
                text = done[id(value)] = conv(value)
            fields.append(text)
        lines.append("\t".join(fields))
    lines.append("")
    return "\n".join(lines)


def insert_many(session: Session, model, rows: list[dict]) -> None:
    """Insert many rows at once (every row has the keys of the first): COPY on PostgreSQL, else an executemany."""
    prepare_insert(session, model, rows)()


def prepare_insert(session: Session, model, rows: list[dict]) -> Callable[[], None]:
    """Work out the insert of ``rows`` now (the COPY text); return the function that sends it."""
    if not rows:
        return lambda: None
    if session.get_bind().dialect.name != "postgresql":
        return lambda: session.execute(insert(model), rows)
    table = model.__table__
    cols = list(rows[0])
    copy = copy_statement(table, cols)
    body = copy_text(table, cols, rows)

    def send() -> None:
        with _driver_cursor(session) as cur, cur.copy(copy) as out:
            out.write(body)
    return send


def copy_statement(table, cols: list[str]) -> psql.Composed:
    """``COPY table (cols) FROM STDIN``, names quoted."""
    return psql.SQL("COPY {} ({}) FROM STDIN").format(psql.Identifier(table.name),
                                                      psql.SQL(", ").join(map(psql.Identifier, cols)))


def fetch_rows(session: Session, statement, row_type) -> list:
    """The rows of a SELECT as ``row_type`` named tuples. On PostgreSQL straight from the driver: SQLAlchemy's
    rows and result processing cost ~10 µs a row of twenty columns; the driver's instants are already aware (in
    the connection's time zone, the same instants the UTC column type would give)."""
    if session.get_bind().dialect.name != "postgresql":
        return [row_type._make(r) for r in session.execute(statement)]
    if session.autoflush:  # as session.execute would: the SELECT must see the session's pending changes
        session.flush()
    compiled = statement.compile(dialect=session.get_bind().dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.params
    if any(isinstance(v, datetime) and v.tzinfo is None for v in params.values()):
        raise ValueError("naive datetime given to a UTC column")  # as UTCDateTime refuses them
    with _driver_cursor(session) as cur:
        cur.execute(str(compiled), params, binary=True)
        return [row_type._make(r) for r in cur.fetchall()]


_LEVELS_SQL = """
    UPDATE ticket SET monitor_stage = u.stage, monitor_level = u.level, next_threshold_at = u.next
    FROM unnest(%s::integer[], %s::text[], %s::text[], %s::timestamptz[]) AS u(id, stage, level, next)
    WHERE ticket.id = u.id"""


@contextmanager
def levels_stored(session: Session, changes: list[dict]):
    """Write the new stage, level and pending threshold of every ticket of a batch, by the end of the block.

    On PostgreSQL it is one UPDATE with four arrays, sent at once in pipeline mode: the server works through it
    (about half the server's work per due ticket, the ticket row having many indexes) while the block renders the
    batch's notices, and its outcome is awaited (an error raised) when the block ends. Elsewhere an executemany,
    before the block.
    """
    if session.get_bind().dialect.name != "postgresql":
        session.execute(update(Ticket), changes)  # executemany: cheap without a network round trip per row
        yield
        return
    # Array literals written here: psycopg adapts a list element by element (~8 µs a ticket for the four).
    params = ("{%s}" % ",".join([str(c["id"]) for c in changes]),
              "{%s}" % ",".join([_array_item(c["monitor_stage"]) for c in changes]),
              "{%s}" % ",".join([_array_item(c["monitor_level"]) for c in changes]),
              "{%s}" % ",".join(["NULL" if c["next_threshold_at"] is None else _copy_instant(c["next_threshold_at"])
                                 for c in changes]))
    conn = session.connection().connection.driver_connection
    with conn.pipeline(), conn.cursor() as cur:
        cur.execute(_LEVELS_SQL, params)
        yield


def _array_item(value: str | None) -> str:
    # Stages and levels are plain words (check constraints); quoted anyway, as an array literal wants.
    return "NULL" if value is None else '"%s"' % value.replace("\\", "\\\\").replace('"', '\\"')


@contextmanager
def _driver_cursor(session: Session):
    # The psycopg connection of the session's transaction, for COPY (SQLAlchemy has no COPY construct).
    cur = session.connection().connection.driver_connection.cursor()
    try:
        yield cur
    finally:
        cur.close()
