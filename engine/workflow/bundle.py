"""Parse a deployed set of BPMN files once into specs plus the metadata the product reads."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.camunda.parser.CamundaParser import CamundaParser
from SpiffWorkflow.camunda.specs.user_task import UserTask

from engine.domain.roles import role_for_lane

from .elements import read_model
from .lint import lint_model
from .problems import DiagramError, Problem, element_location, validator
from .safexml import UnsafeXml, check_safe_xml

MAIN_PROCESS = "hotline_ticket"


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
    field_options: dict = field(default_factory=dict)  # enum field id -> {value: Chinese label}


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
            problems.append(Problem(name, exc.line, None,
                                    f"文件 {name} 不是可以安全解析的 XML（大小、DTD、实体或格式）。", "unsafe"))
    if problems:
        raise DiagramError(problems)
    parser = CamundaParser(validator=validator())
    try:
        for name, xml in files.items():
            parser.add_bpmn_str(xml, name)
        spec = parser.get_spec(process_id)
        subs = parser.get_subprocess_specs(process_id)
    except ValidationException as exc:
        line = exc.line_number or element_location(files, exc.id)[1]
        label = read_model(files).label(exc.id or process_id)
        raise DiagramError([Problem(exc.file_name, line or None, exc.id or None,
                                    f"流程引擎无法解析{label}：请先校验这组文件，按校验报告改正。")]) from exc
    except etree.XMLSyntaxError as exc:
        raise DiagramError([Problem(None, exc.lineno, None, f"第 {exc.lineno} 行不是格式正确的 XML。", "xml")]) from exc
    tasks: dict[str, TaskInfo] = {}
    model = read_model(files)
    # What deployed versions were always checked for; newer checks live in validate_files, so a version deployed
    # before them still loads.
    problems += [p for p in lint_model(model, [process_id, *subs], None, None)
                 if p.is_error and p.kind in ("expression", "lane", "form")]
    for pspec in [spec, *subs.values()]:
        _task_infos(pspec, tasks)
    if problems:
        raise DiagramError(problems)
    spec.spec_ref = ref
    return Bundle(ref=ref, spec=spec, subprocess_specs=subs, tasks=tasks, sha256=files_sha256(files))


def _task_infos(pspec, tasks: dict[str, TaskInfo]) -> None:
    """Collect what the product reads from each user task."""
    for ts in pspec.task_specs.values():
        bpmn_id = getattr(ts, "bpmn_id", None)
        if isinstance(ts, UserTask) and bpmn_id not in tasks:
            role = role_for_lane(ts.lane)
            form = getattr(ts, "form", None)
            fields = tuple((f.id, f.type, f.label) for f in (form.fields if form else []))
            options = {f.id: {o.id: o.name for o in (getattr(f, "options", None) or [])}
                       for f in (form.fields if form else []) if f.type == "enum"}
            tasks[bpmn_id] = TaskInfo(bpmn_id=bpmn_id, title=ts.bpmn_name or bpmn_id, lane=ts.lane,
                                      role=role.value if role else None,
                                      form_key=form.key if form else None,
                                      properties=dict(ts.extensions or {}), form_fields=fields,
                                      field_options=options)
