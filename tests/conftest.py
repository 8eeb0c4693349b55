"""Shared fixtures: a database per run (SQLite file or a fresh PostgreSQL database), the app, a frozen clock.

Set HOTLINE_TEST_DATABASE_URL=postgresql+psycopg://root@127.0.0.1:5432/postgres to run the suite on
PostgreSQL; a database of its own is created for the run and dropped afterwards.
"""
from __future__ import annotations

import os
import uuid
from datetime import datetime, timezone

# Passwords hashed by scrypt at N=1024 instead of the product's default N=32768: the same algorithm and code path,
# about 3 ms a check instead of 0.1 s. Set before anything imports web.config, so every app of the run and every
# process it starts (servers, schedulers, commands) hashes so; tests/accounts/test_password_hashing.py checks the
# product's default and that the setting is obeyed.
TEST_HASH_METHOD = "scrypt:1024:8:1"
os.environ.setdefault("HOTLINE_PASSWORD_HASH_METHOD", TEST_HASH_METHOD)

import pytest  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from engine.common.context import forget_active, reset_caches  # noqa: E402

# Page helpers (the ``client`` that signs in through the forms, ``tickets`` built through the services) and the
# browser fixtures (a live server and Debian's chromium) serve every capability's test folder; under pytest-xdist the
# longest files are handed out first (tests/support/schedule.py).
pytest_plugins = ["tests.support.pages", "tests.support.browser", "tests.support.schedule"]

PG = os.environ.get("HOTLINE_TEST_DATABASE_URL", "").startswith("postgresql")
# Deleted after each test, children before parents.
TICKET_TABLES = ("dispatch_suggestion", "ticket_merge", "surge_alert", "similar_link", "similar_index", "ticket_term",
                 "term_stat", "attachment_access", "attachment", "attempt_counter", "failed_submission", "kb_flag", "kb_edit_request", "print_batch", "pii_view", "audit_log", "task_projection", "supervision", "issued_document",
                 "document_counter", "extension_request", "joint_review", "accountability_case", "outbox",
                 "supervision_request", "evaluation", "reply", "assignment", "emergency_handoff", "caller_flag",
                 "open311_request", "ticket")


class FrozenClock:
    """The app's clock in tests: returns ``now`` until a test moves it."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, iso: str) -> datetime:
        self.now = datetime.fromisoformat(iso).astimezone(timezone.utc)
        return self.now


def _create_pg_database(base_url: str, template: str | None = None) -> tuple[str, callable]:
    """A new PostgreSQL database on the server of ``base_url`` (a copy of the database ``template``, which nobody
    may be connected to, if given); returns its URL and a function that drops it."""
    import psycopg

    url = make_url(base_url)
    name = f"hotline_test_{uuid.uuid4().hex[:10]}"
    admin = dict(host=url.host or "127.0.0.1", port=url.port or 5432, user=url.username or "root",
                 dbname=url.database or "postgres", autocommit=True)
    with psycopg.connect(**admin) as conn:
        conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        # A test database is thrown away: its commits need not wait for the WAL to reach the disk (about 0.2 ms a
        # commit here). What the product commits, and when, is unchanged; only the server's flush is.
        conn.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')

    def drop():
        with psycopg.connect(**admin) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return url.set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    base = os.environ.get("HOTLINE_TEST_DATABASE_URL")
    if base and base.startswith("postgresql"):
        url, drop = _create_pg_database(base)
        yield url
        drop()
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def clock():
    return FrozenClock(datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc))  # Wed 10:00 in Asia/Shanghai


@pytest.fixture(scope="session")
def app(database_url, clock):
    from engine.common.db import transaction
    from engine.demo.content import DEMO_PASSWORD
    from engine.demo.seed import seed_reference, seed_units, seed_users
    from web import create_app
    from web.cli import init_database
    from web.extensions import db
    from web.security import hash_password

    reset_caches()
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "CLOCK": clock,
                      "SECRET_KEY": "test-secret", "SCHEDULER_ENABLED": False,
                      "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True}})
    with app.app_context():
        init_database()
        with transaction(db.session):
            units = seed_units(db.session)
            seed_users(db.session, units, clock(), hash_password(DEMO_PASSWORD))
            seed_reference(db.session, units, clock())
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def db(app, clock):
    """An app context with a clean set of ticket tables; yields the Flask-SQLAlchemy handle."""
    from web.extensions import db as _db

    clock.set("2026-11-25T10:00:00+08:00")
    forget_active()  # a test may have switched versions behind the services' back (direct SQL)
    with app.app_context():
        yield _db
        _db.session.rollback()
        statements = [f"DELETE FROM {table}" for table in TICKET_TABLES]
        statements.append("UPDATE app_user SET token_generation = 0")  # a test that signed out
        if PG:  # one round trip instead of 33 (SQLite's driver takes one statement per call)
            _db.session.connection().exec_driver_sql("; ".join(statements))
        else:
            for statement in statements:
                _db.session.execute(text(statement))
        _db.session.commit()
        _db.session.remove()
