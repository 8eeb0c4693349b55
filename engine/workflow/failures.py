"""Say in Chinese why the engine stopped: which element, which flow's condition, which variable.

The library's exceptions are English and name ids; the dry run and the office's alerts show this instead (the
English text still goes to the log).
"""
from __future__ import annotations

import logging
import re

from .elements import Model

log = logging.getLogger(__name__)

PYTHON_ERRORS = {
    "TypeError": "数据类型不符（例如把文字和数字比较）", "ZeroDivisionError": "除以零",
    "KeyError": "取不到的键", "IndexError": "下标超出范围", "AttributeError": "取不到的属性",
    "ValueError": "取值不合法", "SyntaxError": "语法错误",
}


def explain(exc: BaseException, model: Model) -> str:
    """A Chinese sentence for an engine failure (a ``WorkflowError`` or the library exception behind it)."""
    cause = exc.__cause__ if exc.__cause__ is not None else exc
    log.info("engine failure explained: %s", cause)
    chain = (exc, cause, cause.__cause__, cause.__context__)
    bound = next((x.message_zh for x in chain if getattr(x, "message_zh", None)), None)
    if bound:  # a script or condition stopped at a size or time bound, already said in Chinese with its element
        return _end(bound)
    text = str(cause)
    spec = getattr(cause, "task_spec", None)
    element = getattr(spec, "bpmn_id", None) or getattr(spec, "name", None)
    who = model.label(element) if element else "流程"
    error_type = getattr(cause, "error_type", None) or ""
    m = re.search(r"Error evaluating expression '(.*?)'\.", text, re.S)
    if m:
        expr = m.group(1)
        flow = next((f for f in model.elements.values() if f.kind == "sequenceFlow"
                     and f.props.get("source") == element and (f.props.get("condition") or "").strip() == expr.strip()),
                    None)
        where = f"{model.label(flow.id)}的条件 {expr}" if flow else f"{who}的表达式 {expr}"
        return _end(f"运行到{who}时，{where} {_why(cause, error_type)}")
    if "No conditions satisfied" in text:
        return (f"运行到{who}时，没有一条出口顺序流的条件成立，而该网关也没有默认流：请检查各条件，或把其中一条"
                "设为默认流。")
    if element and model.get(element) is not None and model.get(element).kind == "scriptTask":
        return _end(f"运行{who}的脚本时{_why(cause, error_type)}")
    if "is not ready" in text:
        return "该环节当前不可办理。"
    return f"运行到{who}时流程引擎停止（{_why(cause, error_type)}）。"


def _end(sentence: str) -> str:
    return sentence if sentence.endswith(("？", "。")) else sentence + "。"


def _why(cause: BaseException, error_type: str) -> str:
    detail = " ".join(str(x) for x in (cause.__cause__, cause.__context__, cause) if x is not None)
    name = re.search(r"name '(\w+)' is not defined", detail)
    if error_type == "NameError" or name:
        var = name.group(1) if name else "?"
        hint = re.search(r"Did you mean one of '\['(\w+)'", str(cause))
        return f"出错：变量 {var} 未定义" + (f"，是否为 {hint.group(1)}？" if hint else "")
    return "出错：" + PYTHON_ERRORS.get(error_type, "计算失败")
