"""Every invalid or unsafe diagram is refused with its file, line and element, in a Chinese sentence that names the
element by its name with the id beside it; the dry run finds broken journeys."""
from __future__ import annotations

import pytest

from engine.process.deploy import dry_run, validate_draft

from .chinese import assert_chinese
from .variants import HOTLINE, JOINT, files, replace, with_leader_approval


def errors(problems):
    out = [p for p in problems if p.is_error]
    for p in problems:
        assert_chinese(p.message)
    return out


def only(problems):
    found = errors(problems)
    assert len(found) >= 1, "expected an error"
    return found[0]


def test_bundled_diagrams_are_valid_and_pass_every_journey():
    assert validate_draft(files()) == []
    results = dry_run(files())
    assert [(r.code, r.ok) for r in results if not r.ok] == []
    assert {r.code for r in results} >= {"intake", "happy", "refused", "answered", "returned", "co_handled",
                                         "joint_review", "redo", "county", "sent_back"}


def test_typo_in_a_condition_is_refused_with_the_closest_name():
    bad = replace(HOTLINE, 'scope == "refuse"', 'scoep == "refuse"')
    p = only(validate_draft(files(bad)))
    assert (p.file, p.element, p.kind) == ("hotline.bpmn", "Flow_refused", "variable") and p.line
    assert "变量 scoep 未定义，是否为 scope？" in p.message
    assert_chinese(p.message, "「不予受理」（Flow_refused）")


def test_a_variable_written_only_later_is_refused():
    bad = replace(HOTLINE, 'scope == "refuse"', 'scope == "refuse" and review_decision == "back"')
    p = only(validate_draft(files(bad)))
    assert p.element == "Flow_refused" and "review_decision" in p.message
    assert_chinese(p.message, "「不予受理」（Flow_refused）", "「审核答复」（review）")


def test_external_entity_refused_before_parsing():
    xxe = HOTLINE.replace('<?xml version="1.0" encoding="UTF-8"?>',
                          '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>', 1)
    p = only(validate_draft(files(xxe)))
    assert p.file == "hotline.bpmn" and p.kind == "unsafe" and "外部引用" in p.message


def test_entity_expansion_refused():
    bomb = ('<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
            '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&b;</bpmn:definitions>')
    assert only(validate_draft({"bomb.bpmn": bomb.encode()})).kind == "unsafe"


def test_oversized_file_refused():
    big = HOTLINE.replace("</bpmn:definitions>", "<!--" + "x" * 3_000_000 + "--></bpmn:definitions>")
    assert "超过每个文件 2 MB 的上限" in only(validate_draft(files(big))).message


def test_malformed_xml_has_a_line():
    p = only(validate_draft(files(HOTLINE.replace("</bpmn:process>", "</bpmn:proces>", 1))))
    assert p.file == "hotline.bpmn" and p.line and p.line > 1 and f"第 {p.line} 行" in p.message


def test_schema_error_has_file_line_and_element():
    bad = HOTLINE.replace("<bpmn:incoming>Flow_approved</bpmn:incoming>",
                          "<bpmn:incomingg>Flow_approved</bpmn:incomingg>", 1)
    p = only(validate_draft(files(bad)))
    assert p.file == "hotline.bpmn" and p.line and p.element == "evaluate"
    assert "incomingg" in p.message and "BPMN 2.0" in p.message
    assert_chinese(p.message, "「回访评价」（evaluate）")


def test_condition_that_does_not_compile_is_reported_on_its_flow():
    bad = replace(HOTLINE, 'review_decision == "back"', 'review_decision === "back"')
    p = only(validate_draft(files(bad)))
    assert (p.file, p.element, p.kind) == ("hotline.bpmn", "Flow_sent_back", "expression") and p.line
    assert_chinese(p.message, "「退回修改」（Flow_sent_back）", "不是合法的 Python 表达式")


def test_script_that_does_not_compile_or_escapes():
    bad = replace(HOTLINE, "return_count += 1", "import os")
    p = only(validate_draft(files(bad)))
    assert p.element == "record_return"
    assert_chinese(p.message, "「记录退回」（record_return）", "不允许 import")


def test_lane_that_is_not_a_role_lists_the_roles():
    bad = replace(HOTLINE, 'name="审核员"', 'name="审核组"')
    problems = errors(validate_draft(files(bad)))
    assert {p.element for p in problems} >= {"review", "redo_decision"}
    for p in problems:
        assert p.kind == "lane" and p.line
        assert_chinese(p.message, "「审核组」", "话务员、派单员、审核员")


def test_user_task_outside_any_lane():
    bad = replace(HOTLINE, "<bpmn:flowNodeRef>review</bpmn:flowNodeRef>", "")
    p = only(validate_draft(files(bad)))
    assert p.element == "review"
    assert_chinese(p.message, "「审核答复」（review）没有泳道：用户任务须放在名为 话务员、派单员")


def test_plain_task_is_named_as_not_waiting_for_anyone():
    bad = replace(with_leader_approval(), '<bpmn:userTask id="leader_approval" name="领导审批">',
                  '<bpmn:task id="leader_approval" name="领导审批">')
    bad = bad.replace('</bpmn:outgoing></bpmn:userTask><bpmn:userTask id="evaluate"',
                      '</bpmn:outgoing></bpmn:task><bpmn:userTask id="evaluate"', 1)
    p = next(p for p in errors(validate_draft(files(bad))) if p.kind == "task_kind")
    assert p.element == "leader_approval"
    assert_chinese(p.message, "「领导审批」（leader_approval）", "该任务不是用户任务，流程不会在此等待办理人")


def test_form_key_without_a_form():
    bad = replace(HOTLINE, 'camunda:formKey="review"', 'camunda:formKey="reviewx"')
    p = only(validate_draft(files(bad)))
    assert p.element == "review" and p.kind == "form"
    assert_chinese(p.message, "「审核答复」（review）", "reviewx")


def test_declared_field_with_an_unknown_type():
    bad = replace(with_leader_approval(), 'type="boolean"', 'type="money"')
    p = only(validate_draft(files(bad)))
    assert p.element == "leader_approval"
    assert_chinese(p.message, "「领导审批」（leader_approval）", "「同意办结」", "money")


def test_unregistered_service_task():
    bad = replace(HOTLINE, '<bpmn:scriptTask id="archive" name="归档" scriptFormat="python">',
                  '<bpmn:serviceTask id="notify" name="传真通知" camunda:topic="send_fax" />'
                  '<bpmn:scriptTask id="archive" name="归档" scriptFormat="python">')
    p = next(p for p in errors(validate_draft(files(bad))) if p.kind == "service")
    assert (p.element, p.file) == ("notify", "hotline.bpmn") and p.line
    assert_chinese(p.message, "「传真通知」（notify）", "send_fax")


def test_flow_without_condition_or_default():
    bad = replace(HOTLINE, '<bpmn:exclusiveGateway id="gw_review" name="审核通过?" default="Flow_approved">',
                  '<bpmn:exclusiveGateway id="gw_review" name="审核通过?">')
    p = only(validate_draft(files(bad)))
    assert p.element == "Flow_approved"
    assert_chinese(p.message, "「审核通过?」（gw_review）", "「通过」（Flow_approved）", "默认流")


def test_dangling_flow_is_named_on_the_flow():
    bad = replace(HOTLINE, 'sourceRef="review" targetRef="gw_review" />', 'sourceRef="review" targetRef="gw_reviewx" />')
    p = only(validate_draft(files(bad)))
    assert p.element == "Flow_review_done"
    assert_chinese(p.message, "gw_reviewx", "不存在")


def test_call_activity_without_its_process():
    p = only(validate_draft(files(joint=None)))
    assert (p.file, p.element, p.kind) == ("hotline.bpmn", "joint_review", "call") and p.line
    assert_chinese(p.message, "「联合审定」（joint_review）")


def test_two_missing_called_processes_are_both_reported():
    two = replace(HOTLINE, 'calledElement="joint_review"', 'calledElement="joint_reviewx"')
    two = replace(two, '<bpmn:scriptTask id="archive" name="归档" scriptFormat="python">',
                  '<bpmn:callActivity id="archive_call" name="归档子流程" calledElement="archiving" />'
                  '<bpmn:scriptTask id="archive" name="归档" scriptFormat="python">')
    calls = [p for p in errors(validate_draft(files(two))) if p.kind == "call"]
    assert {p.element for p in calls} == {"joint_review", "archive_call"}


def test_approval_step_is_valid_and_the_dry_run_walks_through_it():
    assert validate_draft(files(with_leader_approval())) == []
    happy = next(r for r in dry_run(files(with_leader_approval())) if r.code == "happy")
    assert happy.ok and "领导审批" in happy.path_text


def test_dry_run_reports_where_a_broken_journey_ends():
    broken = replace(HOTLINE, 'review_decision == "back"', 'review_decision == "accept"')
    results = {r.code: r for r in dry_run(files(broken))}
    assert not results["happy"].ok and "回访评价" in results["happy"].message
    assert_chinese(results["happy"].message, "「回访评价」（evaluate）")
    assert results["refused"].ok and results["intake"].ok


@pytest.mark.parametrize("joint", [JOINT])
def test_joint_review_file_alone_parses(joint):
    from engine.workflow import parse_bundle

    assert parse_bundle({"joint_review.bpmn": joint.encode()}, "x", "joint_review").tasks["jr_decide"].role == \
        "reviewer"
