"""A database of its own holding the default demo year, seeded once through ``seed-demo``'s code path with the
clock frozen at Wed 2026-11-25 10:00 (Asia/Shanghai); the other tests' database is never touched."""
from __future__ import annotations

import os
from datetime import datetime, timezone

import pytest

from engine.common.context import reset_caches
from tests.conftest import FrozenClock, _create_pg_database

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc)


def fresh_database(tmp_path_factory, name: str):
    """A new empty database like the suite's (SQLite file, or a PostgreSQL database dropped afterwards)."""
    base = os.environ.get("HOTLINE_TEST_DATABASE_URL", "")
    if base.startswith("postgresql"):
        return _create_pg_database(base)
    return f"sqlite:///{tmp_path_factory.mktemp(name) / 'demo.db'}", lambda: None


def demo_app_for(url: str, clock: FrozenClock):
    from web import create_app

    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "CLOCK": clock, "SECRET_KEY": "demo-test",
                       "SCHEDULER_ENABLED": False, "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True}})


def seeded(tmp_path_factory, name: str, **size):
    """Yield (app, progress lines) over a database of its own seeded through ``seed-demo``'s code path."""
    from engine.demo import seed_demo
    from web.cli import init_database
    from web.extensions import db

    url, drop = fresh_database(tmp_path_factory, name)
    clock = FrozenClock(NOW)
    reset_caches()
    app = demo_app_for(url, clock)
    said: list[str] = []
    with app.app_context():
        init_database()
        seed_demo(db.session, clock(), progress=said.append, **size)
        db.session.remove()
    reset_caches()
    yield app, said
    with app.app_context():
        db.engine.dispose()
    reset_caches()
    drop()


@pytest.fixture(scope="session")
def demo(tmp_path_factory):
    """The demo app over the seeded year; yields (app, progress lines)."""
    yield from seeded(tmp_path_factory, "demo")


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
