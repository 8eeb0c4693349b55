"""Every setting with its default; tests override by mapping, deployments by environment variables."""
from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Config:
    # Database: SQLite by default, PostgreSQL in production (postgresql+psycopg://user@host/db).
    SQLALCHEMY_DATABASE_URI = os.environ.get("HOTLINE_DATABASE_URL", "sqlite:///" + os.path.abspath(
        os.path.join(os.path.dirname(__file__), "..", "instance", "hotline.db")))
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    # Signing key for sessions, CSRF and user API tokens; must be set in production.
    SECRET_KEY = os.environ.get("HOTLINE_SECRET_KEY", "dev-only-change-me")
    # Lifetime of a signed user API token (seconds) and of an idle web session.
    API_TOKEN_MAX_AGE = int(os.environ.get("HOTLINE_API_TOKEN_MAX_AGE", 8 * 3600))
    PERMANENT_SESSION_LIFETIME = timedelta(minutes=int(os.environ.get("HOTLINE_SESSION_MINUTES", 30)))
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = os.environ.get("HOTLINE_SECURE_COOKIES", "0") == "1"
    # Login lockout: this many failures lock the account for LOCKOUT_MINUTES.
    LOGIN_MAX_FAILURES = 5
    LOCKOUT_MINUTES = 15
    WTF_CSRF_TIME_LIMIT = None
    # The office's name on pages and documents, and its short form in document numbers (河热线督〔2026〕12号).
    OFFICE_NAME = os.environ.get("HOTLINE_OFFICE_NAME", "河源市12345政府服务热线办公室")
    DOCUMENT_OFFICE_SHORT = os.environ.get("HOTLINE_DOCUMENT_OFFICE_SHORT", "河热线")
    # Background threads rendering print batches in each web process.
    DOCUMENT_BATCH_WORKERS = int(os.environ.get("HOTLINE_DOCUMENT_BATCH_WORKERS", 2))
    # Run the clock jobs inside this process (make run); production runs one `flask scheduler` instead.
    SCHEDULER_ENABLED = os.environ.get("HOTLINE_SCHEDULER", "0") == "1"
    SCHEDULER_INTERVAL_SECONDS = int(os.environ.get("HOTLINE_SCHEDULER_INTERVAL", 60))
    # The clock: a callable returning an aware UTC datetime; tests freeze it.
    CLOCK = staticmethod(_utcnow)
    # Notices (SMS/voice gateways, templates, retries) and supervision thresholds are listed with their defaults
    # in web/clocks/scheduler.py NOTIFY_DEFAULTS; each can be set here or as an HOTLINE_<NAME> environment variable.
    JSON_AS_ASCII = False
    # The largest request the server reads (attachments included), in bytes: a bound on the work of one upload.
    # The office's own limits per file and per ticket (附件上限, engine/attachments) are checked below it.
    MAX_CONTENT_LENGTH = int(os.environ.get("HOTLINE_MAX_REQUEST_MB", 64)) * 1024 * 1024
