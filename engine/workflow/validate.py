"""Check a draft diagram set and report every problem with file, line and element, before anything trusts it."""
from __future__ import annotations

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.camunda.parser.CamundaParser import CamundaParser

from .bundle import MAIN_PROCESS
from .lint import lint_spec
from .problems import Problem, element_location, validator
from .safexml import UnsafeXml, check_safe_xml

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
FIELD_TYPES = {"string", "long", "boolean", "date", "enum"}


def validate_files(files: dict[str, bytes], *, form_keys: set[str] | None = None,
                   operations: set[str] | None = None, process_id: str = MAIN_PROCESS) -> list[Problem]:
    """Return every problem found in a set of BPMN files (empty when the set may be deployed).

    ``form_keys``: the form keys that have a form; a user task with another key must declare its fields.
    ``operations``: the registered service-task operations.
    """
    problems: list[Problem] = []
    for name, xml in files.items():
        try:
            check_safe_xml(xml, name)
        except UnsafeXml as exc:
            problems.append(Problem(name, exc.line, None, str(exc)))
    if problems:
        return problems
    for name, xml in files.items():  # schema errors, one parser per file so each file reports its own
        try:
            CamundaParser(validator=validator()).add_bpmn_str(xml, name)
        except ValidationException as exc:
            problems.append(_from_validation(files, exc))
        except etree.XMLSyntaxError as exc:
            problems.append(Problem(name, exc.lineno, None, f"malformed XML: {exc}"))
    if problems:
        return problems
    problems += _service_tasks(files, operations or set())
    parser = CamundaParser(validator=validator())
    try:
        for name, xml in files.items():
            parser.add_bpmn_str(xml, name)
        if process_id not in parser.get_process_ids():
            return problems + [Problem(None, None, process_id, f"no process with id {process_id!r}")]
        spec = parser.get_spec(process_id)
        subs = parser.get_subprocess_specs(process_id)
    except ValidationException as exc:
        return problems + [_from_validation(files, exc)]
    for pspec in [spec, *subs.values()]:
        problems += lint_spec(pspec, files, form_keys)
    return problems


def _from_validation(files: dict[str, bytes], exc: ValidationException) -> Problem:
    file, line = exc.file_name or None, exc.line_number or None
    if not line and exc.id:
        file2, line = element_location(files, exc.id)
        file = file or file2
    message = str(exc).strip()
    element = exc.id or None
    if "was not found" in message:
        message = f"call activity target missing: {message}"
        missing = message.split("'")[1] if "'" in message else None
        located = _call_activity_calling(files, missing)
        if located:
            file, line, element = located
    return Problem(file, line, element, message)


def _call_activity_calling(files: dict[str, bytes], process_id: str | None):
    """The file, line and id of the call activity whose called process is missing."""
    for name, xml in files.items():
        root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
        for node in root.iter(f"{{{BPMN_NS}}}callActivity"):
            if process_id is None or node.get("calledElement") == process_id:
                return name, node.sourceline, node.get("id")
    return None


def _service_tasks(files: dict[str, bytes], operations: set[str]) -> list[Problem]:
    out = []
    for name, xml in files.items():
        root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
        for node in root.iter(f"{{{BPMN_NS}}}serviceTask"):
            op = node.get(f"{{{CAMUNDA_NS}}}topic")
            for prop in node.iter(f"{{{CAMUNDA_NS}}}property"):
                if prop.get("name") == "operation":
                    op = prop.get("value")
            if op not in operations:
                out.append(Problem(name, node.sourceline, node.get("id"),
                                   f"service task operation {op!r} is not registered"))
    return out
