"""Problems found in a diagram, located by file, line and element; the shared XSD validator."""
from __future__ import annotations

from dataclasses import dataclass

from lxml import etree
from SpiffWorkflow.bpmn.parser import BpmnValidator

_VALIDATOR = None


def validator() -> BpmnValidator:
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


def _line_of(xml: bytes, element_id: str | None) -> int | None:
    if not element_id:
        return None
    try:
        root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        return None
    found = root.xpath("//*[@id=$i]", i=element_id)
    return found[0].sourceline if found else None


def element_location(files: dict[str, bytes], element_id: str | None) -> tuple[str | None, int | None]:
    """The file and line where the element with this id is defined."""
    for name, xml in files.items():
        line = _line_of(xml, element_id)
        if line:
            return name, line
    return None, None
