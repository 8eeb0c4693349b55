"""Authentication (web sessions, user API tokens, channel tokens), lockout and security headers."""
from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import deque
from datetime import timedelta
from functools import wraps

from flask import Flask, current_app, g, request, session
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from engine.common import Actor, Forbidden, ServiceError
from engine.models import ApiClient, User

from .extensions import db


class Unauthorized(ServiceError):
    status = 401
    code = "unauthorized"


class TooManyAttempts(ServiceError):
    status = 429
    code = "too_many_attempts"


class AttemptLimiter:
    """At most ``limit`` attempts per key within ``window`` seconds, per process (guards 6-digit query codes)."""

    def __init__(self, limit: int = 10, window: float = 600.0):
        self.limit, self.window = limit, window
        self._hits: dict[str, deque] = {}
        self._lock = threading.Lock()

    def check(self, key: str) -> None:
        """Count one attempt.

        :raises TooManyAttempts: past the limit, with a Chinese message.
        """
        t = time.monotonic()
        with self._lock:
            q = self._hits.setdefault(key, deque())
            while q and t - q[0] > self.window:
                q.popleft()
            if len(q) >= self.limit:
                raise TooManyAttempts("查询过于频繁，请10分钟后再试", f"too many lookups for {key}")
            q.append(t)
            if len(self._hits) > 50_000:  # forget idle keys so memory stays bounded
                for k in [k for k, v in self._hits.items() if not v or t - v[-1] > self.window]:
                    del self._hits[k]


LOOKUPS = AttemptLimiter()


def check_lookup(number: str) -> None:
    """Limit citizen progress look-ups per client address and per ticket number."""
    LOOKUPS.check(f"ip:{request.remote_addr}")
    LOOKUPS.check(f"no:{(number or '').strip()}")


def now():
    return current_app.config["CLOCK"]()


def hash_password(password: str) -> str:
    return generate_password_hash(password)


def authenticate(username: str, password: str) -> User:
    """Check a password with lockout after repeated failures.

    :raises Unauthorized: wrong name or password, inactive or locked account (one message for all but lockout).
    """
    t = now()
    user = db.session.scalar(select(User).where(User.username == (username or "").strip()))
    if user is not None and user.locked_until is not None and user.locked_until > t:
        raise Unauthorized("登录失败次数过多，账号已临时锁定，请稍后再试", f"login for locked user {username}",
                           code="locked")
    if user is None or not user.active or not check_password_hash(user.password_hash, password or ""):
        if user is not None:
            user.failed_logins += 1
            if user.failed_logins >= current_app.config["LOGIN_MAX_FAILURES"]:
                user.locked_until = t + timedelta(minutes=current_app.config["LOCKOUT_MINUTES"])
                user.failed_logins = 0
            db.session.commit()
        raise Unauthorized("用户名或密码错误", f"failed login for {username!r}")
    user.failed_logins, user.locked_until = 0, None
    db.session.commit()
    return user


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="hotline-api-user")


def issue_user_token(user: User) -> str:
    return "u." + _serializer().dumps({"uid": user.id})


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_channel_token() -> str:
    return "c." + secrets.token_urlsafe(32)


def api_actor() -> Actor:
    """Resolve the bearer token of an API request to an actor.

    :raises Unauthorized: with no, a malformed, an expired or an unknown token.
    """
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        raise Unauthorized("请提供访问令牌", "missing bearer token")
    token = header[7:].strip()
    if token.startswith("u."):
        try:
            data = _serializer().loads(token[2:], max_age=current_app.config["API_TOKEN_MAX_AGE"])
        except SignatureExpired:
            raise Unauthorized("访问令牌已过期，请重新登录", "expired user token") from None
        except BadSignature:
            raise Unauthorized("访问令牌无效", "bad user token signature") from None
        user = db.session.get(User, data.get("uid"))
        if user is None or not user.active:
            raise Unauthorized("访问令牌无效", "token for unknown or inactive user")
        g.user = user
        return Actor.of_user(user)
    client = db.session.scalar(select(ApiClient).where(ApiClient.token_hash == hash_token(token),
                                                       ApiClient.active.is_(True)))
    if client is None:
        raise Unauthorized("访问令牌无效", "unknown channel token")
    return Actor.channel_client(client.name, client.channel)


def current_user() -> User | None:
    if "user" in g:
        return g.user
    uid = session.get("uid")
    user = db.session.get(User, uid) if uid else None
    g.user = user if user is not None and user.active else None
    return g.user


def login_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        from flask import redirect, url_for

        if current_user() is None:
            return redirect(url_for("views.login", next=request.full_path))
        return view(*args, **kwargs)
    return wrapped


def require_user(actor: Actor) -> Actor:
    if actor.kind != "user":
        raise Forbidden("该接口仅供登录用户使用", f"{actor.label} used a user-only endpoint")
    return actor


def register_security(app: Flask) -> None:
    @app.before_request
    def _session_timeout():
        session.permanent = True

    @app.after_request
    def _headers(resp):
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("X-Frame-Options", "DENY")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        resp.headers.setdefault("Content-Security-Policy",
                                "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
                                "script-src 'self'; frame-ancestors 'none'")
        if request.path.startswith("/api/"):
            resp.headers.setdefault("Cache-Control", "no-store")
        return resp
