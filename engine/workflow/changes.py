"""Compare two versions element by element (by BPMN id), property by property, in the process owner's words.

Layout (diagram interchange) is not compared: moving a box never changes a version's meaning.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .elements import KIND_LABELS, Element, Model, describe

PROPERTY_LABELS = {
    "kind": "类型", "name": "名称", "documentation": "说明", "condition": "条件", "form_key": "表单键",
    "fields": "表单字段", "lane": "泳道（办理角色）", "property:due": "时限种类（due）",
    "property:unit": "办理单位变量（unit）", "property:status": "工单状态（status）", "script": "脚本",
    "called": "调用的流程", "default": "默认流", "source": "起点", "target": "终点", "collection": "多实例集合",
    "element_variable": "多实例元素变量", "timer_expression": "定时器表达式", "event": "事件类型",
}
# Properties that only describe an element: a change never stops a ticket from moving to the new version.
DESCRIPTIVE = {"name", "documentation"}


@dataclass
class PropertyChange:
    prop: str
    label: str
    old: str
    new: str
    raw_old: str = ""
    raw_new: str = ""


@dataclass
class ElementChange:
    element: str
    label: str           # 「名称」（id） as the new version names it
    kind: str            # Chinese kind
    changes: list[PropertyChange] = field(default_factory=list)

    @property
    def title(self) -> str:
        """The element with its kind said once: 用户任务「受理审查」（decide_scope）, 顺序流「争议」."""
        # describe() already names the kind of a flow and of an unnamed element; only a named node lacks it.
        return f"{self.kind}{self.label}" if self.label.startswith("「") else self.label

    @property
    def descriptive_only(self) -> bool:
        return all(c.prop in DESCRIPTIVE for c in self.changes)

    def as_dict(self) -> dict:
        return {"element": self.element, "label": self.label, "kind": self.kind, "title": self.title,
                "changes": [{"property": c.label, "old": c.old, "new": c.new} for c in self.changes]}


@dataclass
class ModelDiff:
    added: list[ElementChange] = field(default_factory=list)
    removed: list[ElementChange] = field(default_factory=list)
    changed: list[ElementChange] = field(default_factory=list)

    def changed_props(self, element_id: str) -> dict[str, PropertyChange]:
        for c in self.changed:
            if c.element == element_id:
                return {p.prop: p for p in c.changes}
        return {}

    @property
    def removed_ids(self) -> set[str]:
        return {c.element for c in self.removed}

    def as_dict(self) -> dict:
        return {"added": [c.as_dict() for c in self.added], "removed": [c.as_dict() for c in self.removed],
                "changed": [c.as_dict() for c in self.changed]}


def _raw(el: Element, prop: str) -> str:
    return el.kind if prop == "kind" else (el.name or "") if prop == "name" else el.props.get(prop, "")


def _value(el: Element, prop: str, model: Model) -> str:
    if prop == "kind":
        return KIND_LABELS.get(el.kind, el.kind)
    if prop == "name":
        return el.name or ""
    value = el.props.get(prop, "")
    if prop in ("source", "target", "default") and value:
        return model.label(value)
    return value


def _props(el: Element) -> list[str]:
    keys = ["kind", "name"] + [k for k in el.props if k not in ("incoming", "outgoing")]
    return list(dict.fromkeys(keys))


def property_label(prop: str) -> str:
    if prop in PROPERTY_LABELS:
        return PROPERTY_LABELS[prop]
    if prop.startswith("property:"):
        return f"扩展属性 {prop.split(':', 1)[1]}"
    if prop.startswith("camunda:"):
        return f"Camunda 设置 {prop.split(':', 1)[1]}"
    return prop


def diff_models(old: Model, new: Model) -> ModelDiff:
    """Elements added, removed and changed (with each changed property's old and new value)."""
    out = ModelDiff()
    for eid, el in sorted(new.elements.items()):
        if eid not in old.elements:
            out.added.append(ElementChange(eid, describe(el, new), el.kind_label))
    for eid, el in sorted(old.elements.items()):
        if eid not in new.elements:
            out.removed.append(ElementChange(eid, describe(el, old), el.kind_label))
            continue
        other = new.elements[eid]
        changes = []
        for prop in list(dict.fromkeys(_props(el) + _props(other))):
            if _raw(el, prop) != _raw(other, prop):
                a, b = _value(el, prop, old), _value(other, prop, new)
                changes.append(PropertyChange(prop, property_label(prop), a or "（无）", b or "（无）",
                                              _raw(el, prop), _raw(other, prop)))
        if changes:
            out.changed.append(ElementChange(eid, describe(other, new), other.kind_label, changes))
    return out
