"""Parse a deployed set of BPMN files once into specs plus the metadata the product reads."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from lxml import etree
from SpiffWorkflow.bpmn.parser import BpmnValidator
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.mixins.exclusive_gateway import ExclusiveGateway
from SpiffWorkflow.bpmn.specs.mixins.script_task import ScriptTask
from SpiffWorkflow.camunda.parser.CamundaParser import CamundaParser
from SpiffWorkflow.camunda.specs.user_task import UserTask

from engine.domain.roles import role_for_lane

from .safexml import UnsafeXml, check_safe_xml
from .scripting import compile_check

MAIN_PROCESS = "hotline_ticket"
_VALIDATOR = None


def _validator() -> BpmnValidator:
    global _VALIDATOR
    if _VALIDATOR is None:
        _VALIDATOR = BpmnValidator()
    return _VALIDATOR


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a diagram, located by file, line and element."""

    file: str | None
    line: int | None
    element: str | None
    message: str

    def __str__(self) -> str:
        where = ":".join(str(p) for p in (self.file, self.line) if p) or "diagram"
        return f"{where} [{self.element or '-'}] {self.message}"


class DiagramError(Exception):
    """A diagram the engine refuses; ``problems`` names file, line and element for each."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class TaskInfo:
    """What the product reads from one user task of the diagram."""

    bpmn_id: str
    title: str
    lane: str | None
    role: str | None
    form_key: str | None
    properties: dict
    form_fields: tuple = ()


@dataclass
class Bundle:
    """The parsed specs of one deployed version, cached per process and worker."""

    ref: str
    spec: object
    subprocess_specs: dict
    tasks: dict[str, TaskInfo] = field(default_factory=dict)
    sha256: str = ""


def files_sha256(files: dict[str, bytes]) -> str:
    h = hashlib.sha256()
    for name in sorted(files):
        h.update(name.encode() + b"\0" + files[name] + b"\0")
    return h.hexdigest()


def _line_of(xml: bytes, element_id: str | None) -> int | None:
    if not element_id:
        return None
    try:
        root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        return None
    found = root.xpath("//*[@id=$i]", i=element_id)
    return found[0].sourceline if found else None


def _element_file(files: dict[str, bytes], element_id: str | None) -> tuple[str | None, int | None]:
    for name, xml in files.items():
        line = _line_of(xml, element_id)
        if line:
            return name, line
    return None, None


def parse_bundle(files: dict[str, bytes], ref: str, process_id: str = MAIN_PROCESS) -> Bundle:
    """Parse and check a set of BPMN files; return the bundle for ``process_id``.

    :raises DiagramError: for unsafe or malformed XML, schema errors, missing processes or call
        activities, expressions that do not compile in the restricted environment, lanes that are
        not roles.
    """
    problems: list[Problem] = []
    for name, xml in files.items():
        try:
            check_safe_xml(xml, name)
        except UnsafeXml as exc:
            problems.append(Problem(name, None, None, str(exc)))
    if problems:
        raise DiagramError(problems)
    parser = CamundaParser(validator=_validator())
    try:
        for name, xml in files.items():
            parser.add_bpmn_str(xml, name)
        spec = parser.get_spec(process_id)
        subs = parser.get_subprocess_specs(process_id)
    except ValidationException as exc:
        line = exc.line_number or _element_file(files, exc.id)[1]
        raise DiagramError([Problem(exc.file_name, line or None, exc.id or None, str(exc).strip())]) from exc
    except etree.XMLSyntaxError as exc:
        raise DiagramError([Problem(None, exc.lineno, None, str(exc))]) from exc
    tasks: dict[str, TaskInfo] = {}
    for pspec in [spec, *subs.values()]:
        problems += _lint(pspec, files, tasks)
    if problems:
        raise DiagramError(problems)
    spec.spec_ref = ref
    return Bundle(ref=ref, spec=spec, subprocess_specs=subs, tasks=tasks, sha256=files_sha256(files))


def _lint(pspec, files: dict[str, bytes], tasks: dict[str, TaskInfo]) -> list[Problem]:
    """Check what the library does not check at parse time; collect user-task metadata."""
    problems = []

    def bad(element: str, message: str) -> None:
        name, line = _element_file(files, element)
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
        if isinstance(ts, UserTask) and bpmn_id not in tasks:
            role = role_for_lane(ts.lane)
            if role is None:
                bad(bpmn_id, f"user task lane {ts.lane!r} is not a role")
            form = getattr(ts, "form", None)
            fields = tuple((f.id, f.type, f.label) for f in (form.fields if form else []))
            tasks[bpmn_id] = TaskInfo(bpmn_id=bpmn_id, title=ts.bpmn_name or bpmn_id, lane=ts.lane,
                                      role=role.value if role else None,
                                      form_key=form.key if form else None,
                                      properties=dict(ts.extensions or {}), form_fields=fields)
    return problems
