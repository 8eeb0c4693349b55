"""Which process variables exist where, and which conditions and scripts read one that does not.

A variable is written by the start of a process (the data a ticket starts with), by a user task (what the handler of
its form key returns, or the fields its ``camunda:formData`` declares), by a script (its assignments), by a
multi-instance task (its element variable) and by a called process (its data comes back). A condition or script may
read what is written on some path leading to it; anything else fails on a citizen's ticket at run time, so it is
refused here, with the closest known name as a hint.
"""
from __future__ import annotations

import ast
import difflib
from dataclasses import dataclass, field, replace

from .elements import Element, Model, describe, flows, upstream
from .scripting import SCRIPT_ENGINE


@dataclass(frozen=True)
class Variable:
    """One process variable as the condition builder offers it."""

    name: str
    label: str
    type: str = "string"            # enum, boolean, long, string, date, unit, units, number, list
    values: tuple = ()              # ((value, Chinese label), ...) for enum and boolean
    source: str = ""                # who writes it, in Chinese

    def as_dict(self) -> dict:
        return {"name": self.name, "label": self.label, "type": self.type,
                "values": [list(v) for v in self.values], "source": self.source}


@dataclass
class Catalogue:
    """What the platform knows outside the diagram: start data per process, the variables each form key writes."""

    start: dict[str, list[Variable]] = field(default_factory=dict)
    forms: dict[str, list[Variable]] = field(default_factory=dict)


BOOLEAN = ((True, "是"), (False, "否"))
_FIELD_TYPES = {"boolean": "boolean", "long": "long", "date": "date", "enum": "enum", "string": "string"}


def _globals() -> set[str]:
    env = SCRIPT_ENGINE.environment.globals
    names = set(env) | set(env.get("__builtins__") or {})
    return {n for n in names if not n.startswith("_")} | {"True", "False", "None"}


def assigned_names(source: str) -> dict[str, str]:
    """Names a script assigns, with a type guessed from a literal value (``long``, ``boolean``, ``string``)."""
    try:
        tree = ast.parse(source or "", mode="exec")
    except SyntaxError:
        return {}
    out: dict[str, str] = {}
    for node in ast.walk(tree):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
            node, (ast.AugAssign, ast.AnnAssign)) else []
        value = getattr(node, "value", None)
        kind = "string"
        if isinstance(value, ast.Constant):
            kind = {bool: "boolean", int: "long", float: "number", str: "string"}.get(type(value.value), "string")
        elif isinstance(value, (ast.List, ast.Tuple)):
            kind = "list"
        for t in targets:
            for n in ast.walk(t):
                if isinstance(n, ast.Name):
                    out.setdefault(n.id, kind)
    return out


def read_names(source: str, mode: str) -> list[str]:
    """Names an expression or script reads before (or without) assigning them, in order of appearance."""
    try:
        tree = ast.parse(source or "", mode=mode)
    except SyntaxError:
        return []
    bound: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.comprehension):
            bound |= {n.id for n in ast.walk(node.target) if isinstance(n, ast.Name)}
        elif isinstance(node, ast.Lambda):
            bound |= {a.arg for a in node.args.args}
    assigned: set[str] = set()
    out: list[str] = []
    body = tree.body if mode == "exec" else [tree]
    for stmt in body:
        for n in ast.walk(stmt):
            if isinstance(n, ast.AugAssign) and isinstance(n.target, ast.Name) and n.target.id not in assigned:
                out.append(n.target.id)
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id not in bound | assigned:
                out.append(n.id)
        if mode == "exec":
            assigned |= set(assigned_names(ast.unparse(stmt)))
    return list(dict.fromkeys(out))


def writes(el: Element, model: Model, catalogue: Catalogue, _seen: frozenset = frozenset()) -> list[Variable]:
    """The variables one element writes."""
    who = describe(el, model)
    out: list[Variable] = []
    if el.kind == "userTask":
        for v in catalogue.forms.get(el.props.get("form_key") or "", []):
            out.append(replace(v, source=who))
        for f in el.fields:
            values = tuple(f["values"]) if f["type"] == "enum" else BOOLEAN if f["type"] == "boolean" else ()
            out.append(Variable(f["id"], f["label"] or f["id"], _FIELD_TYPES.get(f["type"], "string"), values, who))
    if el.kind == "scriptTask":
        for name, kind in assigned_names(el.props.get("script", "")).items():
            out.append(Variable(name, f"脚本{who}中赋值", kind, BOOLEAN if kind == "boolean" else (), who))
    if el.props.get("element_variable"):
        out.append(Variable(el.props["element_variable"], f"{who}的多实例元素变量", "unit", (), who))
    if el.kind == "callActivity" and el.props.get("called") and el.props["called"] not in _seen:
        called = el.props["called"]
        for inner in model.in_process(called):
            out += writes(inner, model, catalogue, _seen | {called})
    return out


class Analysis:
    """Variables of one set of files, computed once per element (a check reads them many times)."""

    def __init__(self, model: Model, catalogue: Catalogue):
        self.model, self.catalogue = model, catalogue
        self._writes: dict[str, list[Variable]] = {}
        self._scope: dict[str, list[Variable]] = {}

    def writes(self, el: Element) -> list[Variable]:
        if el.id not in self._writes:
            self._writes[el.id] = writes(el, self.model, self.catalogue)
        return self._writes[el.id]

    def scope(self, element_id: str, _seen: frozenset = frozenset()) -> list[Variable]:
        """Every variable written on some path leading to the element (the first writer of a name wins)."""
        if element_id in self._scope:
            return self._scope[element_id]
        model = self.model
        el = model.get(element_id)
        if el is None:
            return []
        if el.kind == "sequenceFlow":
            source = model.get(el.props.get("source"))
            found = (self.scope(source.id, _seen) + self.writes(source)) if source else []
        else:
            found = list(self.catalogue.start.get(el.process or "", []))
            if el.process not in _seen:
                for caller in _callers(model, el.process or ""):
                    found += self.scope(caller.id, _seen | {el.process})
            for node_id in sorted(upstream(model, element_id)):
                node = model.get(node_id)
                if node is not None and node.process == el.process:
                    found += self.writes(node)
        self._scope[element_id] = result = _unique(found)
        return result

    def all_written(self, process_id: str) -> dict[str, list[str]]:
        """Name → who writes it anywhere in the process (to tell 'never written' from 'not written before here')."""
        out: dict[str, list[str]] = {}
        for v in self.catalogue.start.get(process_id, []):
            out.setdefault(v.name, []).append("流程开始时的数据")
        for el in self.model.in_process(process_id):
            for v in self.writes(el):
                out.setdefault(v.name, []).append(v.source)
        return out


def scope_at(model: Model, catalogue: Catalogue, element_id: str) -> list[Variable]:
    """Every variable written on some path leading to the element."""
    return Analysis(model, catalogue).scope(element_id)


def _callers(model: Model, process_id: str) -> list[Element]:
    return [e for e in model.elements.values() if e.kind == "callActivity" and e.props.get("called") == process_id]


def _unique(found: list[Variable]) -> list[Variable]:
    out: dict[str, Variable] = {}
    for v in found:
        out.setdefault(v.name, v)
    return list(out.values())


@dataclass(frozen=True)
class Unknown:
    """A name read where nothing wrote it."""

    element: str
    name: str
    message: str


def check_reads(analysis: Analysis, process_id: str) -> list[Unknown]:
    """Every condition, script and unit property of the process that reads a variable nothing wrote before it."""
    model = analysis.model
    builtins = _globals()
    out: list[Unknown] = []
    anywhere = analysis.all_written(process_id)
    for el, source, mode, what in _readers(model, process_id):
        if source.lstrip().startswith(("${", "#{")):
            continue  # Camunda's expression language: reported as such by the Camunda checks
        visible = {v.name for v in analysis.scope(el.id)} | builtins | {el.props.get("element_variable")}
        for name in read_names(source, mode):
            if name in visible:
                continue
            where = (f"{describe(el, model)}的{what} {source.strip()} 中，" if what != "unit" else
                     f"{describe(el, model)}的扩展属性 unit 指定办理单位取自变量 {name}，但")
            if name in anywhere:
                writers = "、".join(dict.fromkeys(anywhere[name]))
                message = (f"{where}变量 {name} 在通往这里的路径上没有环节写入（写入它的是{writers}），"
                           "运行到这里时会出错。")
            else:
                hint = (difflib.get_close_matches(name, sorted(anywhere), n=1, cutoff=0.6)
                        or difflib.get_close_matches(name, sorted(builtins), n=1, cutoff=0.75))
                message = where + (f"变量 {name} 未定义，是否为 {hint[0]}？" if hint else
                                   f"变量 {name} 未定义：没有任何表单、脚本或流程开始时的数据写入它。")
            out.append(Unknown(el.id, name, message))
    return out


def _readers(model: Model, process_id: str):
    """(element, source, mode, what) for each expression of the process that reads variables."""
    for f in flows(model, process_id):
        if f.props.get("condition"):
            yield f, f.props["condition"], "eval", "条件"
    for el in model.in_process(process_id):
        if el.kind == "scriptTask" and el.props.get("script"):
            yield el, el.props["script"], "exec", "脚本"
        if el.props.get("collection") and el.props["collection"].isidentifier():
            yield el, el.props["collection"], "eval", "多实例集合"
        if el.props.get("event_condition"):
            yield el, el.props["event_condition"], "eval", "条件事件"
        if el.kind == "userTask" and el.props.get("property:unit", "").isidentifier():
            yield el, el.props["property:unit"], "eval", "unit"
