"""并单 through the services: a matter's one dispatch, handling and reply reach every citizen; each evaluates; a
justified 不满意 from any of them redoes the main ticket once; un-merge until the reply. (The pages prove the same
through the user's door in test_merge_pages.py.)"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.common import Forbidden, Invalid
from engine.common.db import transaction
from engine.jobs import expire_evaluation, overdue_evaluations
from engine.models import AuditLog, Evaluation, Outbox, TaskProjection, Ticket, TicketMerge
from engine.tickets import merge, unmerge
from tests.support.helpers import REPLY, user
from tests.support.pages import fresh, unit_id


def _merge(db, clock, main, *children, who="dispatcher"):
    with transaction(db.session):
        merge(db.session, user(db.session, who), main.id, [c.id for c in children], "同一片区停水，同一事项", clock())


def _tasks(db, ticket_id):
    db.session.expire_all()
    return db.session.scalars(select(TaskProjection).where(TaskProjection.ticket_id == ticket_id)).all()


def _actions(db, ticket_id):
    return [a for (a,) in db.session.execute(select(AuditLog.action).where(AuditLog.ticket_id == ticket_id)
                                             .order_by(AuditLog.id))]


def test_merged_tickets_follow_the_main_ticket_to_one_reply_and_each_citizen_evaluates(db, clock, tickets):
    a = tickets.new(citizen_phone="13900000001")
    b = tickets.new(citizen_phone="13900000002", channel="wechat")
    c = tickets.new(citizen_phone="13900000003")
    _merge(db, clock, a, b, c)
    for child in (b, c):
        t = fresh(db, child.id)
        assert (t.status, t.main_ticket_id, t.next_threshold_at) == ("merged", a.id, None)
        assert _tasks(db, child.id) == []  # its own 派单 task stopped
        assert _actions(db, child.id)[-1] == "merge"
    assert "merge_in" in _actions(db, a.id)

    tickets.act("dispatcher", a, "dispatch", lead_unit=unit_id(db, "HY-ZJJ"))
    tickets.act("receiver", a, "sign", decision="sign")
    tickets.act("handler", a, "reply", **REPLY)
    tickets.act("reviewer", a, "review", decision="accept")
    # The reply reaches every citizen: an SMS each, and an evaluation task each (the main ticket's own too).
    texts = {o.recipient: o.text for o in db.session.scalars(select(Outbox).where(Outbox.template == "matter.reply"))}
    assert set(texts) == {"13900000001", "13900000002", "13900000003"}
    assert "已责令施工单位停止夜间施工" in texts["13900000002"] and fresh(db, b.id).number in texts["13900000002"]
    for t in (a, b, c):
        assert fresh(db, t.id).status == "evaluating"
        assert [p.bpmn_id for p in _tasks(db, t.id)] == ["evaluate"]

    agent = "agent"
    tickets.act(agent, a, "evaluate", intake_rating="satisfied", handling_rating="satisfied", method="callback")
    assert fresh(db, a.id).status == "evaluating"  # waits for the others
    tickets.act(agent, b, "evaluate", intake_rating="satisfied", handling_rating="dissatisfied", method="callback",
                comment="水还是没来")
    assert fresh(db, b.id).status == "merged"
    clock.set("2026-12-10T10:00:00+08:00")  # past the 3-WD window: the scheduler records 未评价 for c
    with transaction(db.session):
        assert overdue_evaluations(db.session, clock()) == [c.id]
        expire_evaluation(db.session, c.id, clock())
    # Any citizen's 不满意 sends the matter to the office's redo decision.
    assert fresh(db, a.id).status == "redo_deciding"
    tickets.act("reviewer", a, "redo_decision", kind="reasonable", reason="诉求人反映仍未来水，理由合理")
    assert fresh(db, a.id).status == "handling" and fresh(db, a.id).redo_count == 1
    ev_b = db.session.scalar(select(Evaluation).where(Evaluation.ticket_id == b.id))
    assert (ev_b.round, ev_b.redo_reasonable, ev_b.unit_id) == (1, True, unit_id(db, "HY-ZJJ"))

    tickets.act("handler", a, "reply", **{**REPLY, "result": "已更换破损管段，恢复供水。"})
    tickets.act("reviewer", a, "review", decision="accept")
    for t in (a, b, c):
        tickets.act(agent, t, "evaluate", intake_rating="satisfied", handling_rating="satisfied", method="sms")
    for t in (a, b, c):
        assert fresh(db, t.id).status == "archived"
    assert db.session.scalar(select(Evaluation.round).where(Evaluation.ticket_id == c.id)
                             .order_by(Evaluation.id.desc()).limit(1)) == 2


def test_a_second_dissatisfaction_does_not_redo_again(db, clock, tickets):
    a, b = tickets.new(), tickets.new(citizen_phone="13900000009")
    _merge(db, clock, a, b)
    tickets.act("dispatcher", a, "dispatch", lead_unit=unit_id(db, "HY-ZJJ"))
    tickets.act("receiver", a, "sign", decision="sign")
    for _round in (1, 2):
        tickets.act("handler", a, "reply", **REPLY)
        tickets.act("reviewer", a, "review", decision="accept")
        tickets.act("agent", a, "evaluate", intake_rating="satisfied", handling_rating="satisfied", method="callback")
        tickets.act("agent", b, "evaluate", intake_rating="basic", handling_rating="very_dissatisfied",
                    method="callback", comment="不满意")
        tickets.act("reviewer", a, "redo_decision", kind="reasonable", reason="理由合理")
    assert fresh(db, a.id).status == "archived" and fresh(db, a.id).redo_count == 1
    assert fresh(db, b.id).status == "archived"


def test_unmerge_until_the_reply_restores_the_tickets_own_task_and_clock(db, clock, tickets):
    a = tickets.dispatched()
    b = tickets.dispatched(citizen_phone="13900000005")
    tickets.act("receiver", b, "sign", decision="sign")  # b was already being handled by its unit
    _merge(db, clock, a, b)
    assert _tasks(db, b.id) == []
    clock.set("2026-11-30T09:00:00+08:00")
    with transaction(db.session):
        unmerge(db.session, user(db.session, "reviewer"), b.id, "经核实不是同一事项", clock())
    t = fresh(db, b.id)
    assert (t.status, t.main_ticket_id) == ("handling", None)
    assert [p.bpmn_id for p in _tasks(db, b.id)] == ["reply"]
    assert t.handling_started_at == clock()  # the handling limit counts again from the un-merge
    assert t.next_threshold_at is not None and t.next_threshold_at > clock()
    row = db.session.scalar(select(TicketMerge).where(TicketMerge.child_ticket_id == b.id))
    assert row.unmerged_at == clock() and row.unmerge_reason == "经核实不是同一事项"
    assert _actions(db, b.id)[-1] == "unmerge" and _actions(db, a.id)[-1] == "unmerge_out"

    _merge(db, clock, a, b, who="reviewer")
    tickets.act("receiver", a, "sign", decision="sign")
    tickets.act("handler", a, "reply", **REPLY)
    tickets.act("reviewer", a, "review", decision="accept")
    with transaction(db.session), pytest.raises(Invalid) as refused:
        unmerge(db.session, user(db.session, "reviewer"), b.id, "想撤销", clock())
    assert refused.value.message_zh == "主单已答复，不能再撤销并单"


def test_what_cannot_be_merged_is_refused_with_its_reason(db, clock, tickets):
    a, b = tickets.new(), tickets.new(citizen_phone="13900000007")
    done = tickets.evaluating()
    scoping = tickets.new(scope=None)
    with transaction(db.session), pytest.raises(Invalid) as refused:
        merge(db.session, user(db.session, "dispatcher"), a.id, [done.id, scoping.id], "同一事项", clock())
    assert "待回访评价" in refused.value.message_zh and "待受理审查" in refused.value.message_zh
    with transaction(db.session), pytest.raises(Invalid) as refused:
        merge(db.session, user(db.session, "dispatcher"), a.id, [b.id], " ", clock())
    assert "并单理由" in refused.value.message_zh
    with transaction(db.session), pytest.raises(Invalid) as refused:
        merge(db.session, user(db.session, "dispatcher"), done.id, [a.id], "同一事项", clock())
    assert "只有已受理、尚未答复的工单可以作为主单" in refused.value.message_zh
    with transaction(db.session), pytest.raises(Forbidden):
        merge(db.session, user(db.session, "agent"), a.id, [b.id], "同一事项", clock())
    assert db.session.scalar(select(Ticket.main_ticket_id).where(Ticket.id == b.id)) is None
