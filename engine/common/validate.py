"""Small shape helpers shared by services and task handlers; messages in Chinese for users."""
from __future__ import annotations

from sqlalchemy.orm import Session

from engine.domain.roles import HANDLING_KINDS, UnitKind
from engine.models import Unit

from .errors import Invalid


def text(data: dict, key: str, label: str, errors: dict, *, required=True, max_len=255) -> str | None:
    value = data.get(key)
    value = value.strip() if isinstance(value, str) else value
    if value in (None, ""):
        if required:
            errors[key] = f"请填写{label}"
        return None
    if not isinstance(value, str):
        errors[key] = f"{label}格式不正确"
        return None
    if "\x00" in value:
        errors[key] = f"{label}含有不允许的字符"
        return None
    if len(value) > max_len:
        errors[key] = f"{label}不能超过{max_len}个字"
    return value


def fail(errors: dict, what: str) -> None:
    """Refuse the submission with every field's message when ``errors`` holds any."""
    if errors:
        raise Invalid("提交的信息有误，请修改后重试", f"{what} refused: {sorted(errors)}", fields=errors)


def as_id(value) -> int | None:
    """An id from a form or JSON; anything that is not a plausible database id is None."""
    try:
        n = int(value) if value not in (None, "") and not isinstance(value, bool) else None
    except (TypeError, ValueError, OverflowError):
        return None
    return n if n is not None and 0 < n < 2**31 else None


def unit_field(session: Session, value, key: str, label: str, errors: dict, kinds=HANDLING_KINDS) -> Unit | None:
    """The active unit of the kind wanted named by ``value``, or None with a message under ``key``."""
    uid = as_id(value)
    unit = session.get(Unit, uid) if uid else None
    if unit is None or not unit.active:
        errors[key] = f"请选择有效的{label}"
        return None
    if UnitKind(unit.kind) not in kinds:
        errors[key] = f"{unit.name}不能作为{label}"
        return None
    return unit


def units_field(session: Session, values, key: str, errors: dict, lead: Unit | None) -> list[Unit]:
    """The co-handling units named by ``values`` (none, one or a list): active, distinct and not the lead."""
    if values in (None, ""):
        return []
    if not isinstance(values, (list, tuple)):
        values = [values]
    units = []
    for v in values:
        u = unit_field(session, v, key, "协办单位", errors)
        if u is None:
            return []
        if (lead and u.id == lead.id) or u in units:
            errors[key] = "协办单位不能与主办单位或彼此重复"
            return []
        units.append(u)
    return units
