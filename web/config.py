"""Every setting with its default; tests override by mapping, deployments by environment variables."""
from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


class ConfigurationError(ValueError):
    """A setting the app cannot start with: English for the log (``str``), Chinese for the operator (``message_zh``,
    the one line the command line prints)."""

    def __init__(self, message: str, message_zh: str) -> None:
        super().__init__(message)
        self.message_zh = message_zh


class Config:
    # Database: SQLite by default, PostgreSQL in production (postgresql+psycopg://user@host/db).
    SQLALCHEMY_DATABASE_URI = os.environ.get("HOTLINE_DATABASE_URL", "sqlite:///" + os.path.abspath(
        os.path.join(os.path.dirname(__file__), "..", "instance", "hotline.db")))
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    # Signing key for sessions, CSRF and user API tokens. Unset: a random key is generated once into
    # SECRET_KEY_FILE (mode 0600) and reused; several nodes share one key through this variable.
    SECRET_KEY = os.environ.get("HOTLINE_SECRET_KEY") or None
    # Where the generated key lives; default: instance/secret_key (Flask's instance-folder convention).
    SECRET_KEY_FILE = os.environ.get("HOTLINE_SECRET_KEY_FILE") or None
    # Lifetime of a signed user API token (seconds) and of an idle web session.
    API_TOKEN_MAX_AGE = int(os.environ.get("HOTLINE_API_TOKEN_MAX_AGE", 8 * 3600))
    PERMANENT_SESSION_LIFETIME = timedelta(minutes=int(os.environ.get("HOTLINE_SESSION_MINUTES", 30)))
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = os.environ.get("HOTLINE_SECURE_COOKIES", "0") == "1"
    # How many reverse proxies stand in front of the app (nginx of deploy/: 1). With N, the client's address and
    # scheme are read from the N-th last entry of X-Forwarded-For / X-Forwarded-Proto (Werkzeug's ProxyFix), so
    # sign-in locks and the citizens' look-up limit count per citizen, not per proxy. 0 (the default): the headers
    # are ignored and the address is the connection's, so a client reaching the app directly cannot forge one.
    TRUSTED_PROXIES = int(os.environ.get("HOTLINE_TRUSTED_PROXIES", 0))
    # How new passwords are hashed, in Werkzeug's notation: "scrypt" (its default, N=32768, r=8, p=1: about 0.1 s
    # of CPU a check on a 2-core server), "scrypt:N:r:p" or "pbkdf2:sha256:ITERATIONS". A stored hash keeps the
    # method it was made with; a change applies to passwords set afterwards.
    PASSWORD_HASH_METHOD = os.environ.get("HOTLINE_PASSWORD_HASH_METHOD") or "scrypt"
    # Login lockout: this many failures lock the account for LOCKOUT_MINUTES.
    LOGIN_MAX_FAILURES = 5
    LOCKOUT_MINUTES = 15
    WTF_CSRF_TIME_LIMIT = None
    # The office's name on pages and documents, and its short form in document numbers (河热线督〔2026〕12号).
    OFFICE_NAME = os.environ.get("HOTLINE_OFFICE_NAME", "河源市12345政府服务热线办公室")
    DOCUMENT_OFFICE_SHORT = os.environ.get("HOTLINE_DOCUMENT_OFFICE_SHORT", "河热线")
    # What every formal document calls the city, its hotline and the governing measures it cites (第六条, 第十八条…).
    CITY_NAME = os.environ.get("HOTLINE_CITY_NAME", "河源市")
    HOTLINE_NAME = os.environ.get("HOTLINE_HOTLINE_NAME", "河源市12345政府服务热线")
    MEASURES_NAME = os.environ.get("HOTLINE_MEASURES_NAME", "《河源市12345政府服务热线管理办法》")
    # Background threads rendering print batches in each web process.
    DOCUMENT_BATCH_WORKERS = int(os.environ.get("HOTLINE_DOCUMENT_BATCH_WORKERS", 2))
    # Run the clock jobs inside this process (make run); production runs one `flask scheduler` instead.
    SCHEDULER_ENABLED = os.environ.get("HOTLINE_SCHEDULER", "0") == "1"
    SCHEDULER_INTERVAL_SECONDS = int(os.environ.get("HOTLINE_SCHEDULER_INTERVAL", 60))
    # Where the command line records the traceback of an internal error (it prints one Chinese line); by default
    # instance/cli-errors.log.
    CLI_ERROR_LOG = os.environ.get("HOTLINE_CLI_ERROR_LOG")
    # The clock: a callable returning an aware UTC datetime; tests freeze it.
    CLOCK = staticmethod(_utcnow)
    # Notices (SMS/voice gateways, templates, retries) and supervision thresholds are listed with their defaults
    # in web/clocks/scheduler.py NOTIFY_DEFAULTS; each can be set here or as an HOTLINE_<NAME> environment variable.
    JSON_AS_ASCII = False
    # The largest request the server reads (attachments included), in bytes: a bound on the work of one upload.
    # The office's own limits per file and per ticket (附件上限, engine/attachments) are checked below it.
    MAX_CONTENT_LENGTH = int(os.environ.get("HOTLINE_MAX_REQUEST_MB", 64)) * 1024 * 1024
