"""Deploying a changed diagram: new tickets take the new path, running ones finish on theirs, migration moves
the eligible tickets and lists the rest."""
from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from engine.common.db import transaction
from engine.common.errors import Invalid
from engine.models import ProcessVersion, Ticket
from engine.process.deploy import activate, deploy_version, diff_versions, migrate_tickets
from engine.tickets.lifecycle import complete_task, register
from engine.workflow import DiagramError
from tests.support.helpers import CITIZEN, REPLY, unit, user
from tests.workflow.variants import HOTLINE, files, replace, with_leader_approval

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
    assert "leader_approval" in diff["added"]


def test_bulk_migration_moves_eligible_and_lists_the_rest(db, restore_version):
    waiting = ticket_at(db, "dispatching")
    past = ticket_at(db, "evaluating")
    with transaction(db.session):
        pv, _ = deploy_version(db.session, files(with_leader_approval()), "process_owner", "增加领导审批", NOW)
    with transaction(db.session):
        report = migrate_tickets(db.session, user(db.session, "process_owner"), pv.version, NOW, dry_run_only=True)
    assert waiting.number in report["moved"]
    refused = {r["ticket"]: r["reason"] for r in report["refused"]}
    assert past.number in refused and "gw_review" in refused[past.number]
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
    assert err.value.problems[0].element in {"review", "redo_decision"}
    assert db.session.scalar(select(ProcessVersion).where(ProcessVersion.active.is_(True), ProcessVersion.process_id == "hotline_ticket")).id == restore_version.id


def test_broken_journey_needs_a_recorded_override(db, restore_version):
    broken = files(replace(HOTLINE, 'review_decision == "back"', 'review_decision == "accept"'))
    with pytest.raises(Invalid) as err:
        with transaction(db.session):
            deploy_version(db.session, broken, "process_owner", "试验", NOW)
    assert err.value.code == "dry_run_failed" and "正常办结" in err.value.message_zh
    with transaction(db.session):
        pv, _ = deploy_version(db.session, broken, "process_owner", "试验", NOW, override="演练用，次日回滚")
    assert "强制部署：演练用，次日回滚" in pv.note
