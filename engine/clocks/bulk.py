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
from sqlalchemy import JSON, Boolean, DateTime, Float, Integer, insert, text, update
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
    if not rows:
        return
    if session.get_bind().dialect.name != "postgresql":
        session.execute(insert(model), rows)
        return
    table = model.__table__
    cols = list(rows[0])
    copy = psql.SQL("COPY {} ({}) FROM STDIN").format(psql.Identifier(table.name),
                                                      psql.SQL(", ").join(map(psql.Identifier, cols)))
    body = copy_text(table, cols, rows)
    with _driver_cursor(session) as cur, cur.copy(copy) as out:
        out.write(body)


_LEVELS_SQL = text("""
    UPDATE ticket SET monitor_stage = u.stage, monitor_level = u.level, next_threshold_at = u.next
    FROM unnest(CAST(:ids AS integer[]), CAST(:stages AS text[]), CAST(:levels AS text[]),
                CAST(:nexts AS timestamptz[])) AS u(id, stage, level, next)
    WHERE ticket.id = u.id""")


def store_levels(session: Session, changes: list[dict]) -> None:
    """Write the new stage, level and pending threshold of every ticket of a batch."""
    if session.get_bind().dialect.name != "postgresql":
        session.execute(update(Ticket), changes)  # executemany: cheap without a network round trip per row
        return
    # One statement with four arrays instead of a statement per ticket.
    session.execute(_LEVELS_SQL, {"ids": [c["id"] for c in changes],
                                  "stages": [c["monitor_stage"] for c in changes],
                                  "levels": [c["monitor_level"] for c in changes],
                                  "nexts": [c["next_threshold_at"] for c in changes]})


@contextmanager
def _driver_cursor(session: Session):
    # The psycopg connection of the session's transaction, for COPY (SQLAlchemy has no COPY construct).
    cur = session.connection().connection.driver_connection.cursor()
    try:
        yield cur
    finally:
        cur.close()
