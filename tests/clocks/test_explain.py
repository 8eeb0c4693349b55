"""Every clock explains itself: start instant, rule-set version, non-working days skipped, extension, redo."""
from __future__ import annotations

import json

from engine.clocks.deadlines import explain_ticket_clocks
from engine.clocks.monitor import apply_extension
from tests.support.helpers import user

from .flow import act, at, fresh, received, reply, run_monitor, sign


def by_stage(db, t) -> dict:
    return {c["stage"]: c for c in explain_ticket_clocks(db.session, fresh(db, t))}


def test_a_signed_ticket_explains_dispatch_acceptance_and_handling(db):
    t = received(db, "complaint", "2026-09-29T10:00:00+08:00")
    sign(db, t, "2026-09-29T11:00:00+08:00")
    run_monitor(db, "2026-10-20T00:00:00+08:00")
    clocks = explain_ticket_clocks(db.session, fresh(db, t))
    assert [c["stage"] for c in clocks] == ["dispatch", "acceptance", "handling"]
    json.dumps(clocks, ensure_ascii=False)  # plain JSON for the API
    handling = clocks[-1]
    assert handling["start"] == "2026-09-29T02:00:00+00:00" and handling["start_local"] == "2026-09-29 10:00"
    assert handling["rule_set_version"] == 1 and handling["rule"]["limit"] == 10
    assert handling["skipped"][:3] == ["2026-10-01", "2026-10-02", "2026-10-03"]
    assert handling["skipped_holidays"]["2026-10-01"] == "国庆节"
    assert handling["due_local"] == "2026-10-19 24:00" and handling["matches_stored"]
    assert handling["running"] and handling["level"] == "yellow" and handling["level_label"] == "黄牌"
    assert handling["summary"].startswith("自2026-09-29 10:00起算（受理当日不计），按投诉类办理时限10个工作日")
    assert "国庆节假期（2026-10-01至2026-10-07）" in handling["summary"]
    assert handling["summary"].endswith("（时限规则第1版）")
    assert not clocks[0]["running"] and clocks[0]["rule"] == {"days": 1}


def test_extension_is_explained(db):
    t = received(db, "help", "2026-11-25T10:00:00+08:00")
    sign(db, t, "2026-11-25T11:00:00+08:00")
    apply_extension(db.session, fresh(db, t), 2, user(db.session, "reviewer"), at("2026-11-27T09:00:00+08:00"))
    db.session.commit()
    handling = by_stage(db, t)["handling"]
    assert handling["extension_days"] == 2 and handling["matches_stored"]
    assert "经批准延期2个工作日，共5个工作日" in handling["summary"]


def test_redo_restart_is_explained(db):
    t = received(db, "consult", "2026-11-25T10:00:00+08:00")
    sign(db, t, "2026-11-25T11:00:00+08:00")
    reply(db, t, "2026-11-26T09:00:00+08:00")
    act(db, "reviewer", t, "review", "2026-11-26T10:00:00+08:00", decision="accept")
    evaluating = by_stage(db, t)
    assert evaluating["evaluation"]["running"] is False and "未评价" in evaluating["evaluation"]["summary"]
    act(db, "agent", t, "evaluate", "2026-11-26T15:00:00+08:00", intake_rating="satisfied",
        handling_rating="dissatisfied", method="callback", comment="问题没有解决")
    act(db, "reviewer", t, "redo_decision", "2026-11-30T09:00:00+08:00", reasonable=True, reason="问题仍未解决")
    handling = by_stage(db, t)["handling"]
    assert handling["redo"] and handling["start_local"] == "2026-11-30 09:00" and handling["matches_stored"]
    assert handling["summary"].startswith("重办：自重办派单时2026-11-30 09:00起重新计算（当日不计，不得延期）")


def test_provisional_clock_names_the_unentered_year(db):
    t = received(db, "complaint", "2026-12-24T10:00:00+08:00")
    handling = by_stage(db, t)["handling"]
    assert handling["provisional"] and handling["unentered_years"] == [2027]
    assert "2027年节假日安排尚未录入" in handling["summary"]
