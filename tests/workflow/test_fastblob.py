"""engine/workflow/fastblob.py writes the library's own document and restores the library's own workflow (issue 20).

Every path of tests/workflow/test_paths.py is run again with a save/restore around every step, and at every save and
every load the fast path is compared with SpiffWorkflow's serializer: the same JSON document (equal once parsed; the
fast path writes it without spaces and with UTF-8 text), the same workflow back (the library's dump of what each load
restored is the blob's document), and the library reads the fast path's blob as its own.
"""
from __future__ import annotations

import enum
import inspect
import json
from datetime import UTC, datetime, timedelta

import pytest

from engine.workflow.fastblob import FastBlob
from tests.workflow import test_paths as paths


class Checked:
    """Wraps the runtime's ``FastBlob``; compares each call with the library and counts the calls it served."""

    def __init__(self, fast: FastBlob):
        self.fast, self.stock = fast, fast.serializer
        self.dumps = self.loads = self.fast_dumps = self.fast_loads = 0

    def dump(self, wf) -> str:
        blob = self.fast.dump(wf)
        assert json.loads(blob) == json.loads(self.stock.serialize_json(wf))
        self.dumps += 1
        self.fast_dumps += not wf.subprocesses
        return blob

    def load(self, blob: str):
        wf = self.fast.load(blob)
        document = json.loads(blob)
        assert json.loads(self.stock.serialize_json(wf)) == document
        assert json.loads(self.stock.serialize_json(self.stock.deserialize_json(blob))) == document
        assert [(t.id, t.state, t.task_spec.name, t.data) for t in wf.get_tasks()] == \
            [(t.id, t.state, t.task_spec.name, t.data) for t in self.stock.deserialize_json(blob).get_tasks()]
        assert wf.script_engine is self.fast.script_engine  # ours, never the library's unrestricted default
        self.loads += 1
        self.fast_loads += not json.loads(blob)["subprocesses"]
        return wf


PATHS = [f for name, f in vars(paths).items() if name.startswith("test_")
         and list(inspect.signature(f).parameters) == ["journey"]]


@pytest.mark.parametrize("path", PATHS, ids=[f.__name__[5:] for f in PATHS])
def test_every_path_saves_and_loads_as_the_library_does(path, monkeypatch):
    checked = Checked(paths.RUNTIME.blob)
    monkeypatch.setattr(paths.RUNTIME, "blob", checked)
    path(paths.Journey(roundtrip=True))
    assert checked.dumps == checked.loads


def test_the_fast_path_serves_the_usual_blob_and_co_handling(monkeypatch):
    checked = Checked(paths.RUNTIME.blob)
    monkeypatch.setattr(paths.RUNTIME, "blob", checked)
    paths.test_happy_path(paths.Journey(roundtrip=True))
    paths.test_co_handled(paths.Journey(roundtrip=True))
    assert checked.fast_dumps == checked.dumps >= 10 and checked.fast_loads == checked.loads


def _library_loads(monkeypatch) -> list[str]:
    calls: list[str] = []
    stock = paths.RUNTIME.serializer
    real = stock.deserialize_json
    monkeypatch.setattr(stock, "deserialize_json", lambda blob: calls.append(blob) or real(blob))
    return calls


def test_a_blob_the_fast_path_does_not_know_goes_through_the_library(monkeypatch):
    rt = paths.RUNTIME
    inst = rt.start("test", {"ticket_type": "complaint", "channel": "phone"})
    task = inst.ready_tasks()[0]
    # Text that reads like a converted object's marker: the library's own restore decides what it is.
    inst.complete(task.uuid, {"scope": "accept", "q": 'say "typename'})
    blob = rt.dump(inst)
    assert json.loads(blob) == json.loads(rt.serializer.serialize_json(inst.wf))
    calls = _library_loads(monkeypatch)
    again = rt.load(blob)
    assert calls == [blob]
    assert json.loads(rt.serializer.serialize_json(again.wf)) == json.loads(blob)
    assert again.data()["q"] == 'say "typename'
    assert [t.bpmn_id for t in again.ready_tasks()] == ["dispatch"]


def test_a_blob_of_another_serializer_version_is_left_to_the_library(monkeypatch):
    rt = paths.RUNTIME
    inst = rt.start("test", {"ticket_type": "complaint", "channel": "phone"})
    plain = rt.dump(inst)
    calls = _library_loads(monkeypatch)
    rt.load(plain)
    assert calls == []  # the usual blob: the fast path
    dct = json.loads(plain)
    dct["serializer_version"] = "9.9"  # not ours: whatever the library makes of it
    older = json.dumps(dct)
    assert [t.bpmn_id for t in rt.load(older).ready_tasks()] == ["decide_scope"]
    assert calls == [older]


def test_the_supervision_process_saves_and_loads_as_the_library_does(monkeypatch):
    checked = Checked(paths.SUP_RT.blob)
    monkeypatch.setattr(paths.SUP_RT, "blob", checked)
    paths.test_supervision_reply_sent_back_then_accepted(True)
    assert checked.fast_dumps == checked.dumps >= 4 and checked.fast_loads == checked.loads


class Kind(str, enum.Enum):
    COMPLAINT = "complaint"


class Level(enum.IntEnum):
    RED = 3


@pytest.mark.parametrize("value", [
    2 ** 70,  # beyond 64 bits: written and read by the standard library, exactly
    "6222020200112233445",  # a 19-digit card number in text: read by the standard library, unchanged
    "市住建局：已派人清理，居民满意",  # Chinese: written as UTF-8, read back the same
    Kind.COMPLAINT, Level.RED, {"b", "a"}, (1, "二"),  # what json writes as plain values and lists
    datetime(2026, 11, 25, 2, 0, tzinfo=UTC), timedelta(days=3),  # the library's own converted values
], ids=["big-int", "long-digits", "chinese", "str-enum", "int-enum", "set", "tuple", "datetime", "timedelta"])
def test_process_data_of_every_kind_is_saved_as_the_library_saves_it(value):
    rt = paths.RUNTIME
    inst = rt.start("test", {"ticket_type": "complaint", "channel": "phone"})
    inst.complete(inst.ready_tasks()[0].uuid, {"scope": "accept", "v": value})
    blob = rt.dump(inst)
    assert json.loads(blob) == json.loads(rt.serializer.serialize_json(inst.wf))
    again = rt.load(blob)
    expected = rt.serializer.deserialize_json(rt.serializer.serialize_json(inst.wf)).last_task.data["v"]
    assert again.data()["v"] == expected and type(again.data()["v"]) is type(expected)
    assert [t.bpmn_id for t in again.ready_tasks()] == ["dispatch"]


def test_a_blob_saved_before_orjson_loads_as_it_did():
    """Tickets saved by earlier releases hold the standard library's spacing and \\u escapes: read as before."""
    rt = paths.RUNTIME
    inst = rt.start("test", {"ticket_type": "complaint", "channel": "phone"})
    inst.complete(inst.ready_tasks()[0].uuid, {"scope": "accept", "note": "市民来电反映路灯不亮", "n": 2 ** 63})
    blob = rt.dump(inst)
    older = json.dumps(json.loads(blob))  # the earlier release's text of the same document
    assert older != blob and "\\u5e02" in older
    for text in (blob, older):
        again = rt.load(text)
        assert again.data()["note"] == "市民来电反映路灯不亮" and again.data()["n"] == 2 ** 63
        assert [t.bpmn_id for t in again.ready_tasks()] == ["dispatch"]
