"""Every invalid or unsafe diagram is refused with its file, line and element; the dry run finds broken journeys."""
from __future__ import annotations

import pytest

from engine.process.deploy import dry_run, validate_draft

from .variants import HOTLINE, JOINT, files, replace, with_leader_approval


def only(problems):
    assert len(problems) >= 1, "expected a problem"
    return problems[0]


def test_bundled_diagrams_are_valid_and_pass_every_journey():
    assert validate_draft(files()) == []
    results = dry_run(files())
    assert [(r.code, r.ok) for r in results if not r.ok] == []
    assert {r.code for r in results} >= {"happy", "refused", "answered", "returned", "co_handled", "joint_review",
                                         "redo", "county"}


def test_external_entity_refused_before_parsing():
    xxe = HOTLINE.replace('<?xml version="1.0" encoding="UTF-8"?>',
                          '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>', 1)
    p = only(validate_draft(files(xxe)))
    assert p.file == "hotline.bpmn" and "unsafe XML" in p.message


def test_entity_expansion_refused():
    bomb = ('<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
            '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&b;</bpmn:definitions>')
    assert "unsafe XML" in only(validate_draft({"bomb.bpmn": bomb.encode()})).message


def test_oversized_file_refused():
    big = HOTLINE.replace("</bpmn:definitions>", "<!--" + "x" * 3_000_000 + "--></bpmn:definitions>")
    assert "more than" in only(validate_draft(files(big))).message


def test_malformed_xml_has_a_line():
    p = only(validate_draft(files(HOTLINE.replace("</bpmn:process>", "</bpmn:proces>", 1))))
    assert p.file == "hotline.bpmn" and p.line and p.line > 1


def test_schema_error_has_file_and_line():
    bad = HOTLINE.replace("<bpmn:incoming>Flow_approved</bpmn:incoming>",
                          "<bpmn:incomingg>Flow_approved</bpmn:incomingg>", 1)
    p = only(validate_draft(files(bad)))
    assert p.file == "hotline.bpmn" and p.line and "incomingg" in p.message


def test_condition_that_does_not_compile():
    bad = replace(HOTLINE, 'review_decision == "back"', 'review_decision === "back"')
    p = only(validate_draft(files(bad)))
    assert (p.file, p.element) == ("hotline.bpmn", "gw_review") and p.line and "does not compile" in p.message


def test_script_that_does_not_compile_or_escapes():
    bad = replace(HOTLINE, "return_count += 1", "import os")
    p = only(validate_draft(files(bad)))
    assert p.element == "record_return" and "does not compile" in p.message


def test_lane_that_is_not_a_role():
    bad = replace(HOTLINE, 'name="审核员"', 'name="审核组"')
    problems = validate_draft(files(bad))
    assert {p.element for p in problems} >= {"review", "redo_decision"}
    assert all("is not a role" in p.message and p.line for p in problems)


def test_form_key_without_a_form():
    bad = replace(HOTLINE, 'camunda:formKey="review"', 'camunda:formKey="reviewx"')
    p = only(validate_draft(files(bad)))
    assert p.element == "review" and "has no form" in p.message


def test_declared_field_with_an_unknown_type():
    bad = replace(with_leader_approval(), 'type="boolean"', 'type="money"')
    p = only(validate_draft(files(bad)))
    assert p.element == "leader_approval" and "unsupported type" in p.message


def test_unregistered_service_task():
    bad = replace(HOTLINE, '<bpmn:scriptTask id="archive" name="归档" scriptFormat="python">',
                  '<bpmn:serviceTask id="notify" camunda:topic="send_fax" /><bpmn:scriptTask id="archive" name="归档" '
                  'scriptFormat="python">')
    p = only(validate_draft(files(bad)))
    assert (p.element, p.file) == ("notify", "hotline.bpmn") and "not registered" in p.message and p.line


def test_call_activity_without_its_process():
    p = only(validate_draft(files(joint=None)))
    assert "joint_review" in p.message
    assert (p.file, p.element) == ("hotline.bpmn", "joint_review") and p.line


def test_approval_step_is_valid_and_the_dry_run_walks_through_it():
    assert validate_draft(files(with_leader_approval())) == []
    happy = next(r for r in dry_run(files(with_leader_approval())) if r.code == "happy")
    assert happy.ok and "+leader_approval" in happy.path


def test_dry_run_reports_where_a_broken_journey_ends():
    broken = replace(HOTLINE, 'review_decision == "back"', 'review_decision == "accept"')
    results = {r.code: r for r in dry_run(files(broken))}
    assert not results["happy"].ok and "evaluate" in results["happy"].message
    assert results["refused"].ok


@pytest.mark.parametrize("joint", [JOINT])
def test_joint_review_file_alone_parses(joint):
    from engine.workflow import parse_bundle

    assert parse_bundle({"joint_review.bpmn": joint.encode()}, "x", "joint_review").tasks["jr_decide"].role == \
        "reviewer"
