"""The only package that imports SpiffWorkflow.

Callers hand in BPMN files and plain dicts and get plain dataclasses back; specs are parsed once per
deployed version, instances are stored with the spec by reference, scripts run in a restricted environment.
"""
from .bundle import Bundle, parse_bundle
from .problems import DiagramError, Problem
from .runtime import ReadyTask, Runtime, WorkflowError
from .validate import validate_files

__all__ = ["Bundle", "DiagramError", "Problem", "parse_bundle", "validate_files", "ReadyTask", "Runtime",
           "WorkflowError"]
