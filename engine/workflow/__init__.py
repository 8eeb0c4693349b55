"""The only package that imports SpiffWorkflow.

Callers hand in BPMN files and plain dicts and get plain dataclasses back; specs are parsed once per
deployed version, instances are stored with the spec by reference, scripts run in a restricted environment.
"""
from .bundle import Bundle, DiagramError, parse_bundle
from .runtime import ReadyTask, Runtime, WorkflowError

__all__ = ["Bundle", "DiagramError", "parse_bundle", "ReadyTask", "Runtime", "WorkflowError"]
