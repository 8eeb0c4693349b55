"""The 系统管理员's verbs on accounts: users created, switched off and on, passwords reset; channel clients created,
listed and revoked. Each change writes one ticket-less audit row (who, when, whom), like 修改热线办设置.

Passwords and tokens arrive here already hashed (hashing is the web layer's, ``web/security.py``). Switching a user
off or resetting their password raises ``token_generation``: every web session and API token issued before is void
at once, in every worker (both are checked against the row on each request).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.domain.states import CHANNEL_LABELS, Channel
from engine.models import ApiClient, User

from .access import iso
from .actors import Actor
from .audit import write_audit
from .errors import Conflict, Invalid, NotFound


def _who(user: User) -> dict:
    return {"username": user.username, "display_name": user.display_name}


def find_user(session: Session, username: str) -> User:
    """:raises NotFound: no user of that sign-in name."""
    user = session.scalar(select(User).where(User.username == username)) if username else None
    if user is None:
        raise NotFound("用户不存在", f"no user {username!r}")
    return user


def _void_sessions(user: User) -> None:
    user.token_generation = User.token_generation + 1  # an UPDATE ... SET x = x + 1: no lost raise


def user_created(session: Session, actor: Actor, user: User, now: datetime) -> None:
    """The audit row of a user created on 新建用户 (the row itself is added by the page)."""
    session.flush()
    write_audit(session, None, actor, "user_create", None, None, now, **_who(user), role=user.role)


def set_active(session: Session, actor: Actor, user: User, active: bool, now: datetime) -> bool:
    """停用 / 启用 a user; False when it already was so (nothing written).

    Deactivating voids the user's sessions and API tokens at once.
    :raises Invalid: an administrator deactivating their own account.
    """
    if not active and actor.kind == "user" and actor.user_id == user.id:
        raise Invalid("不能停用自己的账号", f"{actor.label} tried to deactivate their own account")
    if bool(user.active) == active:
        return False
    user.active = active
    if not active:
        _void_sessions(user)
    write_audit(session, None, actor, "user_activate" if active else "user_deactivate", None, None, now,
                **_who(user))
    session.flush()
    return True


def reset_password(session: Session, actor: Actor, user: User, password_hash: str, now: datetime) -> None:
    """重置密码: a new password set by the administrator; the user's sessions and API tokens are void."""
    user.password_hash = password_hash
    _void_sessions(user)
    write_audit(session, None, actor, "user_password_reset", None, None, now, **_who(user))
    session.flush()


def clients(session: Session) -> list[dict]:
    """The channel clients (newest first) as shown on 接口客户端: never a token or its hash."""
    rows = session.scalars(select(ApiClient).order_by(ApiClient.created_at.desc(), ApiClient.id.desc())).all()
    return [_client_row(c) for c in rows]


def client(session: Session, name: str) -> dict:
    """:raises NotFound: no client of that name."""
    return _client_row(_find_client(session, name))


def _find_client(session: Session, name: str) -> ApiClient:
    found = session.scalar(select(ApiClient).where(ApiClient.name == name)) if name else None
    if found is None:
        raise NotFound("接口客户端不存在", f"no api client {name!r}")
    return found


def _client_row(c: ApiClient) -> dict:
    return {"name": c.name, "channel": c.channel, "channel_label": _channel_label(c.channel),
            "created_at": iso(c.created_at), "active": bool(c.active)}


def _channel_label(code: str) -> str:
    try:
        return CHANNEL_LABELS[Channel(code)]
    except ValueError:
        return "其他"


def create_client(session: Session, actor: Actor, name: str, channel: str, token_hash: str,
                  now: datetime) -> ApiClient:
    """A channel client holding the token whose hash is given (the token itself is shown once by the caller).

    :raises Invalid: an empty or too long name, or an unknown channel.
    :raises Conflict: the name is taken (revoked clients keep theirs).
    """
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise Invalid("客户端名称须为1至80个字", f"bad client name {name!r}")
    if channel not in {c.value for c in Channel}:
        raise Invalid("请选择渠道", f"unknown channel {channel!r}")
    if session.scalar(select(ApiClient.id).where(ApiClient.name == name)) is not None:
        raise Conflict(f"名称“{name}”已被使用，请换一个名称", f"client name {name!r} taken")
    row = ApiClient(name=name, channel=channel, token_hash=token_hash, created_at=now)
    session.add(row)
    session.flush()
    write_audit(session, None, actor, "api_client_create", None, None, now, name=name, channel=channel)
    return row


def revoke_client(session: Session, actor: Actor, name: str, now: datetime) -> bool:
    """吊销: the client's token stops working at once; False when it already was revoked.

    :raises NotFound: no client of that name.
    """
    found = _find_client(session, name)
    if not found.active:
        return False
    found.active = False
    write_audit(session, None, actor, "api_client_revoke", None, None, now, name=found.name, channel=found.channel)
    session.flush()
    return True
