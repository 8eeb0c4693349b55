"""Name the Camunda-engine features a diagram uses that this platform cannot run or ignores, in Chinese.

Process owners may bring files from Camunda Modeler. The engine here is SpiffWorkflow reading ``camunda:formKey``,
``camunda:formData`` and ``camunda:properties``: Java delegates, Camunda's expression language, other script
languages, listeners, message starts and BPMN timers do not run; assignees, candidate groups, due dates, async
continuations and input/output mappings are ignored. What cannot run is an error; what is ignored is a warning.
"""
from __future__ import annotations

import re

from .elements import Element, Model
from .problems import Problem

# Task kinds SpiffWorkflow would accept but this platform does not run as the owner expects.
UNRUN_KINDS = {
    "sendTask": "发送任务（本平台不发送 BPMN 消息；短信和语音通知由平台按时限规则发出）",
    "receiveTask": "接收任务（本平台不接收 BPMN 消息，流程会永远停在这里）",
    "manualTask": "手工任务（不会出现在任何人的待办中；需要人办理的请用“用户任务”）",
    "businessRuleTask": "业务规则任务（本平台不运行 DMN 决策表；请用排他网关加条件）",
}
IGNORED = {
    "assignee": "办理人（assignee）", "candidateGroups": "候选组", "candidateUsers": "候选用户",
    "priority": "优先级", "followUpDate": "跟进时间",
}


def python_hint(expression: str) -> str | None:
    """A Python rewrite of a simple Camunda ``${…}`` condition, when one is obvious."""
    m = re.fullmatch(r"\s*[$#]\{(.*)\}\s*", expression, re.S)
    if not m:
        return None
    body = m.group(1).strip()
    for old, new in (("&&", " and "), ("||", " or "), (" eq ", " == "), (" ne ", " != "), (" gt ", " > "),
                     (" lt ", " < "), (" ge ", " >= "), (" le ", " <= "), ("'", '"')):
        body = body.replace(old, new)
    body = re.sub(r"!(?!=)", " not ", body)
    return re.sub(r"\s+", " ", body).strip() or None


def check_camunda(model: Model, process_ids: list[str]) -> list[Problem]:
    """Every Camunda-engine feature used in these processes, each on its element."""
    out: list[Problem] = []
    for pid in process_ids:
        for el in model.in_process(pid):
            out += _element(model, el)
    return out


def _p(el: Element, message: str, severity: str = "error", kind: str = "camunda") -> Problem:
    return Problem(el.file, el.line, el.id, message, kind, severity)


def _element(model: Model, el: Element) -> list[Problem]:
    out = []
    who = model.label(el.id)
    props = el.props
    cond = props.get("condition") or ""
    if cond.lstrip().startswith(("${", "#{")):
        hint = python_hint(cond)
        out.append(_p(el, f"{who}的条件 {cond} 是 Camunda 的表达式语言，本平台的条件是 Python 表达式"
                          + (f"，可改写为 {hint}。" if hint else "。")))
    elif props.get("condition_language", "python").lower() not in ("python", ""):
        out.append(_p(el, f"{who}的条件语言为 {props['condition_language']}，本平台的条件只能用 Python 表达式。"))
    if el.kind in UNRUN_KINDS:
        out.append(_p(el, f"{who}是{UNRUN_KINDS[el.kind]}，本平台不运行这种环节。", kind="task_kind"))
    if props.get("class"):
        out.append(_p(el, f"{who}由 Java 类 {props['class']} 实现，本平台不能运行 Java 代码。"))
    if props.get("delegateExpression"):
        out.append(_p(el, f"{who}的委托表达式 {props['delegateExpression']} 引用 Java 对象，本平台不能运行。"))
    if props.get("expression") and el.kind in ("serviceTask", "sendTask", "businessRuleTask"):
        out.append(_p(el, f"{who}的表达式 {props['expression']} 是 Camunda 的表达式语言，本平台不能运行。"))
    if props.get("camunda:connector"):
        out.append(_p(el, f"{who}使用了 Camunda 连接器（connector），本平台不能运行。"))
    if props.get("decisionRef"):
        out.append(_p(el, f"{who}引用 DMN 决策 {props['decisionRef']}，本平台不运行决策表。"))
    fmt = props.get("script_format", "")
    if el.kind == "scriptTask" and fmt.lower() not in ("", "python"):
        out.append(_p(el, f"{who}的脚本语言为 {fmt}，本平台只运行 Python 脚本"
                          "（groovy、JavaScript、xslt 等都不支持）。"))
    if props.get("event") == "message" and el.kind == "startEvent":
        out.append(_p(el, f"{who}是消息开始事件：本平台的流程只由登记诉求（或督办立项）启动，不接收消息。"))
    elif props.get("event") in ("message", "signal") and el.kind in ("intermediateCatchEvent", "boundaryEvent"):
        out.append(_p(el, f"{who}等待 BPMN 消息或信号，本平台不会发送，流程会停在这里。"))
    if props.get("event") == "timer":
        what = "循环定时器（cron 或 R/ 周期）" if props.get("timer") == "timeCycle" else "定时器"
        out.append(_p(el, f"{who}是{what}：本平台不运行 BPMN 定时器（不会触发），办理期限、预警和催办由平台的"
                          "工作日时钟按时限规则计算。"))
    for key in ("camunda:taskListener", "camunda:executionListener"):
        if props.get(key):
            kind = "任务监听器" if "task" in key else "执行监听器"
            out.append(_p(el, f"{who}设置了{kind}，本平台不支持监听器，不会执行（不生效）。", "warning", "ignored"))
    lane = props.get("lane")
    role_hint = f"（该任务在「{lane}」泳道）" if lane else ""
    for attr, label in IGNORED.items():
        if props.get(attr):
            out.append(_p(el, f"{who}设置了{label} {props[attr]}，不生效：本平台由泳道决定办理角色{role_hint}。",
                          "warning", "ignored"))
    if props.get("dueDate"):
        out.append(_p(el, f"{who}设置了到期时间 {props['dueDate']}，不生效：办理期限由平台按时限规则以工作日计算"
                          "（可在扩展属性 due 中指定时限种类）。", "warning", "ignored"))
    if props.get("asyncBefore") == "true" or props.get("asyncAfter") == "true":
        out.append(_p(el, f"{who}设置了异步延续，不生效：本平台每次办理在一个事务中完成。", "warning", "ignored"))
    if props.get("camunda:inputOutput"):
        out.append(_p(el, f"{who}设置了输入/输出映射，不生效：流程变量在各环节之间共享。", "warning", "ignored"))
    if props.get("camunda:in") or props.get("camunda:out"):
        out.append(_p(el, f"{who}设置了变量传入/传出映射，不生效：被调用的流程得到调用方的全部变量并全部带回。",
                      "warning", "ignored"))
    if props.get("resultVariable") and el.kind != "serviceTask":
        out.append(_p(el, f"{who}设置了结果变量 {props['resultVariable']}，不生效。", "warning", "ignored"))
    return out
