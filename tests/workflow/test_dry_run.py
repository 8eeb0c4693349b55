"""The dry run walks every outgoing flow of every gateway a journey reaches (both values of a generated yes/no
field), shows paths by Chinese task names, marks as new only what the active version lacks, and explains a failure
in Chinese on the flow whose condition broke."""
from __future__ import annotations

from engine.process.deploy import dry_run

from .chinese import assert_chinese
from .variants import HOTLINE, files, replace, with_leader_approval


def with_legal_review() -> str:
    """A 法制审核 step after the review: a generated yes/no field decides between evaluation and a new reply."""
    x = replace(with_leader_approval(), '<bpmn:sequenceFlow id="Flow_leader_ok" sourceRef="leader_approval" '
                'targetRef="evaluate" />',
                '<bpmn:sequenceFlow id="Flow_leader_ok" sourceRef="leader_approval" targetRef="gw_legal" />'
                '<bpmn:sequenceFlow id="Flow_legal_ok" name="通过" sourceRef="gw_legal" targetRef="evaluate">'
                '<bpmn:conditionExpression>approved</bpmn:conditionExpression></bpmn:sequenceFlow>'
                '<bpmn:sequenceFlow id="Flow_legal_back" name="不通过" sourceRef="gw_legal" targetRef="reply" />')
    x = replace(x, "<bpmn:incoming>Flow_leader_ok</bpmn:incoming>", "<bpmn:incoming>Flow_legal_ok</bpmn:incoming>")
    x = replace(x, "<bpmn:incoming>Flow_sent_back</bpmn:incoming>",
                "<bpmn:incoming>Flow_sent_back</bpmn:incoming><bpmn:incoming>Flow_legal_back</bpmn:incoming>")
    x = replace(x, '<bpmn:userTask id="evaluate"',
                '<bpmn:exclusiveGateway id="gw_legal" name="法制审核通过?" default="Flow_legal_back">'
                '<bpmn:incoming>Flow_leader_ok</bpmn:incoming><bpmn:outgoing>Flow_legal_ok</bpmn:outgoing>'
                '<bpmn:outgoing>Flow_legal_back</bpmn:outgoing></bpmn:exclusiveGateway><bpmn:userTask id="evaluate"')
    return replace(x, "<bpmn:flowNodeRef>leader_approval</bpmn:flowNodeRef>",
                   "<bpmn:flowNodeRef>leader_approval</bpmn:flowNodeRef><bpmn:flowNodeRef>gw_legal</bpmn:flowNodeRef>")


def test_both_values_of_a_generated_yes_no_field_are_walked():
    results = {r.code: r for r in dry_run(files(with_legal_review()))}
    assert all(r.ok for r in results.values()), [(r.code, r.message) for r in results.values() if not r.ok]
    branch = results["branch:Flow_legal_back"]
    assert not branch.untried and "同意办结=否" in branch.message
    assert_chinese(branch.message)
    assert branch.label == "分支：「法制审核通过?」（gw_legal） → 顺序流「不通过」（Flow_legal_back）"
    # after the refusal the journey goes back to the reply, then through the approval again, to the end
    names = [s.name for s in branch.path]
    assert names.count("领导审批") == 2 and names[-1] == "回访评价" and "办理答复" in names[names.index("领导审批"):]


def test_paths_are_chinese_names_and_only_new_steps_are_marked():
    happy = next(r for r in dry_run(files(with_leader_approval())) if r.code == "happy")
    assert happy.path_text == "受理审查 → 派单 → 签收或退回 → 办理答复 → 审核答复 → 领导审批 → 回访评价"
    assert not any(s.new for s in happy.path)  # without the active version nothing is called new


def test_a_broken_condition_is_explained_on_its_flow():
    broken = replace(HOTLINE, 'len(co_units) &gt; 0', 'len(co_units) &gt; "0"')
    results = {r.code: r for r in dry_run(files(broken))}
    assert not results["happy"].ok and results["intake"].ok
    assert_chinese(results["happy"].message, "「有协办单位?」（gw_co）", "顺序流「有协办」（Flow_co）", "数据类型不符")
