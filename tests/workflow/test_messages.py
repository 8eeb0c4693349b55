"""Every validation, dry-run and diff message the suite's diagram fixtures produce is a Chinese sentence (no
ASCII-only sentence, no Python leftovers) and names elements by their Chinese names with the id beside them.
Migration messages are read the same way in tests/process/test_migration.py and test_versions.py."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine.process.deploy import dry_run, validate_draft
from engine.workflow import DiagramError
from engine.workflow.changes import diff_models
from engine.workflow.elements import read_model

from .chinese import assert_chinese
from .test_dry_run import with_legal_review
from .variants import HOTLINE, INTAKE_BROKEN, files, replace, with_leader_approval

NAMED = re.compile(r"「[^」]+」（[\w.-]+）|的顺序流（[\w.-]+）|未命名的\S+（[\w.-]+）")
FIXTURES = {
    "typo": replace(HOTLINE, 'scope == "refuse"', 'scoep == "refuse"'),
    "bad_condition": replace(HOTLINE, 'review_decision == "back"', 'review_decision === "back"'),
    "broken_journey": replace(HOTLINE, 'review_decision == "back"', 'review_decision == "accept"'),
    "lane": replace(HOTLINE, 'name="审核员"', 'name="审核组"'),
    "form_key": replace(HOTLINE, 'camunda:formKey="review"', 'camunda:formKey="reviewx"'),
    "import": replace(HOTLINE, "return_count += 1", "import os"),
    "schema": HOTLINE.replace("<bpmn:incoming>Flow_approved</bpmn:incoming>",
                              "<bpmn:incomingg>Flow_approved</bpmn:incomingg>", 1),
    "malformed": HOTLINE.replace("</bpmn:process>", "</bpmn:proces>", 1),
    "intake_broken": INTAKE_BROKEN,
    "leader_approval": with_leader_approval(),
    "legal_review": with_legal_review(),
}
INVOICE = (Path(__file__).parent / "fixtures" / "camunda_invoice.bpmn").read_bytes()


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_validation_dry_run_and_diff_speak_chinese(name):
    variant = files(FIXTURES[name])
    model = read_model(variant)
    for p in validate_draft(variant):
        assert_chinese(p.message)
        if p.element and model.get(p.element) is not None and model.get(p.element).name:
            assert model.label(p.element) in p.message, p.message
    if any(p.is_error for p in validate_draft(variant)):
        return
    try:
        results = dry_run(variant)
    except DiagramError as exc:
        for p in exc.problems:
            assert_chinese(p.message)
        return
    for r in results:
        assert_chinese(r.label)
        for step in r.path:
            assert_chinese(step.name)
        if r.message:
            assert_chinese(r.message)
            if not r.ok:
                assert NAMED.search(r.message), r.message
    diff = diff_models(read_model(files()), model)
    for change in diff.added + diff.removed + diff.changed:
        assert NAMED.search(change.label) and re.search(r"[\u4e00-\u9fff]", change.kind), change
        for c in change.changes:
            assert_chinese(c.label)


def test_camunda_example_messages_speak_chinese():
    for p in validate_draft({**files(), "invoice.bpmn": INVOICE}):
        assert_chinese(p.message)
        assert NAMED.search(p.message), p.message
