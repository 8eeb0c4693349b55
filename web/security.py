"""Authentication (web sessions, user API tokens, channel tokens), lockout and security headers."""
from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta
from functools import wraps

from flask import Flask, current_app, g, request, session
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import bindparam, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from engine.common import Actor, Forbidden, ServiceError, throttle
from engine.domain.roles import Role
from engine.models import ApiClient, User
from engine.tickets import queries

from .config import ConfigurationError
from .dbping import first_read
from .extensions import db


class Unauthorized(ServiceError):
    status = 401
    code = "unauthorized"


class TooManyAttempts(ServiceError):
    status = 429
    code = "too_many_attempts"


LOOKUP_LIMIT = throttle.Limit(attempts=10, window=timedelta(minutes=10), lock_for=timedelta(minutes=10))
_DUMMY_HASH: dict[str, str] = {}


def citizen_lookup(number, code) -> dict:
    """A citizen's look-up of a ticket by number and query code, limited against guessing the code.

    Only wrong number/code pairs count: 10 within 10 minutes from one client address, or for one ticket number,
    lock both out for 10 minutes. Every attempt is counted *before* the code is checked (forty parallel guesses get
    ten checks, never more) and a right code gives its attempt back at once, so a citizen who looks up or evaluates
    their own ticket any number of times is never refused unless somebody is guessing.

    The failures already counted stay after a right code, under the address and under the number: wiping them
    would let a guesser holding one good code (their own ticket) clear their address between guesses, and would give
    whoever is guessing a number a fresh ten every time its citizen looks it up. A citizen's own typos cost them
    nothing: they are fewer than ten and expire with the window.
    :raises TooManyAttempts: with a Chinese message, before any check, while the address or the number is locked.
    :raises NotFound: a wrong number or code (counted).
    """
    number, code = queries.citizen_keys(number, code)  # hl2026… is HL2026…: one ticket, one count
    address = request.remote_addr or ""
    keys = (throttle.key_for("lookup", "ip", address), throttle.key_for("lookup", "no", number))
    for key in keys:
        until = throttle.reserve(db.session, key, LOOKUP_LIMIT, now(), kind="lookup", address=address)
        db.session.commit()  # counted for every worker before the check, even if the check fails
        if until is not None:
            raise TooManyAttempts("查询过于频繁，请10分钟后再试", f"too many lookups ({key})")
    found = queries.citizen_lookup(db.session, number, code, now())
    for key in keys:  # the same order as above: two look-ups never wait for each other's rows crosswise
        throttle.refund(db.session, key, LOOKUP_LIMIT)
    db.session.commit()
    return found


def now():
    return current_app.config["CLOCK"]()


def hash_password(password: str) -> str:
    """A new password's hash, by the deployment's method (PASSWORD_HASH_METHOD)."""
    return generate_password_hash(password, current_app.config["PASSWORD_HASH_METHOD"])


def _dummy_hash() -> str:
    # A hash of the same method as new ones, so an unknown name costs the same time as a wrong password.
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in _DUMMY_HASH:
        _DUMMY_HASH[method] = generate_password_hash(secrets.token_urlsafe(16), method)
    return _DUMMY_HASH[method]


# Werkzeug's notations: scrypt[:N:r:p], pbkdf2[:hash[:iterations]].
_HASH_METHOD = re.compile(r"scrypt(:[1-9]\d*:[1-9]\d*:[1-9]\d*)?|pbkdf2(:sha(256|384|512)(:[1-9]\d*)?)?")


def _usable(method: object) -> bool:
    if not isinstance(method, str) or not _HASH_METHOD.fullmatch(method):
        return False
    n = int(method.split(":")[1]) if method.startswith("scrypt:") else 2
    return n > 1 and n & (n - 1) == 0  # scrypt's N is a power of two above 1


def check_hash_method(app: Flask) -> None:
    method = app.config["PASSWORD_HASH_METHOD"]
    if not _usable(method):
        raise ConfigurationError(
            f"HOTLINE_PASSWORD_HASH_METHOD must be scrypt, scrypt:N:r:p or pbkdf2:sha256:ITERATIONS, not {method!r}",
            f"密码散列方式 HOTLINE_PASSWORD_HASH_METHOD 无法识别（{method}），"
            "应为 scrypt、scrypt:N:r:p 或 pbkdf2:sha256:迭代次数，不设置即为 scrypt")


def login_limit() -> throttle.Limit:
    minutes = timedelta(minutes=current_app.config["LOCKOUT_MINUTES"])
    return throttle.Limit(attempts=current_app.config["LOGIN_MAX_FAILURES"], window=minutes, lock_for=minutes)


def authenticate(username: str, password: str) -> User:
    """Check a password; lock the name for this client address after repeated failures.

    Unknown, inactive and real accounts take the same time and get the same answers, locked included: the
    attempt is counted under the name and address whether or not the account exists.
    :raises Unauthorized: wrong name or password, inactive account, or locked (code ``locked``).
    """
    username = username.strip() if isinstance(username, str) else ""
    password = password if isinstance(password, str) else ""
    address = request.remote_addr or ""
    key = throttle.key_for("login", username, address)
    until = throttle.reserve(db.session, key, login_limit(), now(), kind="login", account=username,
                             address=address)
    db.session.commit()  # the attempt counts before the check, for every worker
    if until is not None:
        raise Unauthorized("登录失败次数过多，账号已临时锁定，请稍后再试", f"login for locked name {username!r}",
                           code="locked")
    user = db.session.scalar(select(User).where(User.username == username)) if username else None
    good = check_password_hash(user.password_hash if user is not None else _dummy_hash(), password)
    if user is None or not user.active or not good:
        raise Unauthorized("用户名或密码错误", f"failed login for {username!r}")
    throttle.clear(db.session, key)
    db.session.commit()
    return user


def revoke_tokens(user: User) -> None:
    """Void every API token and web session of ``user`` issued so far (sign-out, password change)."""
    db.session.execute(update(User).where(User.id == user.id)
                       .values(token_generation=User.token_generation + 1))
    db.session.refresh(user)


def change_password(user: User, old: str, new: str) -> None:
    """Set a new password after checking the old one; every earlier token and session is void.

    :raises Unauthorized: the old password is wrong.
    """
    if not check_password_hash(user.password_hash, old or ""):
        raise Unauthorized("原密码不正确", f"password change for {user.username!r} with a wrong old password")
    user.password_hash = hash_password(new)
    revoke_tokens(user)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="hotline-api-user")


_SIGNED_CACHE_SIZE = 4096


def _signed_token(token: str) -> dict:
    """The payload of a user token whose signature and age are good.

    A token string whose signature was already checked with this app's key is not checked again: its payload and
    signing time are kept (at most 4,096 tokens, per key), and its age is checked on every request against the
    serializer's own clock, as the serializer checks it. Whether the account still accepts the token is not kept:
    the caller reads that on every request.
    :raises SignatureExpired: older than API_TOKEN_MAX_AGE (or signed in the future).
    :raises BadSignature: not signed with this app's key.
    """
    key = current_app.config["SECRET_KEY"]
    cache = current_app.extensions.get("hotline_api_tokens")
    if cache is None or cache[0] != key:
        serializer = _serializer()
        cache = current_app.extensions["hotline_api_tokens"] = (key, {}, serializer, serializer.make_signer())
    max_age = current_app.config["API_TOKEN_MAX_AGE"]
    known = cache[1].get(token)
    if known is None:
        payload, signed_at = cache[2].loads(token, max_age=max_age, return_timestamp=True)
        if len(cache[1]) >= _SIGNED_CACHE_SIZE:
            cache[1].clear()
        known = cache[1][token] = (payload, int(signed_at.timestamp()))
    age = cache[3].get_timestamp() - known[1]
    if age > max_age or age < 0:
        raise SignatureExpired(f"token age {age} s outside 0..{max_age} s")
    return known[0]


def issue_user_token(user: User) -> str:
    return "u." + _serializer().dumps({"uid": user.id, "gen": user.token_generation})


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_channel_token() -> str:
    return "c." + secrets.token_urlsafe(32)


_U = User.__table__.c
# A plain Core statement on the session's connection: no ORM compilation or loading for the hottest read of the API.
_TOKEN_USER = select(_U.active, _U.token_generation, _U.display_name, _U.role, _U.unit_id).where(
    _U.id == bindparam("uid"))


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
            data = _signed_token(token[2:])
        except SignatureExpired:
            raise Unauthorized("访问令牌已过期，请重新登录", "expired user token") from None
        except BadSignature:
            raise Unauthorized("访问令牌无效", "bad user token signature") from None
        uid = data.get("uid") if isinstance(data, dict) else None
        # One indexed read of the columns an actor needs, no ORM object: whether the account is still active and
        # the token still of its current generation is checked on every request, so sign-out, a password change
        # or a deactivation refuse the token at once in every worker. It is the request's first statement and
        # checks its pooled connection itself (web.dbping): no ping before it.
        row = first_read(db.session(), _TOKEN_USER, {"uid": uid}) if isinstance(uid, int) else None
        if row is None or not row[0]:
            raise Unauthorized("访问令牌无效", "token for unknown or inactive user")
        _active, generation, name, role, unit_id = row
        if data.get("gen") != generation:
            raise Unauthorized("访问令牌已失效，请重新登录", f"revoked token of user {uid}")
        return Actor("user", name, uid, Role(role), unit_id)
    actor = channel_actor(token)
    if actor is None:
        raise Unauthorized("访问令牌无效", "unknown channel token")
    return actor


def channel_actor(token: str | None) -> Actor | None:
    """The active channel client holding ``token`` (create-api-client), as an actor; None for anything else."""
    if not token or len(token) > 200:
        return None
    client = db.session.scalar(select(ApiClient).where(ApiClient.token_hash == hash_token(token),
                                                       ApiClient.active.is_(True)))
    return Actor.channel_client(client.name, client.channel) if client is not None else None


def current_user() -> User | None:
    if "user" in g:
        return g.user
    uid = session.get("uid")
    user = db.session.get(User, uid) if isinstance(uid, int) else None
    valid = user is not None and user.active and session.get("gen", 0) == user.token_generation
    g.user = user if valid else None
    return g.user


def start_session(user: User) -> None:
    """Sign ``user`` in on this browser (the session carries the token generation it belongs to)."""
    session.clear()
    session["uid"], session["gen"] = user.id, user.token_generation


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


_HEADERS = (("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY"), ("Referrer-Policy", "same-origin"),
            ("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
                                        "script-src 'self'; frame-ancestors 'none'"))
_API_HEADERS = (*_HEADERS, ("Cache-Control", "no-store"))


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions; a request without cookies (every API call) gets its empty session without
    parsing a cookie header or building the signer it would not use. Saving is Flask's: an untouched session sets
    no cookie."""

    def open_session(self, app: Flask, request):
        if app.secret_key and not request.environ.get("HTTP_COOKIE"):
            return self.session_class()
        return super().open_session(app, request)


def register_security(app: Flask) -> None:
    check_hash_method(app)
    app.session_interface = CookieSessions()

    @app.before_request
    def _session_timeout():
        # The JSON API authenticates by bearer token and never reads the session: its answers set no cookie.
        if not request.path.startswith("/api/"):
            session.permanent = True

    @app.after_request
    def _headers(resp):
        # One pass over the answer's headers instead of a scan per header (Werkzeug's setdefault).
        have = {key.lower() for key in resp.headers.keys()}
        wanted = _API_HEADERS if request.path.startswith("/api/") else _HEADERS
        resp.headers.extend([(key, value) for key, value in wanted if key.lower() not in have])
        return resp
