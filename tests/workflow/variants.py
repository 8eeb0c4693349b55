"""Variants of the bundled diagrams that process owners might produce, good and bad."""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HOTLINE = (ROOT / "bpmn" / "hotline.bpmn").read_text(encoding="utf-8")
JOINT = (ROOT / "bpmn" / "joint_review.bpmn").read_text(encoding="utf-8")


def files(hotline: str = HOTLINE, joint: str | None = JOINT) -> dict[str, bytes]:
    out = {"hotline.bpmn": hotline.encode()}
    if joint is not None:
        out["joint_review.bpmn"] = joint.encode()
    return out


def replace(text: str, old: str, new: str) -> str:
    assert old in text, f"variant anchor not found: {old[:60]}"
    return text.replace(old, new, 1)


def with_leader_approval() -> str:
    """An approval step by the office's reviewer between the accepted review and the evaluation."""
    x = replace(HOTLINE, '<bpmn:sequenceFlow id="Flow_approved" name="通过" sourceRef="gw_review" targetRef="evaluate" />',
                '<bpmn:sequenceFlow id="Flow_approved" name="通过" sourceRef="gw_review" targetRef="leader_approval" />'
                '<bpmn:sequenceFlow id="Flow_leader_ok" sourceRef="leader_approval" targetRef="evaluate" />')
    x = replace(x, "<bpmn:incoming>Flow_approved</bpmn:incoming>", "<bpmn:incoming>Flow_leader_ok</bpmn:incoming>")
    x = replace(x, '<bpmn:userTask id="evaluate"',
                '<bpmn:userTask id="leader_approval" name="领导审批"><bpmn:extensionElements><camunda:formData>'
                '<camunda:formField id="approved" label="同意办结" type="boolean" /></camunda:formData>'
                '</bpmn:extensionElements><bpmn:incoming>Flow_approved</bpmn:incoming>'
                '<bpmn:outgoing>Flow_leader_ok</bpmn:outgoing></bpmn:userTask><bpmn:userTask id="evaluate"')
    return replace(x, "<bpmn:flowNodeRef>gw_review</bpmn:flowNodeRef>",
                   "<bpmn:flowNodeRef>gw_review</bpmn:flowNodeRef><bpmn:flowNodeRef>leader_approval</bpmn:flowNodeRef>")


# Accepted calls go through a new script that fails: refusals and immediate answers still work, dispatch never does.
INTAKE_BROKEN = replace(replace(replace(HOTLINE,
    '<bpmn:sequenceFlow id="Flow_accepted" name="受理派单" sourceRef="gw_scope" targetRef="dispatch" />',
    '<bpmn:sequenceFlow id="Flow_accepted" name="受理派单" sourceRef="gw_scope" targetRef="quota" />'
    '<bpmn:sequenceFlow id="Flow_quota" sourceRef="quota" targetRef="dispatch" />'),
    '<bpmn:incoming>Flow_accepted</bpmn:incoming>\n      <bpmn:incoming>Flow_redispatch</bpmn:incoming>',
    '<bpmn:incoming>Flow_quota</bpmn:incoming>\n      <bpmn:incoming>Flow_redispatch</bpmn:incoming>'),
    '<bpmn:flowNodeRef>gw_dispute</bpmn:flowNodeRef>',
    '<bpmn:flowNodeRef>gw_dispute</bpmn:flowNodeRef><bpmn:flowNodeRef>quota</bpmn:flowNodeRef>'
    ).replace('<bpmn:userTask id="dispatch"', '<bpmn:scriptTask id="quota" name="配额检查" scriptFormat="python">'
              '<bpmn:incoming>Flow_accepted</bpmn:incoming><bpmn:outgoing>Flow_quota</bpmn:outgoing>'
              '<bpmn:script>quota = 10 / 0</bpmn:script></bpmn:scriptTask><bpmn:userTask id="dispatch"', 1)
