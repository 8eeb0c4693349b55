"""Compare deployed versions and move running instances between them (SpiffWorkflow.bpmn.util.diff)."""
from __future__ import annotations

from functools import cache

from SpiffWorkflow.bpmn.util.diff import SpecDiff, diff_workflow, filter_tasks, migrate_workflow
from SpiffWorkflow.util.task import TaskState

from .bundle import Bundle
from .runtime import Instance, Runtime


@cache
def _registry():
    return Runtime(lambda ref: None).serializer.registry


def _name(ts) -> str:
    return getattr(ts, "bpmn_id", None) or ts.name


def diff_bundles(old: Bundle, new: Bundle) -> dict:
    """What changed between two versions: tasks added, removed, and changed (with the attributes)."""
    reg = _registry()
    out = {"added": [], "removed": [], "changed": []}
    pairs = [(old.spec, new.spec)] + [(old.subprocess_specs[k], new.subprocess_specs.get(k))
                                      for k in old.subprocess_specs]
    for a, b in pairs:
        if b is None:
            out["removed"] += [_name(ts) for ts in a.task_specs.values() if getattr(ts, "bpmn_id", None)]
            continue
        d = SpecDiff(reg, a, b)
        out["added"] += [_name(ts) for ts in d.added if getattr(ts, "bpmn_id", None)]
        out["removed"] += [_name(ts) for ts in d.removed if getattr(ts, "bpmn_id", None)]
        out["changed"] += [{"task": _name(ts), "attributes": sorted(ch)} for ts, ch in d.changed.items()
                           if getattr(ts, "bpmn_id", None)]
    for k in new.subprocess_specs:
        if k not in old.subprocess_specs:
            out["added"] += [_name(ts) for ts in new.subprocess_specs[k].task_specs.values()
                             if getattr(ts, "bpmn_id", None)]
    out["added"] = sorted(set(out["added"]))
    out["removed"] = sorted(set(out["removed"]))
    return out


def migration_blockers(instance: Instance, new: Bundle) -> list[str]:
    """Tasks already done or under way that the new version changes or removes; empty = safe to move."""
    wf_diff, sp_diffs = diff_workflow(_registry(), instance.wf, new.spec, new.subprocess_specs)
    blockers = []
    for d in [wf_diff, *sp_diffs.values()]:
        if d is None:
            blockers.append("a running subprocess has no counterpart in the new version")
            continue
        done = filter_tasks(d.changed + d.removed, state=TaskState.COMPLETED | TaskState.STARTED)
        blockers += sorted({_name(t.task_spec) for t in done})
    return blockers


def migrate_instance(instance: Instance, new: Bundle) -> Instance:
    """Move an instance to a new version; call only when :func:`migration_blockers` is empty."""
    wf = instance.wf
    wf_diff, sp_diffs = diff_workflow(_registry(), wf, new.spec, new.subprocess_specs)
    migrate_workflow(wf_diff, wf, new.spec)
    for sp_id, d in sp_diffs.items():
        sp = wf.subprocesses[sp_id]
        migrate_workflow(d, sp, new.subprocess_specs[sp.spec.name])
    wf.subprocess_specs = new.subprocess_specs
    wf.do_engine_steps()
    return Instance(wf, new)
