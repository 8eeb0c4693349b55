"""Shared by the benchmarks: a scratch PostgreSQL database (created fresh, dropped afterwards, even on failure)
and a one-line description of the machine for bench/RESULTS.md."""
from __future__ import annotations

import datetime
import os
import platform
import subprocess
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


def machine() -> str:
    """Cores, processor model and Python version of this machine."""
    model = platform.processor() or ""
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
        model = next((ln.split(":", 1)[1].strip() for ln in out.splitlines() if ln.startswith("Model name")), model)
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {model}, Python {platform.python_version()}"


def heading(title: str) -> list[str]:
    """The first lines of a RESULTS.md section: title, today's date and the machine, then the load average."""
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    return [f"## {title} — {datetime.date.today()} — {machine()}", f"Load average when started: {load} (1/5/15 min)."]
