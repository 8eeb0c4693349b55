"""A scratch PostgreSQL database for one benchmark run: created fresh, dropped afterwards, even on failure."""
from __future__ import annotations

import uuid
from typing import Callable

from sqlalchemy.engine import make_url


def create_scratch_database(base_url: str, prefix: str = "hotline_bench") -> tuple[str, Callable[[], None]]:
    """Create an empty database next to ``base_url``'s; return its URL and a function that drops it."""
    import psycopg

    url = make_url(base_url)
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = dict(host=url.host or "127.0.0.1", port=url.port or 5432, user=url.username or "root",
                 dbname=url.database or "postgres", autocommit=True)
    with psycopg.connect(**admin) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(**admin) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return url.set(database=name).render_as_string(hide_password=False), drop
