"""Deploying a changed diagram: new tickets take the new path, running ones finish on theirs, migration moves
the eligible tickets and lists the rest."""
from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from engine.common.db import transaction
from engine.common.errors import Invalid
from engine.models import ProcessVersion, Ticket
from engine.process.deploy import activate, deploy_version, diff_versions, dry_run, migrate_tickets, validate_draft
from engine.tickets.lifecycle import complete_task, register
from engine.workflow import DiagramError
from tests.support.helpers import CITIZEN, REPLY, unit, user
from tests.workflow.chinese import assert_chinese
from tests.workflow.variants import HOTLINE, INTAKE_BROKEN, files, replace, with_leader_approval

NOW = datetime.fromisoformat("2026-11-25T10:00:00+08:00")


@pytest.fixture
def restore_version(db):
    active = db.session.scalar(select(ProcessVersion).where(ProcessVersion.active.is_(True), ProcessVersion.process_id == "hotline_ticket"))
    yield active
    with transaction(db.session):
        activate(db.session, active.version)


def go(db, who, t, task, **data):
    with transaction(db.session):
        return complete_task(db.session, user(db.session, who), t.id, task, data, NOW)


def ticket_at(db, stage):
    with transaction(db.session):
        t, _, _ = register(db.session, user(db.session, "agent"), {**CITIZEN, "scope": "accept"}, NOW)
    if stage == "dispatching":
        return t
    go(db, "dispatcher", t, "dispatch", lead_unit=unit(db.session, "HY-ZJJ").id)
    go(db, "receiver", t, "sign", decision="sign")
    go(db, "handler", t, "reply", **REPLY)
    if stage == "reviewing":
        return t
    go(db, "reviewer", t, "review", decision="accept")
    return t


def test_new_approval_step_applies_to_new_tickets_only(db, restore_version):
    old = ticket_at(db, "reviewing")
    with transaction(db.session):
        pv, results = deploy_version(db.session, files(with_leader_approval()), "process_owner", "增加领导审批", NOW)
    assert pv.version > restore_version.version and pv.active and all(r.ok for r in results)
    new = ticket_at(db, "reviewing")
    step = go(db, "reviewer", new, "review", decision="accept")
    assert [t.bpmn_id for t in step.ready] == ["leader_approval"]
    step = go(db, "reviewer", new, "leader_approval", approved="on")
    assert [t.bpmn_id for t in step.ready] == ["evaluate"]
    step = go(db, "reviewer", old, "review", decision="accept")
    assert [t.bpmn_id for t in step.ready] == ["evaluate"]
    assert db.session.get(Ticket, old.id).process_version_id == restore_version.id
    diff = diff_versions(db.session, restore_version.version, pv.version)
    assert [c.element for c in diff.added if c.element == "leader_approval"] == ["leader_approval"]
    flow = next(c for c in diff.changed if c.element == "Flow_approved")
    target = next(ch for ch in flow.changes if ch.label == "终点")
    assert (target.old, target.new) == ("「回访评价」（evaluate）", "「领导审批」（leader_approval）")


def test_bulk_migration_moves_eligible_and_lists_the_rest(db, restore_version):
    waiting = ticket_at(db, "dispatching")
    past = ticket_at(db, "evaluating")
    with transaction(db.session):
        pv, _ = deploy_version(db.session, files(with_leader_approval()), "process_owner", "增加领导审批", NOW)
    with transaction(db.session):
        report = migrate_tickets(db.session, user(db.session, "process_owner"), pv.version, NOW, dry_run_only=True)
    assert waiting.number in report["moved"]
    refused = {r["ticket"]: r["reason"] for r in report["refused"]}
    assert past.number in refused and "「审核通过?」（gw_review）" in refused[past.number]
    assert_chinese(refused[past.number], "「审核通过?」（gw_review）", "「通过」（Flow_approved）")
    db.session.expire_all()
    assert db.session.get(Ticket, waiting.id).process_version_id == restore_version.id  # dry run changed nothing
    with transaction(db.session):
        migrate_tickets(db.session, user(db.session, "process_owner"), pv.version, NOW, dry_run_only=False)
    assert db.session.get(Ticket, waiting.id).process_version_id == pv.id
    assert db.session.get(Ticket, past.id).process_version_id == restore_version.id
    go(db, "dispatcher", waiting, "dispatch", lead_unit=unit(db.session, "HY-ZJJ").id)
    go(db, "receiver", waiting, "sign", decision="sign")
    go(db, "handler", waiting, "reply", **REPLY)
    step = go(db, "reviewer", waiting, "review", decision="accept")
    assert [t.bpmn_id for t in step.ready] == ["leader_approval"]


def test_invalid_draft_is_not_deployed(db, restore_version):
    with pytest.raises(DiagramError) as err:
        with transaction(db.session):
            deploy_version(db.session, files(replace(HOTLINE, 'name="审核员"', 'name="审核组"')), "po", None, NOW)
    assert {p.element for p in err.value.problems} == {"review", "redo_decision", "extension_review"}
    assert db.session.scalar(select(ProcessVersion).where(ProcessVersion.active.is_(True), ProcessVersion.process_id == "hotline_ticket")).id == restore_version.id


def test_broken_journey_needs_a_reason_and_each_skipped_journey_named(db, restore_version, dry_run_once):
    broken = files(replace(HOTLINE, 'review_decision == "back"', 'review_decision == "accept"'))
    with pytest.raises(Invalid) as err:
        with transaction(db.session):
            deploy_version(db.session, broken, "process_owner", "试验", NOW)
    assert err.value.code == "dry_run_failed" and "正常办结" in err.value.message_zh
    assert_chinese(err.value.message_zh)
    with pytest.raises(Invalid) as err:  # a reason alone is not enough: each broken journey is skipped by name
        with transaction(db.session):
            deploy_version(db.session, broken, "process_owner", "试验", NOW, override="演练用", skip=["happy"])
    assert err.value.code == "dry_run_failed"
    failed = [r.code for r in dry_run_once(broken, session=db.session) if not r.ok]
    with transaction(db.session):
        pv, _ = deploy_version(db.session, broken, "process_owner", "试验", NOW, override="演练用，次日回滚",
                               skip=failed)
    assert pv.override_reason == "演练用，次日回滚" and pv.note == "试验"
    assert [j["code"] for j in pv.skipped_journeys] == failed and "happy" in failed
    for j in pv.skipped_journeys:
        assert_chinese(j["message"])


def test_a_forced_deploy_whose_intake_journey_fails_is_refused(db, restore_version):
    bad = files(INTAKE_BROKEN)
    assert [p for p in validate_draft(bad) if p.is_error] == []
    results = {r.code: r for r in dry_run(bad)}
    assert not results["intake"].ok and results["refused"].ok and results["answered"].ok
    assert_chinese(results["intake"].message, "「配额检查」（quota）", "除以零")
    failed = [code for code, r in results.items() if not r.ok]
    before = db.session.scalar(select(ProcessVersion.id).where(ProcessVersion.active.is_(True),
                                                              ProcessVersion.process_id == "hotline_ticket"))
    with pytest.raises(Invalid) as err:
        with transaction(db.session):
            deploy_version(db.session, bad, "process_owner", "试验", NOW, override="有意修改", skip=failed)
    assert err.value.code == "intake_broken"
    assert_chinese(err.value.message_zh, "登记受理至派单", "强制部署也不行")
    assert db.session.scalar(select(ProcessVersion.id).where(ProcessVersion.active.is_(True),
                                                             ProcessVersion.process_id == "hotline_ticket")) == before


def test_a_version_where_every_journey_fails_is_refused(db, restore_version):
    bad = files(replace(HOTLINE, "redo_count = 0", "redo_count = 0\nmissing = 1 / 0"))
    failed = [r.code for r in dry_run(bad) if not r.ok]
    with pytest.raises(Invalid) as err:
        with transaction(db.session):
            deploy_version(db.session, bad, "process_owner", "试验", NOW, override="有意修改", skip=failed)
    assert err.value.code in ("intake_broken", "all_broken")
