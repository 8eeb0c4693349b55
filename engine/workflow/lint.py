"""Lint diagram elements for what SpiffWorkflow does not check at parse time, in the process owner's words.

Every message is a Chinese sentence that names the element by its name with the id beside it; a condition is
reported on the sequence flow that carries it, not on its gateway.
"""
from __future__ import annotations

import keyword
import re

from engine.domain.roles import ROLE_LABELS, Role, role_for_lane

from .elements import Element, Model, describe, flows
from .problems import Problem
from .scripting import WHAT_ZH, compile_check
from .variables import Analysis, check_reads

FIELD_TYPES = {"string": "文本", "long": "整数", "boolean": "是/否", "date": "日期", "enum": "选项"}
# Roles whose lane may hold a user task (the platform's own administrators do no casework).
TASK_ROLES = [r for r in ROLE_LABELS if r not in (Role.PROCESS_OWNER, Role.ADMIN)]
LANE_HINT = "用户任务须放在名为 " + "、".join(ROLE_LABELS[r] for r in TASK_ROLES) + " 的泳道中"
MAX_ELEMENTS = 1500


def compile_message(source: str, mode: str) -> str | None:
    """Why an expression or script does not compile in the restricted environment, in Chinese; None when it does."""
    err = compile_check(source, mode)
    if err is None:
        return None
    if "imports are not allowed" in err:
        return "不允许 import（条件和脚本不能导入模块）"
    m = re.match(r"constant expression too large: (a \w+) would exceed", err)
    if m:  # 9**9**9: refused at every evaluation, so refused here
        return f"常量表达式的运算结果过大（{WHAT_ZH.get(m.group(1), m.group(1))}），超出大小限制，请改小"
    m = re.search(r"name '(__\w*)' is not allowed", err)
    if m:
        return f"不允许使用以双下划线开头的名字 {m.group(1)}"
    m = re.search(r'"(\w+)" is an invalid (?:variable|attribute) name because it starts with "_"', err)
    if m:
        return f"不允许使用以下划线开头的名字 {m.group(1)}"
    line = re.search(r"[Ll]ine (\d+)", err)
    where = f"第 {line.group(1)} 行" if line and mode == "exec" else ""
    return f"不是合法的 Python {'表达式' if mode == 'eval' else '脚本'}（{where}语法错误）"


def lint_model(model: Model, process_ids: list[str], analysis: Analysis | None, form_keys: set[str] | None
               ) -> list[Problem]:
    """Structure, expressions, lanes, forms, task kinds and (with an ``analysis``) variables of these processes."""
    problems: list[Problem] = []
    for pid in process_ids:
        elements = model.in_process(pid)
        if len(elements) > MAX_ELEMENTS:
            proc = model.processes.get(pid)
            problems.append(Problem(proc.file if proc else None, proc.line if proc else None, pid,
                                    f"流程{model.label(pid) if proc else pid}有 {len(elements)} 个元素，超过本平台"
                                    f"允许的 {MAX_ELEMENTS} 个，请拆分后再上传。", "structure"))
            continue
        problems += _flows(model, pid)
        for el in elements:
            problems += _element(model, el, form_keys)
        if analysis is not None:
            for u in check_reads(analysis, pid):
                el = model.get(u.element)
                problems.append(Problem(el.file, el.line, el.id, u.message, "variable"))
    return problems


def _problem(el: Element, message: str, kind: str, severity: str = "error") -> Problem:
    return Problem(el.file, el.line, el.id, message, kind, severity)


def _flows(model: Model, pid: str) -> list[Problem]:
    out = []
    for f in flows(model, pid):
        for end, what in (("source", "起点"), ("target", "终点")):
            ref = f.props.get(end)
            target = model.get(ref)
            if target is None:
                out.append(_problem(f, f"顺序流{describe(f)}的{what} {ref or '（空）'} 不存在：请在建模器中把它连到一个"
                                       "环节上，或删除这条连线。", "structure"))
            elif target.process != pid:
                out.append(_problem(f, f"顺序流{describe(f)}连到了另一个流程中的{model.label(ref)}：顺序流只能连接"
                                       "同一流程内的环节。", "structure"))
        cond = f.props.get("condition")
        source = model.get(f.props.get("source"))
        if (not cond and source is not None and source.kind in ("exclusiveGateway", "inclusiveGateway")
                and source.props.get("default") != f.id):
            out.append(_problem(f, f"{source.kind_label}{describe(source)}的出口{describe(f, model)}既没有条件也不是"
                                   "默认流：请为它写条件，或把它设为默认流（选中连线，点扳手图标选“默认流”）。",
                                "structure"))
        if cond and not cond.lstrip().startswith(("${", "#{")):
            why = compile_message(cond, "eval")
            if why:
                out.append(_problem(f, f"{model.label(f.id)}的条件 {cond} {why}。", "expression"))
    return out


def _element(model: Model, el: Element, form_keys: set[str] | None) -> list[Problem]:
    out = []
    who = model.label(el.id)
    script = el.props.get("script")
    if el.kind == "scriptTask" and el.props.get("script_format", "python").lower() in ("", "python"):
        why = compile_message(script or "", "exec")
        if why:
            out.append(_problem(el, f"{who}的脚本{why}。", "expression"))
    expr = el.props.get("event_condition")  # timers are refused as such (engine.workflow.camunda)
    if expr and not expr.lstrip().startswith(("${", "#{")) and (why := compile_message(expr, "eval")):
        out.append(_problem(el, f"{who}的表达式 {expr} {why}。", "expression"))
    if el.kind == "task":
        out.append(_problem(el, f"{who}是普通“任务”：该任务不是用户任务，流程不会在此等待办理人，也没有人填写它的表单。"
                                "请在建模器中选中它，点扳手图标改为“用户任务”，并放入办理角色的泳道。", "task_kind"))
    if el.kind == "userTask":
        out += _user_task(model, el, form_keys)
    return out


def _user_task(model: Model, el: Element, form_keys: set[str] | None) -> list[Problem]:
    out = []
    who = model.label(el.id)
    lane = el.props.get("lane")
    if not lane:
        out.append(_problem(el, f"{who}没有泳道：{LANE_HINT}。", "lane"))
    elif role_for_lane(lane) is None or role_for_lane(lane) in (Role.PROCESS_OWNER, Role.ADMIN):
        out.append(_problem(el, f"{who}所在的泳道「{lane}」不是办理角色：{LANE_HINT}。", "lane"))
    for f in el.fields:
        fid, label = f["id"], f["label"] or f["id"]
        if not fid or not fid.isidentifier() or keyword.iskeyword(fid) or fid.startswith("_"):
            out.append(_problem(el, f"{who}的表单字段「{label}」的 ID {fid or '（空）'} 不能用作变量名：只能用字母、"
                                    "数字和下划线，不能以数字或下划线开头，也不能是 Python 关键字。", "form"))
        if f["type"] not in FIELD_TYPES:
            allowed = "、".join(f"{v}（{k}）" for k, v in FIELD_TYPES.items())
            out.append(_problem(el, f"{who}的表单字段「{label}」（{fid}）的类型 {f['type'] or '（空）'} 不受支持："
                                    f"可用的类型是 {allowed}。", "form"))
        if f["type"] == "enum" and not f["values"]:
            out.append(_problem(el, f"{who}的选项字段「{label}」（{fid}）没有任何选项。", "form"))
    key = el.props.get("form_key")
    if form_keys is not None and not el.fields and key not in form_keys:
        if key:
            out.append(_problem(el, f"{who}的表单键 {key} 没有对应的办理页面，而且该任务没有声明表单字段："
                                    "请改用已有的表单键，或在“表单”中选择“自动生成的表单”并添加字段。", "form"))
        else:
            out.append(_problem(el, f"{who}既没有表单键也没有表单字段，办理人无法填写：请在“表单”中设置表单键，"
                                    "或添加表单字段。", "form"))
    return out
