"""The default demo year, seeded once per test process through ``seed-demo``'s code path with the clock frozen at
Wed 2026-11-25 10:00 (Asia/Shanghai), into a database of its own that nobody connects to; each test module that
needs the year gets a copy of it (PostgreSQL copies a database from a template, SQLite through its backup API), so
what one module does to its copy never reaches another, nor the other tests' database.

Under ``make test`` the modules that read the year run in the same test process (tests/support/schedule.py), so the
year is seeded once a run."""
from __future__ import annotations

import os
import sqlite3
from datetime import datetime, timezone

import pytest
from sqlalchemy.engine import make_url

from engine.common.context import reset_caches
from tests.conftest import FrozenClock, _create_pg_database

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc)


def fresh_database(tmp_path_factory, name: str, template: str | None = None):
    """A new database like the suite's (SQLite file, or a PostgreSQL database dropped afterwards); with
    ``template`` (the URL of a database nobody is connected to), a copy of it. Returns (url, drop)."""
    base = os.environ.get("HOTLINE_TEST_DATABASE_URL", "")
    if base.startswith("postgresql"):
        return _create_pg_database(base, template=make_url(template).database if template else None)
    path = tmp_path_factory.mktemp(name) / "demo.db"
    if template:
        source, target = sqlite3.connect(make_url(template).database), sqlite3.connect(path)
        try:
            source.backup(target)  # consistent with the write-ahead log, unlike a file copy
        finally:
            source.close()
            target.close()
    return f"sqlite:///{path}", lambda: None


def demo_app_for(url: str, clock: FrozenClock):
    from web import create_app

    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "CLOCK": clock, "SECRET_KEY": "demo-test",
                       "SCHEDULER_ENABLED": False, "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True}})


def app_over(url: str):
    """Yield the demo app over ``url`` (clock frozen at NOW); its connections are closed afterwards."""
    from web.extensions import db

    reset_caches()
    app = demo_app_for(url, FrozenClock(NOW))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    reset_caches()


@pytest.fixture(scope="session")
def demo_year(tmp_path_factory):
    """The default demo year, seeded through ``seed-demo``'s code path; yields (its URL, the progress lines). Only
    copies of it are ever opened (:func:`year_copy`)."""
    from engine.demo import content, seed_demo
    from web.cli import init_database
    from web.extensions import db
    from web.security import hash_password

    url, drop = fresh_database(tmp_path_factory, "demo-year")
    said: list[str] = []
    for app in app_over(url):
        with app.app_context():
            init_database()
            seed_demo(db.session, NOW, progress=said.append, password_hash=hash_password(content.DEMO_PASSWORD))
    yield url, said
    drop()


def year_copy(demo_year, tmp_path_factory, name: str):
    """Yield the demo app over a copy of the seeded year, dropped afterwards."""
    url, drop = fresh_database(tmp_path_factory, name, template=demo_year[0])
    try:
        yield from app_over(url)
    finally:
        drop()


@pytest.fixture(scope="session")
def demo(demo_year, tmp_path_factory):
    """The demo app over (a copy of) the seeded year; yields (app, progress lines)."""
    for app in year_copy(demo_year, tmp_path_factory, "demo"):
        yield app, demo_year[1]


@pytest.fixture
def office(demo):
    """A test client of the demo app signed in as the demo dispatcher (an analytics role)."""
    from sqlalchemy import select

    from engine.models import User
    from web.extensions import db

    app, _ = demo
    with app.app_context():
        uid = db.session.scalar(select(User.id).where(User.username == "dispatcher"))
        db.session.remove()
    client = app.test_client()
    with client.session_transaction() as s:
        s["uid"] = uid
    return client
