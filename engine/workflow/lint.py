"""Lint a parsed spec for what SpiffWorkflow does not check at parse time."""
from __future__ import annotations

import keyword

from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.specs.mixins.exclusive_gateway import ExclusiveGateway
from SpiffWorkflow.bpmn.specs.mixins.script_task import ScriptTask
from SpiffWorkflow.camunda.specs.user_task import UserTask

from engine.domain.roles import role_for_lane

from .problems import Problem, element_location
from .scripting import compile_check

FIELD_TYPES = {"string", "long", "boolean", "date", "enum"}


def lint_spec(pspec, files: dict[str, bytes], form_keys: set[str] | None) -> list[Problem]:
    """What the library does not check at parse time: expressions, lanes, forms."""
    problems = []

    def bad(element: str, message: str) -> None:
        name, line = element_location(files, element)
        problems.append(Problem(name, line, element, message))

    for ts in pspec.task_specs.values():
        bpmn_id = getattr(ts, "bpmn_id", None)
        if isinstance(ts, ExclusiveGateway):
            for cond, _target in ts.cond_task_specs:
                source = cond.args[0] if cond is not None else None
                if source is not None and (err := compile_check(source, "eval")):
                    bad(bpmn_id, f"condition {source!r} does not compile: {err}")
        if isinstance(ts, ScriptTask) and (err := compile_check(ts.script or "", "exec")):
            bad(bpmn_id, f"script does not compile: {err}")
        if isinstance(ts, CatchingEvent):
            expr = getattr(ts.event_definition, "expression", None)
            if isinstance(expr, str) and (err := compile_check(expr, "eval")):
                bad(bpmn_id, f"timer/condition expression {expr!r} does not compile: {err}")
        if isinstance(ts, UserTask):
            if role_for_lane(ts.lane) is None:
                bad(bpmn_id, f"user task lane {ts.lane!r} is not a role")
            form = getattr(ts, "form", None)
            key = form.key if form else None
            fields = list(form.fields) if form else []
            for f in fields:
                if not f.id or not f.id.isidentifier() or keyword.iskeyword(f.id):
                    bad(bpmn_id, f"form field id {f.id!r} is not a valid variable name")
                if f.type not in FIELD_TYPES:
                    bad(bpmn_id, f"form field {f.id!r} has unsupported type {f.type!r}")
            if form_keys is not None and key not in form_keys and not fields:
                bad(bpmn_id, f"form key {key!r} has no form and the task declares no fields")
    return problems
