"""Units' duty lists (职责清单, from each unit's 三定方案 and 权责清单) kept by the office as data: keywords of the
matters a unit is responsible for, the categories it takes and the areas it covers. Dispatch suggestions read
them (:mod:`engine.matching.suggest`); the office edits them on /matching/duties.
"""
from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.common import Actor, Forbidden, Invalid, NotFound, iso
from engine.domain.roles import HANDLING_KINDS, Role
from engine.models import Category, Unit, UnitDuty

EDIT_ROLES = frozenset({Role.ADMIN, Role.DISPATCHER})
_SPLIT = re.compile(r"[\s,，、;；/|]+")
MAX_WORDS, MAX_WORD = 60, 20
MAX_AREAS, MAX_AREA = 30, 30


def may_edit(actor: Actor) -> bool:
    return actor.kind == "system" or (actor.kind == "user" and actor.role in EDIT_ROLES)


def split_words(value: object) -> list[str]:
    """Words typed in one box ("停水 断水、爆管") or sent as a list, without repeats, in order."""
    items = value if isinstance(value, list) else _SPLIT.split(str(value or ""))
    return list(dict.fromkeys(str(i).strip() for i in items if str(i).strip()))


def duty_dict(d: UnitDuty) -> dict:
    return {"id": d.id, "unit_id": d.unit_id, "title": d.title, "keywords": list(d.keywords or []),
            "categories": list(d.categories or []), "areas": list(d.areas or []), "basis": d.basis,
            "active": d.active, "updated_at": iso(d.updated_at)}


def units_with_duties(session: Session) -> list[dict]:
    """Every unit that can handle tickets, with how many active duty items it has."""
    duties: dict[int, int] = {}
    for uid in session.scalars(select(UnitDuty.unit_id).where(UnitDuty.active.is_(True))):
        duties[uid] = duties.get(uid, 0) + 1
    kinds = [k.value for k in HANDLING_KINDS]
    units = session.scalars(select(Unit).where(Unit.active.is_(True), Unit.kind.in_(kinds))
                            .order_by(Unit.kind, Unit.id)).all()
    return [{"id": u.id, "name": u.name, "kind": u.kind, "duties": duties.get(u.id, 0), "summary": u.duties}
            for u in units]


def unit_duties(session: Session, unit_id: int) -> tuple[Unit, list[dict]]:
    """A unit and its duty items, active first.

    :raises NotFound: for an unknown unit.
    """
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFound("单位不存在", f"unit {unit_id} not found")
    rows = session.scalars(select(UnitDuty).where(UnitDuty.unit_id == unit_id)
                           .order_by(UnitDuty.active.desc(), UnitDuty.id)).all()
    return unit, [duty_dict(d) for d in rows]


def _check(session: Session, data: dict) -> dict:
    errors: dict[str, str] = {}
    title = str(data.get("title") or "").strip()
    if not title or len(title) > 120:
        errors["title"] = "请填写职责事项名称（120字以内）"
    keywords = split_words(data.get("keywords"))
    if len(keywords) > MAX_WORDS or any(len(k) > MAX_WORD for k in keywords):
        errors["keywords"] = f"关键词最多{MAX_WORDS}个，每个不超过{MAX_WORD}个字"
    categories = split_words(data.get("categories"))
    known = set(session.scalars(select(Category.name)))
    unknown = [c for c in categories if c not in known]
    if unknown:
        errors["categories"] = f"没有这些诉求分类：{'、'.join(unknown[:5])}"
    areas = split_words(data.get("areas"))
    if len(areas) > MAX_AREAS or any(len(a) > MAX_AREA for a in areas):
        errors["areas"] = f"负责区域最多{MAX_AREAS}个，每个不超过{MAX_AREA}个字"
    if not keywords and not categories and "keywords" not in errors:
        errors["keywords"] = "请至少填写一个关键词或选择一个诉求分类"
    basis = str(data.get("basis") or "").strip() or None
    if basis and len(basis) > 255:
        errors["basis"] = "依据不超过255个字"
    if errors:
        raise Invalid("职责清单填写有误，请修改后重试", f"duty refused: {sorted(errors)}", fields=errors)
    return {"title": title, "keywords": keywords, "categories": categories, "areas": areas, "basis": basis}


def save_duty(session: Session, actor: Actor, unit_id: int, data: dict, now: datetime,
              duty_id: int | None = None) -> UnitDuty:
    """Add a duty item to a unit's list, or change one.

    :raises Forbidden: for anyone but the office's dispatchers and administrators.
    :raises NotFound: an unknown unit or item.
    :raises Invalid: per-field Chinese messages.
    """
    if not may_edit(actor):
        raise Forbidden("只有派单员和系统管理员可以维护职责清单", f"{actor.label} may not edit duties")
    if session.get(Unit, unit_id) is None:
        raise NotFound("单位不存在", f"unit {unit_id} not found")
    values = _check(session, data)
    if duty_id is None:
        duty = UnitDuty(unit_id=unit_id, active=True, **values, updated_by_id=actor.user_id, updated_at=now)
        session.add(duty)
    else:
        duty = session.get(UnitDuty, duty_id)
        if duty is None or duty.unit_id != unit_id:
            raise NotFound("职责事项不存在", f"duty {duty_id} not on unit {unit_id}")
        for key, value in values.items():
            setattr(duty, key, value)
        duty.updated_by_id, duty.updated_at = actor.user_id, now
    session.flush()
    return duty


def set_active(session: Session, actor: Actor, unit_id: int, duty_id: int, active: bool, now: datetime) -> UnitDuty:
    """Stop (or use again) a duty item; stopped items are kept and no longer suggest the unit.

    :raises Forbidden: as :func:`save_duty`.
    :raises NotFound: an unknown item.
    """
    if not may_edit(actor):
        raise Forbidden("只有派单员和系统管理员可以维护职责清单", f"{actor.label} may not edit duties")
    duty = session.get(UnitDuty, duty_id)
    if duty is None or duty.unit_id != unit_id:
        raise NotFound("职责事项不存在", f"duty {duty_id} not on unit {unit_id}")
    duty.active, duty.updated_by_id, duty.updated_at = active, actor.user_id, now
    return duty
