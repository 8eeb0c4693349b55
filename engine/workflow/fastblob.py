"""A faster path to and from SpiffWorkflow 3.2.0's own JSON format, for the common shape of a ticket's blob.

The library's serializer walks every value through its converter registry and builds four ``UUID`` objects per
task; for a ticket that is most of the cost of a request's load and save (issue 20). This module writes the
library's document (``dump``) and restores the same workflow (``load``) directly, for a top-level workflow with no
subprocess, no pending BPMN event and plain task objects; anything else goes through the library's serializer
unchanged.

The JSON text itself is written and parsed with orjson, several times faster than the standard library: the same
document, without the spaces after separators and with Chinese as UTF-8 rather than ``\\u`` escapes; the library
reads it as its own. What orjson cannot write exactly as the standard library would (an integer beyond 64 bits, an
unpaired surrogate) is written by the library's encoder, and only blobs orjson wrote are read by orjson (it would
read such an integer as a float); the others by the standard library. One difference remains: a
non-finite number in process data (``float("nan")`` in a diagram's script) is written as JSON's ``null``, since JSON
has no NaN, and a ``UUID`` would be written as its text (neither a handler nor a diagram script, which imports
nothing, can put one there). tests/workflow/test_fastblob.py checks over whole lifecycles, loops and co-handling
included, that every blob is the library's document (equal once parsed) and that both loads give the same workflow,
and that data of every kind a handler or a script can produce is saved as the library saves it.
"""
from __future__ import annotations

import json
from uuid import UUID, SafeUUID

import orjson
from SpiffWorkflow.bpmn.serializer.default.workflow import TaskConverter
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.deep_merge import DeepMerge
from SpiffWorkflow.util.task import TaskState

_new = object.__new__
_set = object.__setattr__
_updated, _deleted, _merge = DeepMerge.get_updated_keys, DeepMerge.get_deleted_keys, DeepMerge.merge
# Values orjson would write differently from the standard library go to ``default`` (datetimes through the
# library's converters; subclasses of str, int, float, dict and list as their plain values, as json writes them).
_OPTIONS = (orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_SUBCLASS
            | orjson.OPT_PASSTHROUGH_DATACLASS)
# How a blob this module wrote with orjson begins; the standard library writes '{"data": ' (with a space).
_ORJSON_HEAD = '{"data":{'


def _uuid(text: str) -> UUID:
    """``UUID(text)`` for the canonical form the library writes, without its parsing checks."""
    u = _new(UUID)
    _set(u, "int", int(text.replace("-", ""), 16))
    _set(u, "is_safe", SafeUUID.unknown)
    return u


class FastBlob:
    """``dump``/``load`` equivalent to ``serializer.serialize_json``/``deserialize_json`` (spec by reference)."""

    def __init__(self, serializer, lookup, script_engine):
        self.serializer = serializer
        self.lookup = lookup
        self.script_engine = script_engine
        registry = serializer.registry
        self.clean = registry.clean
        names = [cls for cls, name in registry.typenames.items() if name == "Task"]
        converter = getattr(registry.convert_to_dict.get("Task"), "args", (None, None))[1]
        # Only the converter this module reproduces; otherwise every call takes the library's path.
        self.task_class = names[0] if len(names) == 1 and isinstance(getattr(converter, "__self__", None),
                                                                      TaskConverter) else None
        self.version = serializer.VERSION
        self.encoder = serializer._encoder_cls()
        self.typenames = registry.typenames

    # -- save ---------------------------------------------------------------------------------------------------
    def dump(self, wf: BpmnWorkflow) -> str:
        cls = self.task_class
        tasks = wf.tasks
        if cls is None or wf.subprocesses or wf.bpmn_events or any(type(t) is not cls for t in tasks.values()):
            return self.serializer.serialize_json(wf)
        ids = {k: str(k) for k in tasks}
        clean = self.clean
        out = {}
        for k, task in tasks.items():
            sid = ids[k]
            parent = tasks.get(task._parent)
            if parent is None:
                data, delta = task.data, {}
            else:
                pdata, tdata = parent.data, task.data
                data, delta = {}, {"updates": _updated(pdata, tdata), "deletions": _deleted(pdata, tdata)}
            out[sid] = {"id": sid, "parent": ids.get(task._parent, str(task._parent)) if parent is not None else None,
                        "children": [ids.get(c) or str(c) for c in task._children],
                        "last_state_change": task.last_state_change, "state": task._state,
                        "task_spec": task.task_spec.name, "triggered": task.triggered,
                        "internal_data": clean(task.internal_data), "data": data, "delta": delta,
                        "typename": "Task"}
        last = wf.last_task
        dct = {"data": clean(clean(wf.data)), "correlations": wf.correlations,
               "last_task": str(last.id) if last is not None else None, "success": wf.success,
               "completed": wf.completed, "tasks": out, "root": str(wf.task_tree.id), "spec_ref": wf.spec.spec_ref,
               "subprocesses": {}, "bpmn_events": [], "typename": "BpmnWorkflow",
               self.serializer.VERSION_KEY: self.version}
        try:
            return orjson.dumps(dct, default=self._default, option=_OPTIONS).decode()
        except orjson.JSONEncodeError:  # an integer beyond 64 bits, a nesting deeper than orjson's limit
            return json.dumps(dct, cls=self.serializer._encoder_cls)

    def _default(self, obj):
        """What the library's encoder does with a value JSON has no type for; subclasses as json writes them."""
        if type(obj) in self.typenames or callable(obj) or isinstance(obj, set) or not isinstance(
                obj, (str, int, float, dict, list, tuple)):
            return self.encoder.default(obj)
        if isinstance(obj, str):
            return str.__str__(obj)
        if isinstance(obj, int):
            return int.__index__(obj)
        if isinstance(obj, float):
            return float.__float__(obj)
        return dict(obj) if isinstance(obj, dict) else list(obj)

    # -- load ---------------------------------------------------------------------------------------------------
    def load(self, blob: str) -> BpmnWorkflow:
        dct = _parse(blob)
        cls = self.task_class
        tasks = dct.get("tasks")
        # Any typename beyond the workflow's and one per task (a converted value inside data) needs the library.
        if (cls is None or dct.get(self.serializer.VERSION_KEY) != self.version or dct.get("subprocesses")
                or dct.get("bpmn_events") or dct.get("typename") != "BpmnWorkflow" or not isinstance(tasks, dict)
                or blob.count('"typename"') != len(tasks) + 1):
            return self.serializer.deserialize_json(blob)
        bundle = self.lookup(dct["spec_ref"])
        wf = BpmnWorkflow(bundle.spec, bundle.subprocess_specs, deserializing=True)
        # The script engine is not serialized: attach ours, or the unrestricted default would run.
        wf.script_engine = self.script_engine
        specs = wf.spec.task_specs
        ids = {k: _uuid(k) for k in tasks}
        events = wf.event_manager
        built = {}
        for k, t in tasks.items():
            spec = specs.get(t["task_spec"])
            task = cls(wf, spec, state=t["state"], id=ids[k])
            parent = t["parent"]
            task._parent = (ids.get(parent) or UUID(parent)) if parent is not None else None
            task._children = [ids.get(c) or UUID(c) for c in t["children"]]
            task.last_state_change = t["last_state_change"]
            task.triggered = t["triggered"]
            task.internal_data = t["internal_data"]
            if isinstance(spec, CatchingEvent) and task.has_state(TaskState.WAITING):
                events.add_task(task)
            delta = t.get("delta")
            up = wf.tasks.get(task._parent) if delta else None
            if up is not None:
                data = _merge({}, up.data)
                data.update(delta.get("updates", {}))
                for key in delta.get("deletions", {}):
                    if key in data:
                        del data[key]
            else:
                data = t["data"]
            task.data = data
            built[ids[k]] = task
        wf.tasks = built
        wf.task_tree = built.get(_uuid(dct["root"]))
        wf.success = dct["success"]
        wf.completed = dct.get("completed", False)
        wf.correlations = dct.get("correlations", {})
        if isinstance(dct["last_task"], str):
            wf.last_task = built.get(_uuid(dct["last_task"]))
        wf.data = dct.get("data", {})
        wf.bpmn_events = []
        return wf


def _parse(blob: str):
    """``json.loads(blob)``, by orjson for a blob orjson wrote here. Such a blob holds nothing orjson would read
    differently: orjson refuses to write an integer past 64 bits (which it would read back as a float) or an unpaired
    surrogate, and writes no NaN. Any other blob (written before, or by the library, or by the fallback above) is
    read by the standard library, and rewritten by orjson at its next save."""
    if blob.startswith(_ORJSON_HEAD):
        return orjson.loads(blob)
    return json.loads(blob)
