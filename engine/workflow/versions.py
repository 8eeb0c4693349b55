"""Compare deployed versions and move running instances between them, mapped by element id.

Like a Camunda migration plan, an instance's tasks keep their element ids on the new version. A change of name,
documentation or layout never blocks a ticket; a change that would alter what the ticket is doing or has done
(form key, lane, removed element, a condition on a gateway it already passed) is explained in Chinese per ticket.
The owner may map a removed task to its replacement.
"""
from __future__ import annotations

from functools import cache

from SpiffWorkflow.bpmn.util.diff import diff_workflow, migrate_workflow
from SpiffWorkflow.util.task import TaskState

from .bundle import Bundle
from .changes import ModelDiff, diff_models
from .elements import Model
from .runtime import Instance, Runtime

# Changes that block a ticket waiting at (or, for what it filled in, past) the task.
AT_TASK = {"form_key": "表单键", "fields": "表单字段", "lane": "泳道（办理角色）", "property:unit": "办理单位变量",
           "kind": "类型", "collection": "多实例集合", "element_variable": "多实例元素变量", "called": "调用的流程"}
PAST_TASK = {"form_key", "fields", "kind"}
WAITING = TaskState.READY | TaskState.WAITING | TaskState.STARTED


@cache
def _registry():
    return Runtime(lambda ref: None).serializer.registry


def diff_bundles(old: Bundle, new: Bundle, old_model: Model, new_model: Model) -> ModelDiff:
    """What changed between two versions, element by element and property by property."""
    return diff_models(old_model, new_model)


def _tasks(instance: Instance):
    """(bpmn id, state) of every task of the instance, its called processes included."""
    for task in instance.wf.get_tasks():
        bpmn_id = getattr(task.task_spec, "bpmn_id", None)
        if bpmn_id:
            yield bpmn_id, task.state


def migration_blockers(instance: Instance, diff: ModelDiff, old: Model, new: Model,
                       mapping: dict[str, str] | None = None) -> list[str]:
    """Why this instance cannot move to the new version, one Chinese sentence each; empty: it may move."""
    mapping = mapping or {}
    at: set[str] = set()
    past: set[str] = set()
    for bpmn_id, state in _tasks(instance):
        if state & WAITING:
            at.add(bpmn_id)
        elif state == TaskState.COMPLETED:
            past.add(bpmn_id)
    reasons: list[str] = []
    for bpmn_id in sorted(at | past):
        where = "正在此环节等待办理" if bpmn_id in at else "已办理过此环节"
        doing = "正在等待办理" if bpmn_id in at else "已办理过"
        label = old.label(bpmn_id)
        if bpmn_id in diff.removed_ids:
            target = mapping.get(bpmn_id)
            if target and new.get(target) is not None:
                continue
            if old.get(bpmn_id) is not None and old.get(bpmn_id).kind in ("userTask", "callActivity"):
                reasons.append(f"{label}在新版本中已删除，而该工单{where}：请在迁移时指定新版本中接替它的环节。")
            elif bpmn_id in at:
                reasons.append(f"{label}在新版本中已删除，而该工单正停在这里。")
            else:
                reasons.append(f"{label}在新版本中已删除，而该工单已经过这里，已走过的路径在新版本中不存在。")
            continue
        props = diff.changed_props(bpmn_id)
        for prop, what in AT_TASK.items():
            change = props.get(prop)
            if change and (bpmn_id in at or prop in PAST_TASK):
                reasons.append(f"该工单{doing}{label}，新版本把它的{what}由 {change.old} 改为 {change.new}。")
        el = old.get(bpmn_id)
        if bpmn_id in past and el is not None and el.kind.endswith("Gateway"):
            for fid in el.outgoing:
                flow = diff.changed_props(fid)
                if "condition" in flow:
                    change = flow["condition"]
                    reasons.append(f"该工单已经过{label}，新版本改变了{new.label(fid)}的条件（由 {change.old} 改为 "
                                   f"{change.new}），已走过的分支在新版本中可能不再成立。")
                if "target" in flow and mapping.get(flow["target"].raw_old) != flow["target"].raw_new:
                    change = flow["target"]
                    reasons.append(f"该工单已经过{label}，新版本把{new.label(fid)}改为通往{change.new}（原为"
                                   f"{change.old}），该工单走过的路线在新版本中已改变。")
            if "default" in props:
                reasons.append(f"该工单已经过{label}，新版本改变了它的默认流。")
    return list(dict.fromkeys(reasons))


def migrate_instance(instance: Instance, new: Bundle, mapping: dict[str, str] | None = None) -> Instance:
    """Move an instance to a new version by element id; call only when :func:`migration_blockers` is empty.

    ``mapping`` names, for a removed task, the task of the new version that takes its place.
    """
    mapping = mapping or {}
    wf = instance.wf
    wf_diff, sp_diffs = diff_workflow(_registry(), wf, new.spec, new.subprocess_specs)
    for d, spec in [(wf_diff, new.spec)] + [(d, new.subprocess_specs.get(wf.subprocesses[k].spec.name))
                                            for k, d in sp_diffs.items()]:
        if d is None or spec is None:
            continue
        for task in list(d.removed) + list(d.alignment):
            bpmn_id = getattr(task.task_spec, "bpmn_id", None)
            # By id first (as a Camunda migration plan), then the owner's mapping for a removed task.
            target = spec.task_specs.get(task.task_spec.name) or spec.task_specs.get(mapping.get(bpmn_id or "", ""))
            if target is not None:
                d.alignment[task] = target
    migrate_workflow(wf_diff, wf, new.spec)
    for sp_id, d in sp_diffs.items():
        sp = wf.subprocesses[sp_id]
        migrate_workflow(d, sp, new.subprocess_specs[sp.spec.name])
    wf.subprocess_specs = new.subprocess_specs
    wf.do_engine_steps()
    return Instance(wf, new)
