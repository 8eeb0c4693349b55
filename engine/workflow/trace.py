"""Where an instance has been: the gateways it reached and the branch each one took (for the dry run's coverage)."""
from __future__ import annotations

from SpiffWorkflow.util.task import TaskState

from .runtime import Instance

_REACHED = TaskState.COMPLETED | TaskState.ERROR | TaskState.READY | TaskState.STARTED
_NOT_TAKEN = TaskState.MAYBE | TaskState.LIKELY | TaskState.CANCELLED


def gateway_moves(instance: Instance | None, gateways: set[str]) -> tuple[set[str], set[tuple[str, str]]]:
    """(the gateways among ``gateways`` the instance reached, (gateway id, next element id) for each branch taken)."""
    reached: set[str] = set()
    taken: set[tuple[str, str]] = set()
    for task in (instance.wf.get_tasks() if instance is not None else []):
        sid = getattr(task.task_spec, "bpmn_id", None)
        if sid not in gateways:
            continue
        if task.state & _REACHED:
            reached.add(sid)
        if task.state != TaskState.COMPLETED:
            continue
        for child in task.children:
            target = getattr(child.task_spec, "bpmn_id", None)
            if target and not child.state & _NOT_TAKEN:
                taken.add((sid, target))
    return reached, taken
