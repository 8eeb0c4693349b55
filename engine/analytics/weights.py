"""Versions of the assessment weights: recorded, never changed, one in force (Art. 26; docs/assessment.md).

A 督办员 or 系统管理员 records a new version and puts it in force; the assessment of any period can be computed under
any recorded version, and every row says which one it used.
"""
from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine.common import Actor, Conflict, Forbidden, Invalid, NotFound
from engine.domain import assessment as A
from engine.domain.roles import Role
from engine.models import AssessmentWeights

WEIGHT_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})
_VERSION_LABEL = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]{0,19}$")


def weight_versions(session: Session) -> list[AssessmentWeights]:
    """Every version of the weights, newest first."""
    return list(session.scalars(select(AssessmentWeights).order_by(AssessmentWeights.created_at.desc(),
                                                                   AssessmentWeights.id.desc())))


def active_weights(session: Session) -> tuple[str, dict[str, float]]:
    """The version label and weights in force; the built-in "2026-1" if the office has none recorded."""
    row = session.scalar(select(AssessmentWeights).where(AssessmentWeights.active.is_(True))
                         .order_by(AssessmentWeights.id.desc()).limit(1))
    if row is None:
        return A.DEFAULT_WEIGHTS_VERSION, dict(A.DEFAULT_WEIGHTS)
    return row.version, A.validate_weights(row.weights)


def weights_of(session: Session, version: str) -> dict[str, float]:
    """The weights of one version.

    :raises NotFound: for an unknown version.
    """
    row = session.scalar(select(AssessmentWeights).where(AssessmentWeights.version == version))
    if row is None:
        if version == A.DEFAULT_WEIGHTS_VERSION:
            return dict(A.DEFAULT_WEIGHTS)
        raise NotFound("权重版本不存在", f"no weights version {version!r}")
    return A.validate_weights(row.weights)


def _may_set_weights(actor: Actor) -> None:
    if not (actor.kind == "user" and actor.role in WEIGHT_ROLES):
        raise Forbidden("只有督办员和系统管理员可以设置考核权重", f"{actor.label} may not set assessment weights")


def create_weight_version(session: Session, actor: Actor, version: str, weights: dict, now: datetime, *,
                          note: str | None = None, activate: bool = False) -> AssessmentWeights:
    """Record a new version of the weights (never a change to an old one); optionally put it in force.

    :raises Forbidden: for anyone but a 督办员 or 系统管理员.
    :raises Invalid: for a malformed label or weights that are not valid (unknown metric, negative, sum ≠ 1).
    :raises Conflict: when the label is taken.
    """
    _may_set_weights(actor)
    version = (version or "").strip()
    if not _VERSION_LABEL.match(version):
        raise Invalid("版本号须为1至20位字母、数字、点、横线或下划线", f"bad weights version label {version!r}",
                      fields={"version": "版本号格式不正确，例如 2027-1"})
    try:
        clean = A.validate_weights({k: v for k, v in (weights or {}).items() if v not in (None, "")})
    except ValueError as exc:
        raise Invalid("权重无效：各项权重须为非负数、只能包含考核指标，且合计为1", f"bad weights: {exc}",
                      fields={"weights": "各项权重须为非负数且合计为1"}) from None
    if session.scalar(select(AssessmentWeights.id).where(AssessmentWeights.version == version)) is not None:
        raise Conflict(f"权重版本“{version}”已存在，已有版本不能修改，请使用新的版本号",
                       f"weights version {version!r} exists")
    row = AssessmentWeights(version=version, weights=clean, note=(note or "").strip() or None,
                            created_by=actor.label[:120], created_by_id=actor.user_id, created_at=now, active=False)
    session.add(row)
    session.flush()
    if activate:
        activate_weight_version(session, actor, version, now)
    return row


def activate_weight_version(session: Session, actor: Actor, version: str, now: datetime) -> AssessmentWeights:
    """Put one version in force; the others stay as they are, inactive.

    :raises Forbidden: as :func:`create_weight_version`.
    :raises NotFound: for an unknown version.
    """
    _may_set_weights(actor)
    rows = session.scalars(select(AssessmentWeights).order_by(AssessmentWeights.id).with_for_update()).all()
    target = next((r for r in rows if r.version == version), None)
    if target is None:
        raise NotFound("权重版本不存在", f"no weights version {version!r}")
    session.execute(update(AssessmentWeights).where(AssessmentWeights.id != target.id,
                                                    AssessmentWeights.active.is_(True)).values(active=False))
    target.active, target.activated_by, target.activated_at = True, actor.label[:120], now
    session.flush()
    session.expire_all()
    return target
