"""Store an instance with its spec by reference to the deployed version, not embedded in every blob."""
from __future__ import annotations

from typing import Callable
from uuid import UUID

from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.camunda.serializer.config import CAMUNDA_CONFIG

from .bundle import Bundle


def make_serializer(lookup: Callable[[str], Bundle], script_engine) -> BpmnWorkflowSerializer:
    """Build a serializer whose blobs carry ``spec_ref`` and re-join the exact version on load."""

    class SpecRefConverter(BpmnWorkflowConverter):
        def to_dict(self, workflow):
            dct = WorkflowConverter.to_dict(self, workflow)
            dct["spec_ref"] = workflow.spec.spec_ref
            dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
            dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
            return dct

        def from_dict(self, dct):
            bundle = lookup(dct.pop("spec_ref"))
            workflow = self.target_class(bundle.spec, bundle.subprocess_specs, deserializing=True)
            # The script engine is not serialized: attach ours, or the unrestricted default would run.
            workflow.script_engine = script_engine
            workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
            workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
            self.set_default_attributes(workflow, dct)
            self.subprocesses_from_dict(dct["subprocesses"], workflow)
            workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
            return workflow

    config = {**CAMUNDA_CONFIG, BpmnWorkflow: SpecRefConverter}
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))
