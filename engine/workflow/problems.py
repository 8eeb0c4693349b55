"""Problems found in a diagram, located by file, line and element; the shared XSD validator."""
from __future__ import annotations

from dataclasses import dataclass

from lxml import etree
from SpiffWorkflow.bpmn.parser import BpmnValidator

_VALIDATOR = None

# What kind of problem it is, in the owner's words (the report's 问题类别 column).
KINDS = {
    "unsafe": "不安全的 XML（解析前已拒绝）", "xml": "XML 格式错误", "schema": "不符合 BPMN 2.0 规范",
    "structure": "流程结构错误", "expression": "条件或脚本有误", "variable": "变量未定义",
    "lane": "泳道不是角色", "form": "表单定义有误", "task_kind": "本平台不运行的环节类型",
    "camunda": "Camunda 引擎功能（本平台不支持）", "ignored": "不生效的设置", "process": "流程不在本平台运行",
    "call": "调用的流程不存在", "service": "服务任务的操作未注册",
}


def validator() -> BpmnValidator:
    global _VALIDATOR
    if _VALIDATOR is None:
        _VALIDATOR = BpmnValidator()
    return _VALIDATOR


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a diagram, located by file, line and element.

    ``message`` is a Chinese sentence naming the element by its name with the id beside it; ``severity`` is
    ``error`` (the set may not be deployed) or ``warning`` (deployable, but a setting does nothing here).
    """

    file: str | None
    line: int | None
    element: str | None
    message: str
    kind: str = "structure"
    severity: str = "error"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, KINDS["structure"])

    @property
    def severity_label(self) -> str:
        return "错误" if self.is_error else "提醒"

    def __str__(self) -> str:
        where = "，".join(p for p in (self.file, f"第 {self.line} 行" if self.line else None) if p) or "流程图"
        return f"{where}：{self.message}"


class DiagramError(Exception):
    """A diagram the engine refuses; ``problems`` names file, line and element for each."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(f"{p.file}:{p.line} [{p.element}] {p.kind}" for p in problems))
        self.problems = problems


def errors_only(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.is_error]


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
