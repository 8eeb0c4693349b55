"""Who sees a citizen's name and phone (DOMAIN.md §10, Art. 26): the office's policy per role, the decision for one
viewer on one ticket, and the view log — one row per user, ticket and reason, however often the page is loaded."""
from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from engine.common import Actor, Forbidden, Invalid, can_act, get_setting, iso, put_setting, write_audit
from engine.domain.privacy import (
    DEFAULT_POLICY,
    DEFAULT_REASONS,
    MODE_LABELS,
    MODES,
    NEVER,
    NO_CONTACT_TASKS,
    Access,
    access,
    parse_policy,
)
from engine.domain.roles import ROLE_LABELS, Role
from engine.models import PiiView, TaskProjection, Ticket

log = logging.getLogger(__name__)

POLICY_KEY = "pii_policy"
EDIT_ROLES = frozenset({Role.ADMIN})  # who changes the policy; the office's PII log readers may read it


def current_policy(session: Session) -> dict[Role, str]:
    """The policy in force: the office's setting over the product's defaults."""
    stored = get_setting(session, POLICY_KEY) or {}
    try:
        return parse_policy(stored)
    except ValueError as exc:  # a row written by hand: fall back to the defaults, loudly
        log.warning("ignoring the stored privacy policy: %s", exc)
        return dict(DEFAULT_POLICY)


def policy_rows(session: Session) -> list[dict]:
    """The policy as the privacy page lists it: each role with its mode, the default and why."""
    policy = current_policy(session)
    return [{"role": role.value, "role_label": ROLE_LABELS[role], "mode": policy[role],
             "mode_label": MODE_LABELS[policy[role]], "default": DEFAULT_POLICY[role],
             "default_label": MODE_LABELS[DEFAULT_POLICY[role]], "why": DEFAULT_REASONS[role]} for role in Role]


def set_policy(session: Session, actor: Actor, values: Mapping[str, str], now: datetime) -> dict[Role, str]:
    """Change the policy (role code → mode); the change is audited with the policy before and after.

    :raises Forbidden: for anyone but the 系统管理员.
    :raises Invalid: for an unknown role or mode.
    """
    if not (actor.kind == "user" and actor.role in EDIT_ROLES):
        raise Forbidden("只有系统管理员可以修改诉求人信息查看规则", f"{actor.label} may not change the privacy policy")
    try:
        policy = parse_policy(values)
    except ValueError as exc:
        raise Invalid("查看规则不正确，请为每个角色选择一种方式", str(exc)) from None
    put_setting(session, actor, POLICY_KEY, {role.value: mode for role, mode in policy.items()}, now)
    return policy


def viewer_access(session: Session, actor: Actor, tasks: Iterable[TaskProjection]) -> Access:
    """What ``actor`` gets of a ticket whose ready tasks are ``tasks`` (the policy of the actor's role)."""
    if actor.kind != "user" or actor.role is None:
        return access(NEVER, None)
    mine = next((p for p in tasks if can_act(actor, p) and p.form_key not in NO_CONTACT_TASKS), None)
    return access(current_policy(session)[actor.role], mine.title if mine else None)


def access_to(session: Session, actor: Actor, ticket_id: int) -> Access:
    """What ``actor`` gets of the ticket now (its ready tasks read here)."""
    return viewer_access(session, actor, session.scalars(select(TaskProjection)
                                                         .where(TaskProjection.ticket_id == ticket_id)).all())


def log_view(session: Session, actor: Actor, ticket_id: int, reason: str, now: datetime) -> bool:
    """Record that ``actor`` saw the citizen's details of a ticket for ``reason``; True the first time.

    One row per user, ticket and reason: a later view moves its last time and counts it (an upsert, so two
    concurrent first views cannot both insert).
    """
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(PiiView).values(ticket_id=ticket_id, user_id=actor.user_id, actor_label=actor.label[:120],
                                  reason=reason[:255], at=now, last_at=now, views=1)
    stmt = stmt.on_conflict_do_update(index_elements=["ticket_id", "user_id", "reason"],
                                      set_={"last_at": now, "views": PiiView.views + 1})
    return session.execute(stmt.returning(PiiView.views)).scalar_one() == 1


def reveal(session: Session, actor: Actor, ticket: Ticket, tasks: Iterable[TaskProjection], reason: str,
           now: datetime) -> None:
    """A masked viewer reveals the citizen's details with a stated reason (查看完整信息): logged, audited once.

    :raises Forbidden: when the viewer's role may not see them at all (不得查看).
    :raises Invalid: without a reason of at least 4 characters.
    """
    seen = viewer_access(session, actor, tasks)
    if not (seen.shown or seen.can_reveal):
        raise Forbidden("您无权查看诉求人完整信息（按热线办的规定，您的岗位不查看诉求人信息）",
                        f"{actor.label} may not see citizen details ({seen.mode})")
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise Invalid("事由至少4个字，请写明为何需要查看", "reveal without a reason",
                      fields={"reason": "事由至少4个字，请写明为何需要查看"})
    if log_view(session, actor, ticket.id, reason, now):
        write_audit(session, ticket.id, actor, "pii_view", ticket.status, ticket.status, now, reason=reason)


def pii_views(session: Session, limit: int = 200) -> list[dict]:
    """The view log, most recently seen first: who, which ticket, why, first and last time, how often."""
    rows = session.execute(select(PiiView, Ticket.number).join(Ticket, Ticket.id == PiiView.ticket_id)
                           .order_by(PiiView.last_at.desc(), PiiView.id.desc()).limit(limit)).all()
    return [{"at": iso(r.at), "last_at": iso(r.last_at or r.at), "views": r.views, "actor": r.actor_label,
             "ticket_id": r.ticket_id, "number": number, "reason": r.reason} for r, number in rows]


__all__ = ["MODES", "POLICY_KEY", "access_to", "current_policy", "log_view", "pii_views", "policy_rows", "reveal",
           "set_policy", "viewer_access"]
