"""Run instances: start, load, complete a ready task, dump; everything returned is plain data."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from .bundle import Bundle
from .fastblob import FastBlob
from .scripting import SCRIPT_ENGINE
from .serializer import make_serializer

log = logging.getLogger(__name__)
# The library logs every state change at INFO, which costs ~30% throughput.
logging.getLogger("spiff").setLevel(logging.WARNING)


class WorkflowError(Exception):
    """The engine refused to go on (a gateway with no matching flow, a failing script, a missing task)."""


@dataclass(frozen=True)
class ReadyTask:
    uuid: str
    bpmn_id: str
    title: str
    lane: str | None
    role: str | None
    form_key: str | None
    properties: dict
    unit_var_value: object


class Instance:
    """One ticket's running workflow."""

    def __init__(self, workflow: BpmnWorkflow, bundle: Bundle):
        self.wf = workflow
        self.bundle = bundle

    @property
    def ref(self) -> str:
        return self.bundle.ref

    def ready_tasks(self) -> list[ReadyTask]:
        return [self._view(t) for t in self.wf.get_tasks(state=TaskState.READY, manual=True)]

    def ready_task(self, task_uuid: str) -> ReadyTask | None:
        """The ready user task with this id, or None when it is not (or no longer) ready."""
        from uuid import UUID

        try:
            t = self.wf.get_task_from_id(UUID(task_uuid))
        except (KeyError, ValueError, SpiffWorkflowException):
            return None
        if t is None or t.state != TaskState.READY or not t.task_spec.manual:
            return None
        return self._view(t)

    def _view(self, t) -> ReadyTask:
        info = self.bundle.tasks.get(t.task_spec.bpmn_id)
        props = info.properties if info else {}
        unit_var = props.get("unit")
        return ReadyTask(uuid=str(t.id), bpmn_id=t.task_spec.bpmn_id,
                         title=info.title if info else t.task_spec.bpmn_name or t.task_spec.bpmn_id,
                         lane=t.task_spec.lane, role=info.role if info else None,
                         form_key=info.form_key if info else None, properties=props,
                         unit_var_value=t.data.get(unit_var) if unit_var else None)

    def complete(self, task_uuid: str, data: dict) -> None:
        """Complete one ready user task with ``data`` and run the engine until it waits again.

        :raises WorkflowError: when the task is not ready or the engine fails; the in-memory
            workflow must then be discarded, never saved.
        """
        from uuid import UUID

        try:
            task = self.wf.get_task_from_id(UUID(task_uuid))
        except (KeyError, ValueError, SpiffWorkflowException):
            task = None
        if task is None or task.state != TaskState.READY:
            raise WorkflowError(f"task {task_uuid} is not ready")
        task.data.update(data)
        try:
            task.run()
            self.wf.do_engine_steps()
        except SpiffWorkflowException as exc:
            raise WorkflowError(f"{type(exc).__name__}: {exc}") from exc

    def is_completed(self) -> bool:
        return self.wf.is_completed()

    def data(self) -> dict:
        """The process data as of the latest completed task."""
        last = self.wf.last_task
        return dict(last.data) if last is not None else dict(self.wf.data)

    def position(self) -> list[str]:
        """BPMN ids of the tasks the instance waits at (for highlighting the diagram)."""
        return sorted({t.task_spec.bpmn_id for t in self.wf.get_tasks(state=TaskState.READY | TaskState.WAITING)
                       if t.task_spec.bpmn_id})

    def completed_ids(self) -> list[str]:
        return sorted({t.task_spec.bpmn_id for t in self.wf.get_tasks(state=TaskState.COMPLETED)
                       if t.task_spec.bpmn_id})


class Runtime:
    """Create and restore instances; ``lookup(ref)`` returns the cached bundle of a deployed version."""

    def __init__(self, lookup: Callable[[str], Bundle]):
        self.lookup = lookup
        self.serializer = make_serializer(lookup, SCRIPT_ENGINE)
        # The library's format, written and read without its registry walk (engine/workflow/fastblob.py).
        self.blob = FastBlob(self.serializer, lookup, SCRIPT_ENGINE)

    def start(self, ref: str, data: dict) -> Instance:
        """Start an instance on the version ``ref`` with initial ``data`` and run to the first wait.

        :raises WorkflowError: when the diagram fails before its first user task.
        """
        bundle = self.lookup(ref)
        wf = BpmnWorkflow(bundle.spec, bundle.subprocess_specs, script_engine=SCRIPT_ENGINE)
        wf.task_tree.data.update(data)
        try:
            wf.do_engine_steps()
        except SpiffWorkflowException as exc:
            raise WorkflowError(f"{type(exc).__name__}: {exc}") from exc
        return Instance(wf, bundle)

    def load(self, blob: str) -> Instance:
        wf = self.blob.load(blob)
        return Instance(wf, self.lookup(wf.spec.spec_ref))

    def dump(self, instance: Instance) -> str:
        return self.blob.dump(instance.wf)
