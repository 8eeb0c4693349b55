"""Build a form from the fields a diagram declares (camunda:formData), so a process owner can add a simple task."""
from __future__ import annotations

from wtforms import BooleanField, IntegerField
from wtforms.validators import InputRequired

from .base import Choice, CommandForm, LocalDateField, blank, options, text

# Names a declared field may not take as a Python attribute: they would hide the form's own members.
_RESERVED = {name for name in dir(CommandForm) if not name.startswith("__")}


def _field(ftype: str, label: str, values: list[tuple[str, str]] | None):
    if ftype == "boolean":
        return BooleanField(label)
    if ftype == "long":
        return IntegerField(label, validators=[InputRequired(f"请填写{label}（整数）")])
    if ftype == "date":
        return LocalDateField(label, validators=[InputRequired(f"请填写{label}（日期）")])
    if ftype == "enum" and values:
        return Choice(label, choices=[blank(), *options(values)], required=f"请选择{label}")
    return text(label, 5000, area=True)  # a declared text may be long: multi-line, kept whole


def build_form(bpmn_id: str, fields: tuple, enum_options: dict[str, list[tuple[str, str]]]) -> type[CommandForm]:
    """Return a form class with one field per declared ``(id, type, label)``; types: string, long, boolean,
    date, enum (values from ``enum_options``). ``to_command()`` returns ``{field id: value}``."""
    attrs: dict = {}
    names: dict[str, str] = {}
    for i, (fid, ftype, label) in enumerate(fields):
        attr = fid if fid.isidentifier() and not fid.startswith("_") and fid not in _RESERVED else f"field_{i}"
        attrs[attr] = _field(ftype, label or fid, enum_options.get(fid))
        names[attr] = fid

    def to_command(self) -> dict:
        out = {}
        for attr, fid in names.items():
            value = getattr(self, attr).data
            out[fid] = value.isoformat() if hasattr(value, "isoformat") else value
        return out

    attrs["to_command"] = to_command
    attrs["declared_ids"] = dict(names)
    return type(f"DeclaredForm_{bpmn_id}", (CommandForm,), attrs)
