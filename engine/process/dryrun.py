"""Simulate the standard journeys of a process against a draft, then every outgoing flow of every gateway reached.

Paths are shown as Chinese task names; a step is marked new only when the element is not in the active version;
failures are explained in Chinese (``engine.workflow.failures``). After the standard journeys, each outgoing flow of
a gateway that no journey took is tried by restoring the journey just before the task that writes the variables the
flow's condition reads, and completing that task with each value the variable can take (both values of a yes/no
field, every option of a choice).
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from engine.workflow import Runtime, parse_bundle
from engine.workflow.elements import Model, read_model
from engine.workflow.failures import explain
from engine.workflow.trace import gateway_moves
from engine.workflow.variables import Analysis, Variable, read_names

from .variables import catalogue

MAX_STEPS = 80
MAX_TRIES = 12
MAX_BRANCH_RUNS = 200  # bounded work for any diagram: further untaken flows are reported as not tried
# "（单位编号列表）" in a unit variable's label says what the condition compares; the report names the units instead.
UNIT_HINT = re.compile(r"（单位编号[^）]*）")
SAMPLES = {"boolean": [True, False], "unit": [None, 1], "units": [[], [4]], "long": [1, 0, 2], "number": [1, 0],
           "string": ["试运行", ""], "date": ["2026-11-25"], "list": [[], [1]]}


@dataclass
class Step:
    id: str
    name: str
    new: bool = False    # not in the active version
    auto: bool = False   # completed with generated data (a task the journey does not know)


@dataclass
class JourneyResult:
    code: str
    label: str
    ok: bool
    path: list[Step] = field(default_factory=list)
    ended_at: list[str] = field(default_factory=list)   # Chinese names of where it waits
    message: str = ""
    protected: bool = False   # a failure can never be overridden (intake)
    flow: str | None = None   # for a branch run: the flow it exercised
    untried: bool = False     # a branch no data could reach: a note, neither passed nor failed
    taken: set = field(default_factory=set, repr=False)

    @property
    def is_branch(self) -> bool:
        return self.code.startswith("branch:")

    @property
    def path_text(self) -> str:
        return " → ".join(s.name for s in self.path)


@dataclass
class Run:
    """One simulated instance and what it went through."""

    inst: object
    path: list[Step] = field(default_factory=list)
    trace: list[tuple[str, str, dict]] = field(default_factory=list)   # (blob before, task id, data)
    error: str | None = None


class DryRun:
    """The draft's bundle, its element model and the ids of the active version, shared by every run."""

    def __init__(self, files: dict[str, bytes], process_id: str, base_ids: set[str] | None,
                 unit_names: dict[int, str] | None = None):
        self.bundle = parse_bundle(files, "dry-run", process_id)
        self.unit_names = unit_names or {}
        self.rt = Runtime(lambda ref: self.bundle)
        self.model: Model = read_model(files)
        self.analysis = Analysis(self.model, catalogue())
        self.base_ids = base_ids

    def step(self, bpmn_id: str, auto: bool) -> Step:
        el = self.model.get(bpmn_id)
        return Step(bpmn_id, el.name or bpmn_id if el else bpmn_id,
                    new=self.base_ids is not None and bpmn_id not in self.base_ids, auto=auto)

    def defaults(self, bpmn_id: str) -> dict:
        """Data for a task the journey does not name: the first value of each variable it writes."""
        el = self.model.get(bpmn_id)
        own = el.props.get("element_variable") if el else None
        return {v.name: sample(v)[0] for v in (self.analysis.writes(el) if el else []) if v.name != own}

    def run(self, start: dict, steps: list, until: str | None = None, run: Run | None = None,
            follow: list | None = None) -> tuple[Run, list]:
        """Complete ``steps`` in order (other ready tasks with default data) until the end, ``until`` or a stop."""
        if run is None:
            try:
                run = Run(self.rt.start("dry-run", dict(start)))
            except Exception as exc:  # the diagram fails before its first task
                return Run(None, error=explain(exc, self.model)), list(steps)
        todo = list(steps)
        known = {s[0] for s in (follow or steps)}
        try:
            for _ in range(MAX_STEPS):
                ready = run.inst.ready_tasks()
                if not ready or (until and not todo and any(t.bpmn_id == until for t in ready)):
                    break
                nxt = todo[0][0] if todo else None
                match = next((t for t in ready if t.bpmn_id == nxt), None)
                if match is None:
                    extra = [t for t in ready if t.bpmn_id not in known] or (
                        [ready[0]] if not todo or follow is not None else [])
                    if not extra:
                        break
                    self.complete(run, extra[0], self.defaults(extra[0].bpmn_id), auto=True)
                    continue
                self.complete(run, match, dict(todo.pop(0)[1]), auto=False)
        except Exception as exc:  # the report says what broke, whatever it was
            run.error = explain(exc, self.model)
        return run, todo

    def complete(self, run: Run, task, data: dict, auto: bool) -> None:
        run.trace.append((self.rt.dump(run.inst), task.bpmn_id, dict(data)))
        run.path.append(self.step(task.bpmn_id, auto))
        run.inst.complete(task.uuid, data)

    def said(self, v: Variable, value) -> str:
        """「变量=取值」 as the report prints it: a unit by its name, a choice by its label."""
        if v.type in ("unit", "units"):
            ids = value if isinstance(value, list) else [] if value is None else [value]
            names = "、".join(self.unit_names.get(i, f"单位（编号 {i}）") for i in ids)
            return f"{UNIT_HINT.sub('', v.label)}={names or '空'}"
        return f"{v.label}={_value_label(v, value)}"

    def where(self, run: Run) -> list[str]:
        return [self.model.label(t.bpmn_id) for t in run.inst.ready_tasks()] if run.inst is not None else []


def sample(v: Variable) -> list:
    if v.values:
        return [value for value, _label in v.values]
    return list(SAMPLES.get(v.type, ["试运行"]))


def taken_flows(dr: DryRun, run: Run) -> tuple[set[str], set[str]]:
    """(flows taken, gateways reached) in a run, by element id."""
    gateways = {e.id for e in dr.model.elements.values() if e.kind.endswith("Gateway")}
    reached, moves = gateway_moves(run.inst, gateways)
    by_ends = {(f.props.get("source"), f.props.get("target")): f.id for f in dr.model.elements.values()
               if f.kind == "sequenceFlow"}
    return {by_ends[m] for m in moves if m in by_ends}, reached


def journey(dr: DryRun, code: str, label: str, steps: list, start: dict, until: str | None,
            protected: bool) -> tuple[JourneyResult, Run]:
    run, todo = dr.run(start, steps, until)
    res = JourneyResult(code, label, False, run.path, dr.where(run), protected=protected)
    reached = (until is not None and not todo and run.inst is not None
               and any(t.bpmn_id == until for t in run.inst.ready_tasks()))
    res.ok = run.error is None and not todo and (reached or (until is None and run.inst.is_completed()))
    if run.error:
        res.message = run.error
    elif not res.ok:
        if todo:
            res.message = (f"停在{'、'.join(res.ended_at) or '结束事件'}，没有走到下一步"
                           f"{dr.model.label(todo[0][0])}。")
        elif until:
            res.message = f"没有走到{dr.model.label(until)}，停在{'、'.join(res.ended_at) or '结束事件'}。"
        else:
            res.message = f"流程没有结束，停在{'、'.join(res.ended_at)}。"
    return res, run


def branches(dr: DryRun, runs: list[tuple[JourneyResult, Run, list, dict]]) -> list[JourneyResult]:
    """Try every outgoing flow of every gateway the journeys reached but no journey took."""
    taken: set[str] = set()
    reached: dict[str, tuple] = {}
    for res, run, steps, start in runs:
        flows, gateways = taken_flows(dr, run)
        taken |= flows
        for g in gateways:
            reached.setdefault(g, (res, run, steps, start))
    out = []
    budget = [MAX_BRANCH_RUNS]
    for gid in sorted(reached):
        gateway = dr.model.get(gid)
        for fid in gateway.outgoing:
            if fid in taken or dr.model.get(fid) is None:
                continue
            result = _try_flow(dr, gateway, dr.model.get(fid), *reached[gid][1:], budget=budget)
            if result.ok:
                taken |= result.taken
            out.append(result)
    return out


def _try_flow(dr: DryRun, gateway, flow, run: Run, steps: list, start: dict, budget: list[int]) -> JourneyResult:
    label = f"分支：{dr.model.label(gateway.id)} → {dr.model.label(flow.id)}"
    res = JourneyResult(f"branch:{flow.id}", label, False, flow=flow.id)
    siblings = [dr.model.get(f) for f in gateway.outgoing]
    conditions = [flow.props.get("condition")] if flow.props.get("condition") else [
        s.props.get("condition") for s in siblings if s is not None and s.props.get("condition")]
    names = {n for c in conditions if c for n in read_names(c, "eval")}
    for index in range(len(run.trace) - 1, -1, -1):
        blob, task_id, data = run.trace[index]
        el = dr.model.get(task_id)
        writes = [v for v in (dr.analysis.writes(el) if el else []) if v.name in names]
        if not writes:
            continue
        for values in itertools.islice(itertools.product(*(sample(v) for v in writes)), MAX_TRIES):
            if budget[0] <= 0:
                break
            budget[0] -= 1
            trial = Run(dr.rt.load(blob), list(run.path[:index]))
            task = next(t for t in trial.inst.ready_tasks() if t.bpmn_id == task_id)
            varied = {v.name: x for v, x in zip(writes, values, strict=True)}
            try:
                dr.complete(trial, task, {**data, **varied}, auto=False)
            except Exception as exc:  # noqa: BLE001 - reported in Chinese
                trial.error = explain(exc, dr.model)
            if trial.error is None:
                done = sum(1 for s in run.path[:index] if not s.auto) + (0 if run.path[index].auto else 1)
                trial, _todo = dr.run(start, steps[done:], run=trial, follow=steps)
            flows, _gw = taken_flows(dr, trial)
            if flow.id not in flows and trial.error is None:
                continue
            res.path, res.ended_at = trial.path, dr.where(trial)
            res.taken = flows
            said = "、".join(dr.said(v, x) for v, x in zip(writes, values, strict=True))
            if trial.error:
                res.message = f"取 {said} 时：{trial.error}"
            elif trial.inst.is_completed():
                res.ok, res.message = True, f"取 {said} 时走这条分支，流程正常结束。"
            else:
                res.message = f"取 {said} 时走这条分支，但流程没有结束，停在{'、'.join(res.ended_at) or '（无）'}。"
            return res
        break
    res.ok, res.untried = True, True
    res.message = ("没有找到走这条分支的数据（它的条件读取的变量由脚本计算或来自之前的环节），未试运行；"
                   "请在部署后用真实工单检查。") if names else "这条分支在标准路径中没有走到，未试运行。"
    return res


def _value_label(v: Variable, value) -> str:
    for raw, label in v.values:
        if raw == value:
            return label
    return "空" if value in (None, "", []) else str(value)
