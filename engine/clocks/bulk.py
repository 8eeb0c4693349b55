"""Bulk writes of the monitor pass: rows by COPY on PostgreSQL (formatted here), an executemany elsewhere, and the
levels of a whole batch of tickets in one UPDATE."""
from __future__ import annotations

import json
import re
from contextlib import contextmanager
from datetime import datetime

from psycopg import sql as psql
from sqlalchemy import JSON, insert, text, update
from sqlalchemy.orm import Session

from engine.models import Ticket


def insert_many(session: Session, model, rows: list[dict]) -> None:
    """Insert many rows at once: COPY on PostgreSQL (a statement per row through psycopg costs ~100 µs each),
    an executemany elsewhere (SQLite has no network round trip)."""
    if not rows:
        return
    if session.get_bind().dialect.name != "postgresql":
        session.execute(insert(model), rows)
        return
    table = model.__table__
    cols = list(rows[0])
    json_cols = {c for c in cols if isinstance(table.c[c].type, JSON)}
    copy = psql.SQL("COPY {} ({}) FROM STDIN").format(psql.Identifier(table.name),
                                                      psql.SQL(", ").join(map(psql.Identifier, cols)))
    flags = [(c, c in json_cols) for c in cols]
    with _driver_cursor(session) as cur, cur.copy(copy) as out:
        lines: list[str] = []
        for row in rows:
            try:
                lines.append("\t".join([_copy_field(row[c], js) for c, js in flags]) + "\n")
            except TypeError:  # a value of another type: psycopg's own adaptation for that row
                if lines:
                    out.write("".join(lines))
                    lines.clear()
                out.write_row([json.dumps(row[c], ensure_ascii=False) if js and row[c] is not None else row[c]
                               for c, js in flags])
        if lines:
            out.write("".join(lines))


# COPY's text format: backslash, newline, carriage return and tab escaped; NULL is \N.
_COPY_SPECIAL = re.compile(r"[\\\n\r\t]")


def _copy_field(value, is_json: bool) -> str:
    """One field of a COPY text row, formatted here rather than by psycopg's per-value adaptation (``write_row``
    was about an eighth of a pass's time at 10,000 due tickets in the profile).

    :raises TypeError: for a type this does not format (the caller lets psycopg write that row).
    """
    if value is None:
        return "\\N"
    if is_json:
        value = json.dumps(value, ensure_ascii=False)
    elif value is True or value is False:
        return "t" if value else "f"
    elif isinstance(value, datetime):
        if value.tzinfo is None:
            raise TypeError("naive datetime")
        value = value.isoformat()
    elif isinstance(value, int):
        return str(value)
    elif not isinstance(value, str):
        raise TypeError(type(value).__name__)
    if _COPY_SPECIAL.search(value) is None:  # the usual case; str.translate costs ~3 µs on Chinese text
        return value
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")


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
