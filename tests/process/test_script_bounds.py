"""Issue 16 item 5: a diagram's scripts and conditions are bounded in time and size.

``archived = 9**9**9`` is refused when the draft is checked (constant folding), naming the element; a script that
never ends is stopped after the time limit in the dry run and on a real ticket, where the action fails with the
element named in the log and the ticket unchanged.
"""
from __future__ import annotations

import logging
import time

import pytest
from sqlalchemy import select

from engine.common.db import transaction
from engine.models import AuditLog, Ticket
from engine.process.deploy import deploy_version, dry_run
from engine.tickets.lifecycle import complete_task, register
from engine.workflow import scripting
from tests.api.test_api import login as api_login
from tests.support.helpers import CITIZEN, unit, user

from ..workflow.variants import HOTLINE, files, replace
from .conftest import text
from .test_deploy_web import NOW, upload_draft

HUGE = replace(HOTLINE, "archived = True", "archived = 9**9**9")
ENDLESS = replace(HOTLINE, "return_count += 1", "while True:\n    return_count += 1")


@pytest.fixture
def short_limit(monkeypatch):
    monkeypatch.setattr(scripting, "TIME_LIMIT_SECONDS", 0.3)


def test_a_huge_constant_power_is_refused_on_the_validation_page(owner, db):
    draft_id = upload_draft(owner, HUGE, "巨大幂运算")
    page = text(owner.get(f"/process/drafts/{draft_id}/validate"))
    assert "archive" in page and "常量表达式的运算结果过大（乘方）" in page
    page = text(owner.get(f"/process/drafts/{draft_id}/dry-run"))
    assert "常量表达式的运算结果过大" in page  # the dry run never starts on a draft with problems


@pytest.mark.parametrize("source", ["x = 9**9**9", "x = 2 ** 100000", "x = 'a' * 10**7", "x = 1 << 10**6",
                                    "x = (9**9)**(9**3)"])
def test_constant_folding_refuses_each_huge_literal(source):
    assert "too large" in scripting.compile_check(source, "exec")


def test_small_constants_and_variables_still_compile():
    for ok in ("x = 2**10 * 3", "x = return_count ** 2", "archived = True", "x = 'ab' * 3"):
        assert scripting.compile_check(ok, "exec") is None


def test_the_dry_run_stops_a_script_that_never_ends_and_names_it(short_limit):
    t0 = time.monotonic()
    results = {r.code: r for r in dry_run(files(ENDLESS))}
    elapsed = time.monotonic() - t0
    returned = results["returned"]
    assert not returned.ok and "record_return" in returned.message and "运行超过0.3秒，已被终止" in returned.message
    assert results["happy"].ok  # journeys that do not pass the script are unaffected
    assert elapsed < 10  # each journey through the loop stopped at the bound, none hung


@pytest.mark.parametrize("attack", ["sum(range(10**12)) > 0", "len('x'.ljust(10**10)) > 0",
                                    "len('%999999999d' % 1) > 0", "len('a' * 10**9) > 0", "2**10**8 > 0"])
def test_runtime_size_bounds_refuse_before_computing(attack):
    with pytest.raises(scripting.ScriptLimitError):
        scripting.SCRIPT_ENGINE.environment.evaluate(attack, {})


def test_an_endless_script_on_a_real_ticket_fails_the_action_and_changes_nothing(client, db, restore_version,
                                                                                  short_limit, caplog, monkeypatch):
    monkeypatch.setattr(logging.getLogger("hotline.web"), "disabled", False)  # alembic's fileConfig disables it
    with transaction(db.session):
        deploy_version(db.session, files(ENDLESS), "process_owner", "endless return script", NOW,
                       override="测试：退回脚本不会结束", skip=["returned", "joint_review"])
    with transaction(db.session):
        t, _, _ = register(db.session, user(db.session, "agent"), {**CITIZEN, "scope": "accept"}, NOW)
    with transaction(db.session):
        complete_task(db.session, user(db.session, "dispatcher"), t.id, "dispatch",
                      {"lead_unit": unit(db.session, "HY-ZJJ").id}, NOW)
    audits = len(db.session.scalars(select(AuditLog).where(AuditLog.ticket_id == t.id)).all())
    receiver = api_login(client, "receiver")
    with caplog.at_level(logging.INFO, logger="hotline.web"):
        r = client.post(f"/api/v1/tickets/{t.id}/tasks/sign", headers=receiver,
                        json={"decision": "return", "return_reason": "非本单位职责", "return_basis": "三定方案"})
    assert r.status_code == 400 and r.json["error"]["message"] == "流程无法继续，请联系流程管理员"
    logged = " ".join(rec.getMessage() for rec in caplog.records)
    assert "record_return" in logged and "stopped after 0.3 s" in logged
    db.session.rollback()
    assert db.session.get(Ticket, t.id).status == "signing"
    assert len(db.session.scalars(select(AuditLog).where(AuditLog.ticket_id == t.id)).all()) == audits
    ok = client.post(f"/api/v1/tickets/{t.id}/tasks/sign", headers=receiver, json={"decision": "sign"})
    assert ok.status_code == 200  # the worker is free and the ticket goes on by another path
