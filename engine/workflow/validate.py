"""Check a draft diagram set: every process of every file, every problem in one pass, before anything trusts it.

Each problem has its file, line and element and a Chinese sentence naming the element by its name with its id;
warnings (settings that do nothing here) do not stop a deployment, errors do.
"""
from __future__ import annotations

import logging
import re

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.camunda.parser.CamundaParser import CamundaParser

from .bundle import MAIN_PROCESS
from .camunda import check_camunda
from .elements import Model, read_model
from .lint import lint_model
from .problems import Problem, validator
from .safexml import MAX_BYTES, UnsafeXml, check_safe_xml
from .variables import Analysis, Catalogue

log = logging.getLogger(__name__)
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)


def validate_files(files: dict[str, bytes], *, form_keys: set[str] | None = None,
                   operations: set[str] | None = None, process_id: str = MAIN_PROCESS,
                   catalogue: Catalogue | None = None, platform: dict[str, str] | None = None) -> list[Problem]:
    """Return every problem found in a set of BPMN files (no errors: the set may be deployed).

    ``form_keys``: the form keys that have a page; a user task with another key must declare its fields.
    ``operations``: the registered service-task operations. ``catalogue``: the variables the platform writes (start
    data, form keys), for checking what conditions and scripts read. ``platform``: the processes the platform
    starts, id → Chinese title.
    """
    problems = _xml_problems(files)
    if problems:
        return problems
    model = read_model(files)
    platform = platform or {process_id: process_id}
    runs = _run_here(model, process_id)
    problems += _process_problems(model, process_id, runs, platform)
    problems += _missing_calls(model)
    problems += _service_tasks(model, operations or set())
    pids = sorted(model.processes)
    lint = lint_model(model, pids, None, form_keys)
    problems += lint
    if catalogue is not None:
        analysis = Analysis(model, catalogue)
        problems += [p for p in lint_model(model, sorted(runs), analysis, None) if p.kind == "variable"]
    problems += check_camunda(model, pids)
    reported = {p.element for p in problems if p.is_error}
    problems += _library_problems(files, model, reported)
    order = {name: i for i, name in enumerate(files)}
    return sorted(dict.fromkeys(problems), key=lambda p: (not p.is_error, order.get(p.file, 99), p.line or 0))


def _xml_problems(files: dict[str, bytes]) -> list[Problem]:
    out = []
    for name, xml in files.items():
        try:
            check_safe_xml(xml, name)
        except UnsafeXml as exc:
            log.info("diagram refused: %s", exc)
            message = {
                "size": f"文件 {name} 有 {len(xml)} 字节，超过每个文件 {MAX_BYTES // (1024 * 1024)} MB 的上限。",
                "unsafe": f"文件 {name} 含有 DTD、实体声明或外部引用，出于安全原因在解析前已拒绝。",
            }.get(exc.reason, f"文件 {name} 不是格式正确的 XML（第 {exc.line or '?'} 行：标签不匹配、缺少结束标签"
                              "或含有非法字符）。")
            out.append(Problem(name, exc.line, None, message, "unsafe" if exc.reason != "malformed" else "xml"))
    if out:
        return out
    for name, xml in files.items():  # schema errors, one parser per file so each file reports its own
        try:
            CamundaParser(validator=validator()).add_bpmn_str(xml, name)
        except ValidationException as exc:
            out.append(_schema_problem(name, xml, exc))
        except etree.XMLSyntaxError as exc:
            out.append(Problem(name, exc.lineno, None, f"文件 {name} 第 {exc.lineno} 行不是格式正确的 XML。", "xml"))
    return out


_SCHEMA = [
    (r"Element '\{http://www\.omg\.org/spec/BPMN/20100524/MODEL\}(?P<el>[\w.-]+)': No matching global declaration",
     "根元素是 {el}，BPMN 流程图的根元素应是 definitions"),  # a fragment, not a whole diagram
    (r"Element '(?:\{[^}]*\})?(?P<el>[\w.-]+)': No matching global declaration",
     "根元素 {el} 不是 BPMN 2.0 流程图的根元素（应是 BPMN 2.0 命名空间中的 definitions），"
     "这不是从流程建模器导出的 .bpmn 文件"),
    (r"Element '(?:\{[^}]*\})?(?P<el>[\w.-]+)': This element is not expected\. Expected is (?:one of )?"
     r"\(\s*(?P<exp>[^)]*)\)", "元素 {el} 不能出现在这里（BPMN 2.0 规范在此处允许的是：{exp}）"),
    (r"Element '(?:\{[^}]*\})?(?P<el>[\w.-]+)': This element is not expected\.", "元素 {el} 不能出现在这里"),
    (r"Element '(?:\{[^}]*\})?(?P<el>[\w.-]+)', attribute '(?P<attr>[\w:.-]+)': The attribute .* is not allowed",
     "元素 {el} 不允许有属性 {attr}"),
    (r"Element '(?:\{[^}]*\})?(?P<el>[\w.-]+)', attribute '(?P<attr>[\w:.-]+)': '(?P<val>[^']*)' is not a valid",
     "元素 {el} 的属性 {attr} 的值 {val} 不合法"),
    (r"Element '(?:\{[^}]*\})?(?P<el>[\w.-]+)': Missing child element", "元素 {el} 缺少必需的子元素"),
    (r"Element '(?:\{[^}]*\})?(?P<el>[\w.-]+)': The attribute '(?P<attr>[\w:.-]+)' is required",
     "元素 {el} 缺少必需的属性 {attr}"),
]


def _schema_problem(name: str, xml: bytes, exc: ValidationException) -> Problem:
    text = str(exc)
    log.info("schema error in %s: %s", name, text)
    line = exc.line_number or None
    detail = "内容不符合 BPMN 2.0 规范"
    for pattern, template in _SCHEMA:
        m = re.search(pattern, text, re.S)
        if m:
            values = m.groupdict()
            if "exp" in values:
                values["exp"] = "、".join(re.sub(r"\{[^}]*\}", "", x).strip() for x in values["exp"].split(",")
                                          if x.strip())
            detail = template.format(**values)
            break
    element, label = _element_at(xml, line)
    where = f"{label}中" if label else ""
    return Problem(name, line, element, f"文件 {name} 第 {line or '?'} 行{where}：{detail}。", "schema")


def _element_at(xml: bytes, line: int | None) -> tuple[str | None, str | None]:
    """The nearest element with an id around a line, and how a message names it."""
    if not line:
        return None, None
    try:
        root = etree.fromstring(xml, _PARSER)
    except etree.XMLSyntaxError:
        return None, None
    best = None
    for node in root.iter():
        if isinstance(node.tag, str) and node.sourceline and node.sourceline <= line:
            best = node
    while best is not None and not best.get("id"):
        best = best.getparent()
    if best is None:
        return None, None
    name = best.get("name")
    return best.get("id"), (f"「{name}」（{best.get('id')}）" if name else f"（{best.get('id')}）")


def _run_here(model: Model, process_id: str) -> set[str]:
    """The process checked and every process it calls, transitively."""
    runs, todo = set(), [process_id]
    while todo:
        pid = todo.pop()
        if pid in runs or pid not in model.processes:
            continue
        runs.add(pid)
        todo += [e.props.get("called", "") for e in model.in_process(pid) if e.kind == "callActivity"]
    return runs


def _process_problems(model: Model, process_id: str, runs: set[str], platform: dict[str, str]) -> list[Problem]:
    out = []
    title = platform.get(process_id, process_id)
    if process_id not in model.processes:
        found = "、".join(model.label(p) for p in sorted(model.processes)) or "没有任何流程"
        out.append(Problem(None, None, process_id,
                           f"这组文件里没有「{title}」（{process_id}）：文件中的流程是 {found}。"
                           f"请上传含有 id 为 {process_id} 的流程的文件。", "process"))
    offered = "、".join(f"「{t}」（{p}）" for p, t in platform.items())
    for pid, proc in sorted(model.processes.items()):
        if pid in runs:
            continue
        out.append(Problem(proc.file, proc.line, pid,
                           f"流程{model.label(pid)}不在本平台运行：这组文件部署为「{title}」（{process_id}），"
                           f"只运行它和它调用的流程；本平台启动的流程是 {offered}。请删除该文件，或把其中的环节"
                           "移入上述流程、用调用活动调用它。", "process"))
    return out


def _missing_calls(model: Model) -> list[Problem]:
    out = []
    for el in model.elements.values():
        if el.kind == "callActivity" and el.props.get("called") not in model.processes:
            called = el.props.get("called") or "（空）"
            out.append(Problem(el.file, el.line, el.id,
                               f"调用活动{model.label(el.id)}调用的流程 {called} 不在这组文件中："
                               "请一并上传定义该流程的文件，或改正被调用流程的 ID。", "call"))
    return out


def _service_tasks(model: Model, operations: set[str]) -> list[Problem]:
    out = []
    for el in model.elements.values():
        if el.kind != "serviceTask" or any(el.props.get(k) for k in ("class", "delegateExpression", "expression",
                                                                     "camunda:connector")):
            continue
        op = el.props.get("property:operation") or el.props.get("topic")
        if op not in operations:
            known = "、".join(sorted(operations)) or "目前没有"
            out.append(Problem(el.file, el.line, el.id, f"服务任务{model.label(el.id)}调用的操作 {op or '（未设置）'}"
                                                       f"没有在本平台注册（可用的操作：{known}）。", "service"))
    return out


def _library_problems(files: dict[str, bytes], model: Model, reported: set) -> list[Problem]:
    """What the engine's own parser refuses per process, unless the checks above already named it."""
    out = []
    parser = CamundaParser(validator=validator())
    try:
        for name, xml in files.items():
            parser.add_bpmn_str(xml, name)
    except ValidationException as exc:  # a process id used twice
        return [Problem(exc.file_name or None, exc.line_number or None, exc.id or None,
                        f"流程 ID {exc.id or ''} 在这组文件中出现了不止一次：每个流程的 ID 必须唯一。", "structure")]
    for pid in sorted(model.processes):
        if any(e.id in reported for e in model.in_process(pid)):
            continue
        try:
            parser.get_spec(pid)
        except ValidationException as exc:
            log.info("engine parser refused process %s: %s", pid, exc)
            el = model.get(exc.id) or model.processes.get(pid)
            out.append(Problem(el.file, el.line, el.id, f"流程引擎无法解析{model.label(el.id)}：请在建模器中检查它的"
                                                       "连线、类型和属性。", "structure"))
    return out
