"""Every path through bpmn/hotline.bpmn, each run plain and through a save/restore around every step."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.workflow import Runtime, WorkflowError, parse_bundle

ROOT = Path(__file__).resolve().parents[2]
FILES = {n: (ROOT / "bpmn" / n).read_bytes() for n in ("hotline.bpmn", "joint_review.bpmn")}
BUNDLE = parse_bundle(FILES, "test")
RUNTIME = Runtime(lambda ref: BUNDLE)


class Journey:
    def __init__(self, roundtrip: bool):
        self.roundtrip = roundtrip
        self.inst = RUNTIME.start("test", {"ticket_type": "complaint", "channel": "phone"})
        self.path: list[str] = []

    def ready(self) -> list[str]:
        return sorted(t.bpmn_id for t in self.inst.ready_tasks())

    def do(self, bpmn_id: str, **data) -> Journey:
        if self.roundtrip:
            blob = RUNTIME.dump(self.inst)
            json.loads(blob)  # plain JSON, nothing else
            self.inst = RUNTIME.load(blob)
        task = next((t for t in self.inst.ready_tasks() if t.bpmn_id == bpmn_id), None)
        assert task is not None, f"{bpmn_id} not ready; ready: {self.ready()}"
        self.inst.complete(task.uuid, data)
        self.path.append(bpmn_id)
        return self

    def to_sign(self, **dispatch) -> Journey:
        return self.do("decide_scope", scope="accept").do("dispatch", **({"lead_unit": 7, "co_units": [],
                                                                          "via_county": None} | dispatch))

    def finish_ok(self) -> Journey:
        return (self.do("reply").do("review", review_decision="accept")
                .do("evaluate", intake_rating="satisfied", handling_rating="satisfied"))


@pytest.fixture(params=[False, True], ids=["plain", "save-restore"])
def journey(request):
    return Journey(request.param)


def test_starts_at_scope_decision(journey):
    assert journey.ready() == ["decide_scope"]


def test_refused(journey):
    journey.do("decide_scope", scope="refuse")
    assert journey.inst.is_completed()
    assert "archive" not in journey.inst.completed_ids()


def test_answered_at_once_goes_to_evaluation_then_archive(journey):
    journey.do("decide_scope", scope="answer")
    assert journey.ready() == ["evaluate"]
    journey.do("evaluate", intake_rating="satisfied", handling_rating=None)
    assert journey.inst.is_completed() and "archive" in journey.inst.completed_ids()
    assert "dispatch" not in journey.inst.completed_ids()


def test_happy_path(journey):
    journey.to_sign()
    assert journey.ready() == ["sign"]
    journey.do("sign", sign_decision="sign").finish_ok()
    assert journey.inst.is_completed()
    assert journey.path == ["decide_scope", "dispatch", "sign", "reply", "review", "evaluate"]
    assert journey.inst.data()["archived"] is True


def test_returned_and_redispatched(journey):
    journey.to_sign().do("sign", sign_decision="return")
    assert journey.ready() == ["dispatch"]
    assert journey.inst.data()["return_count"] == 1
    journey.do("dispatch", lead_unit=8, co_units=[], via_county=None).do("sign", sign_decision="sign").finish_ok()
    assert journey.inst.is_completed()


def test_second_return_opens_joint_review(journey):
    journey.to_sign().do("sign", sign_decision="return")
    journey.do("dispatch", lead_unit=8, co_units=[], via_county=None).do("sign", sign_decision="return")
    assert journey.ready() == ["jr_meeting"]
    journey.do("jr_meeting", consult_units=[])
    assert journey.ready() == ["jr_decide"]
    journey.do("jr_decide", jr_outcome="settled", joint_lead_unit=9, joint_co_units=[], lead_unit=9, co_units=[],
               via_county=None)
    assert journey.ready() == ["sign"]  # the decided unit signs for it; no second dispatch
    assert journey.inst.ready_tasks()[0].unit_var_value == 9


def test_deemed_accepted_goes_to_handling(journey):
    journey.to_sign().do("sign", sign_decision="deemed")
    assert journey.ready() == ["reply"]


def test_through_county_office(journey):
    journey.to_sign(lead_unit=None, via_county=3)
    assert journey.ready() == ["county_dispatch"]
    task = journey.inst.ready_tasks()[0]
    assert task.unit_var_value == 3 and task.role == "county_dispatcher"
    journey.do("county_dispatch", lead_unit=31, co_units=[])
    assert journey.ready() == ["sign"]
    assert journey.inst.ready_tasks()[0].unit_var_value == 31


def test_co_handled(journey):
    journey.to_sign(co_units=[11, 12]).do("sign", sign_decision="sign")
    tasks = journey.inst.ready_tasks()
    assert sorted(t.unit_var_value for t in tasks) == [11, 12]
    assert {t.bpmn_id for t in tasks} == {"co_handle"}
    journey.do("co_handle")
    assert journey.ready() == ["co_handle"]
    journey.do("co_handle")
    assert journey.ready() == ["reply"]
    assert journey.inst.ready_tasks()[0].unit_var_value == 7


def test_reply_sent_back_by_office(journey):
    journey.to_sign().do("sign", sign_decision="sign").do("reply").do("review", review_decision="back")
    assert journey.ready() == ["reply"]
    journey.do("reply").do("review", review_decision="accept")
    assert journey.ready() == ["evaluate"]


def test_redo_once(journey):
    journey.to_sign().do("sign", sign_decision="sign").do("reply").do("review", review_decision="accept")
    journey.do("evaluate", intake_rating="satisfied", handling_rating="dissatisfied")
    assert journey.ready() == ["redo_decision"]
    journey.do("redo_decision", redo_reasonable=True)
    assert journey.ready() == ["reply"]
    assert journey.inst.data()["redo_count"] == 1
    journey.finish_ok()
    assert journey.inst.is_completed()


def test_redo_refused_as_unreasonable(journey):
    journey.to_sign().do("sign", sign_decision="sign").do("reply").do("review", review_decision="accept")
    journey.do("evaluate", intake_rating="satisfied", handling_rating="very_dissatisfied")
    journey.do("redo_decision", redo_reasonable=False)
    assert journey.inst.is_completed()
    assert journey.inst.data()["redo_count"] == 0


def test_second_redo_refused(journey):
    journey.to_sign().do("sign", sign_decision="sign").do("reply").do("review", review_decision="accept")
    journey.do("evaluate", intake_rating="satisfied", handling_rating="dissatisfied")
    journey.do("redo_decision", redo_reasonable=True)
    journey.do("reply").do("review", review_decision="accept")
    journey.do("evaluate", intake_rating="satisfied", handling_rating="dissatisfied")
    journey.do("redo_decision", redo_reasonable=True)
    assert journey.inst.is_completed()
    assert journey.inst.data()["redo_count"] == 1


def test_missing_routing_data_fails_without_corrupting_the_saved_state():
    j = Journey(roundtrip=True)
    j.to_sign()
    saved = RUNTIME.dump(j.inst)
    with pytest.raises(WorkflowError):
        j.do("sign")  # no sign_decision: the gateway cannot decide
    restored = RUNTIME.load(saved)
    assert [t.bpmn_id for t in restored.ready_tasks()] == ["sign"]


def test_scripts_cannot_escape_the_restricted_environment():
    from engine.workflow.scripting import SCRIPT_ENGINE

    env = SCRIPT_ENGINE.environment
    for attack in ("__import__('os').getpid()", "open('/etc/hostname').read()",
                   "().__class__.__base__.__subclasses__()"):
        with pytest.raises((NameError, SyntaxError, AttributeError, TypeError)):
            env.evaluate(attack, {})
    assert env.evaluate("len(co_units) > 0", {"co_units": [1]}) is True


def test_blob_holds_a_reference_not_the_diagram():
    j = Journey(roundtrip=False).to_sign()
    blob = json.loads(RUNTIME.dump(j.inst))
    assert blob["spec_ref"] == "test" and "spec" not in blob
    assert len(json.dumps(blob)) < 20_000


def test_extension_requested_approved_then_reply(journey):
    journey.to_sign().do("sign", sign_decision="sign").do("reply", handling_action="extension")
    assert journey.ready() == ["extension_review"]
    journey.do("extension_review", extension_decision="approve")
    assert journey.ready() == ["reply"]
    journey.do("reply", handling_action="reply").do("review", review_decision="accept")
    assert journey.ready() == ["evaluate"]


def test_extension_denied_handling_continues(journey):
    journey.to_sign().do("sign", sign_decision="sign").do("reply", handling_action="extension")
    journey.do("extension_review", extension_decision="deny")
    assert journey.ready() == ["reply"]


def test_dispatcher_sends_to_joint_review_with_consultations(journey):
    journey.do("decide_scope", scope="accept").do("dispatch", dispatch_action="joint_review")
    assert journey.ready() == ["jr_meeting"]
    journey.do("jr_meeting", consult_units=[21, 22])
    tasks = journey.inst.ready_tasks()
    assert sorted(t.unit_var_value for t in tasks) == [21, 22] and {t.bpmn_id for t in tasks} == {"jr_consult"}
    journey.do("jr_consult").do("jr_consult")
    assert journey.ready() == ["jr_decide"]
    journey.do("jr_decide", jr_outcome="settled")  # no units named (an older form): the dispatcher dispatches
    assert journey.ready() == ["dispatch"]
    journey.do("dispatch", dispatch_action="dispatch", lead_unit=9, co_units=[], via_county=None)
    assert journey.ready() == ["sign"]


def test_joint_review_escalated_to_the_city_government(journey):
    journey.do("decide_scope", scope="accept").do("dispatch", dispatch_action="joint_review")
    journey.do("jr_meeting", consult_units=[]).do("jr_decide", jr_outcome="escalate")
    assert journey.ready() == ["jr_proposal"]
    assert journey.inst.ready_tasks()[0].role == "reviewer"
    journey.do("jr_proposal")
    assert journey.ready() == ["jr_city_decision"] and journey.inst.ready_tasks()[0].role == "city_leader"
    journey.do("jr_city_decision", joint_lead_unit=9, joint_co_units=[8], lead_unit=9, co_units=[8], via_county=None,
               dispatch_action="dispatch")
    assert journey.ready() == ["sign"] and journey.inst.ready_tasks()[0].unit_var_value == 9
    journey.do("sign", sign_decision="sign")
    assert journey.ready() == ["co_handle"] and journey.inst.ready_tasks()[0].unit_var_value == 8


def test_a_second_joint_review_starts_without_the_first_ones_units(journey):
    journey.do("decide_scope", scope="accept").do("dispatch", dispatch_action="joint_review")
    journey.do("jr_meeting", consult_units=[]).do("jr_decide", jr_outcome="settled", joint_lead_unit=9,
                                                  joint_co_units=[], lead_unit=9, co_units=[], via_county=None,
                                                  dispatch_action="dispatch")
    journey.do("sign", sign_decision="return")  # return_count 1 → back to dispatch
    journey.do("dispatch", dispatch_action="joint_review")
    journey.do("jr_meeting", consult_units=[]).do("jr_decide", jr_outcome="settled")
    assert journey.ready() == ["dispatch"]  # jr_init cleared the first decision's units


SUP_FILES = {"supervision.bpmn": (ROOT / "bpmn" / "supervision.bpmn").read_bytes()}
SUP = parse_bundle(SUP_FILES, "sup", "supervision")
SUP_RT = Runtime(lambda ref: SUP)


@pytest.mark.parametrize("roundtrip", [False, True], ids=["plain", "save-restore"])
def test_supervision_reply_sent_back_then_accepted(roundtrip):
    inst = SUP_RT.start("sup", {"unit": 7, "ticket_id": 1})

    def do(bpmn_id, **data):
        nonlocal inst
        if roundtrip:
            inst = SUP_RT.load(SUP_RT.dump(inst))
        task = next(t for t in inst.ready_tasks() if t.bpmn_id == bpmn_id)
        inst.complete(task.uuid, data)

    first = inst.ready_tasks()[0]
    assert (first.bpmn_id, first.role, first.unit_var_value) == ("sup_reply", "unit_leader", 7)
    do("sup_reply")
    assert [t.role for t in inst.ready_tasks()] == ["supervisor"]
    do("sup_check", check_decision="back")
    assert [t.bpmn_id for t in inst.ready_tasks()] == ["sup_reply"]
    do("sup_reply")
    do("sup_check", check_decision="accept")
    assert inst.is_completed()
