"""Small shape helpers shared by services; messages in Chinese for users."""
from __future__ import annotations


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
