"""Ticket journeys through the service layer: states, clocks, audit rows, refusals."""
from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select

from engine import jobs
from engine.common.db import transaction
from engine.common.errors import Conflict, Forbidden, Invalid, NotFound
from engine.domain.roles import Role
from engine.knowledge import search as kb_search
from engine.models import Assignment, AuditLog, Evaluation, Reply, TaskProjection, Ticket
from engine.tickets import queries
from engine.tickets.lifecycle import complete_task, register
from tests.support.helpers import CITIZEN, REPLY, unit, unit_actor, user


def at(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


def new_ticket(db, now="2026-11-25T10:00:00+08:00", **extra):
    with transaction(db.session):
        t, code, _ = register(db.session, user(db.session, "agent"), {**CITIZEN, **extra}, at(now))
    return t, code


def act(db, actor, ticket, task, now, **data):
    with transaction(db.session):
        return complete_task(db.session, actor, ticket.id, task, data, at(now))


def status(db, ticket) -> str:
    db.session.expire_all()
    return db.session.get(Ticket, ticket.id).status


def test_register_and_refuse_with_coded_reason(db):
    t, code = new_ticket(db)
    assert t.number.startswith("HL20261125") and len(code) == 6
    assert status(db, t) == "scoping"
    act(db, user(db.session, "agent"), t, "decide_scope", "2026-11-25T10:05:00+08:00", scope="refuse",
        refusal_code=4, refusal_explanation="该事项应通过诉讼途径解决。")
    t = db.session.get(Ticket, t.id)
    assert t.status == "refused" and t.refusal_code == 4 and t.closed_at is not None
    assert db.session.scalar(select(func.count()).select_from(TaskProjection)
                             .where(TaskProjection.ticket_id == t.id)) == 0


def test_refusal_reason_8_needs_the_earlier_ticket(db):
    earlier, _ = new_ticket(db)
    t, _ = new_ticket(db)
    with pytest.raises(Invalid) as err:
        act(db, user(db.session, "agent"), t, "decide_scope", "2026-11-25T10:05:00+08:00", scope="refuse",
            refusal_code=8, refusal_explanation="同一事项正在办理中。")
    assert "related_ticket_id" in err.value.fields
    assert status(db, t) == "scoping"
    act(db, user(db.session, "agent"), t, "decide_scope", "2026-11-25T10:06:00+08:00", scope="refuse",
        refusal_code=8, refusal_explanation="同一事项正在办理中。", related_ticket_id=earlier.id)
    assert db.session.get(Ticket, t.id).related_ticket_id == earlier.id


def test_answered_at_once_records_the_kb_entry(db):
    from engine.models import KnowledgeEntry

    entry = db.session.scalar(select(KnowledgeEntry).limit(1))
    t, _ = new_ticket(db, ticket_type="consult", scope="answer", kb_entry_id=entry.id)
    t = db.session.get(Ticket, t.id)
    assert t.status == "evaluating" and t.kb_entry_id == entry.id and t.answer_text == kb_search.plain_text(entry.content)
    act(db, user(db.session, "agent"), t, "evaluate", "2026-11-25T11:00:00+08:00", intake_rating="satisfied",
        method="callback")
    assert status(db, t) == "archived"


def full_happy_path(db):
    t, _ = new_ticket(db, scope="accept")
    zjj = unit(db.session, "HY-ZJJ")
    act(db, user(db.session, "dispatcher"), t, "dispatch", "2026-11-25T11:00:00+08:00", lead_unit=zjj.id)
    return t, zjj


def test_happy_path_states_clocks_and_timeline(db):
    t, zjj = full_happy_path(db)
    t = db.session.get(Ticket, t.id)
    assert t.status == "signing"
    # complaint: 10 WD; received Wed 2026-11-25 → due 2026-12-09 24:00 (Asia/Shanghai)
    assert t.handling_due == at("2026-12-10T00:00:00+08:00")
    assert t.accept_due == at("2026-11-27T00:00:00+08:00")
    act(db, user(db.session, "receiver"), t, "sign", "2026-11-25T15:00:00+08:00", decision="sign")
    assert status(db, t) == "handling"
    act(db, user(db.session, "handler"), t, "reply", "2026-11-27T09:00:00+08:00", **REPLY)
    assert status(db, t) == "reviewing"
    act(db, user(db.session, "reviewer"), t, "review", "2026-11-27T10:00:00+08:00", decision="accept")
    t = db.session.get(Ticket, t.id)
    assert t.status == "evaluating" and t.eval_due == at("2026-12-03T00:00:00+08:00")
    act(db, user(db.session, "agent"), t, "evaluate", "2026-11-28T10:00:00+08:00", intake_rating="very_satisfied",
        handling_rating="satisfied", method="callback")
    assert status(db, t) == "archived"
    actions = [r["action"] for r in queries.timeline(db.session, t.id)]
    assert actions == ["register", "scope_accept", "dispatch", "sign", "reply", "review_accept", "evaluate",
                       "archive"]
    rows = db.session.scalars(select(AuditLog).where(AuditLog.ticket_id == t.id).order_by(AuditLog.id)).all()
    assert rows[2].before_status == "dispatching" and rows[2].after_status == "signing"
    assert rows[3].actor_label.startswith("周") or "受理人" in rows[3].actor_label


def test_reply_needs_every_art12_field(db):
    t, zjj = full_happy_path(db)
    act(db, user(db.session, "receiver"), t, "sign", "2026-11-25T15:00:00+08:00", decision="sign")
    with pytest.raises(Invalid) as err:
        act(db, user(db.session, "handler"), t, "reply", "2026-11-26T09:00:00+08:00",
            **{**REPLY, "basis": "", "contact_method": " "})
    assert set(err.value.fields) == {"basis", "contact_method"}
    assert db.session.scalar(select(func.count()).select_from(Reply)) == 0
    assert status(db, t) == "handling"


def test_return_within_one_working_day_then_redispatch(db):
    t, zjj = full_happy_path(db)
    with pytest.raises(Invalid) as err:
        act(db, user(db.session, "receiver"), t, "sign", "2026-11-26T09:00:00+08:00", decision="return")
    assert {"return_reason", "return_basis"} <= set(err.value.fields)
    act(db, user(db.session, "receiver"), t, "sign", "2026-11-26T23:59:00+08:00", decision="return",
        return_reason="属于人社部门职责", return_basis="《劳动保障监察条例》第十三条")
    t = db.session.get(Ticket, t.id)
    assert t.status == "dispatching" and t.return_count == 1
    rsj = unit(db.session, "HY-RSJ")
    act(db, user(db.session, "dispatcher"), t, "dispatch", "2026-11-27T09:00:00+08:00", lead_unit=rsj.id)
    act(db, user(db.session, "receiver2"), t, "sign", "2026-11-27T10:00:00+08:00", decision="sign")
    assert status(db, t) == "handling"
    rounds = db.session.scalars(select(Assignment).where(Assignment.ticket_id == t.id)
                                .order_by(Assignment.id)).all()
    assert [(a.round, a.active, a.returned_at is not None) for a in rounds] == [(1, False, True), (2, True, False)]


def test_return_window_closes_after_one_working_day_and_ticket_is_deemed_accepted_but_stays_unsigned(db):
    """视同接受 ends the right to return; it does not sign for the unit (DOMAIN.md §3): the sign task stays open."""
    t, zjj = full_happy_path(db)  # received Wed 11:00 → window ends Thu 24:00
    with pytest.raises(Invalid) as err:
        act(db, user(db.session, "receiver"), t, "sign", "2026-11-27T00:00:00+08:00", decision="return",
            return_reason="x", return_basis="y")
    assert err.value.code == "return_window_closed" and "不能再退回" in err.value.message_zh
    assert jobs.overdue_signs(db.session, at("2026-11-26T23:59:00+08:00")) == []
    assert jobs.overdue_signs(db.session, at("2026-11-27T00:00:00+08:00")) == [t.id]
    with transaction(db.session):
        assert jobs.deem_accepted(db.session, t.id, at("2026-11-27T00:01:00+08:00")) is True
    assert status(db, t) == "signing"
    a = db.session.scalar(select(Assignment).where(Assignment.ticket_id == t.id))
    assert (a.sign_mode, a.signed_at, a.sign_on_time) == ("deemed", None, None)
    assert queries.timeline(db.session, t.id)[-1]["action_label"] == "逾期未退回，视同接受"
    assert jobs.overdue_signs(db.session, at("2026-11-27T00:02:00+08:00")) == []  # recorded once
    with transaction(db.session):
        assert jobs.deem_accepted(db.session, t.id, at("2026-11-27T00:02:00+08:00")) is False
    act(db, user(db.session, "receiver"), t, "sign", "2026-11-27T09:00:00+08:00", decision="sign")
    assert status(db, t) == "handling"
    db.session.expire_all()
    a = db.session.scalar(select(Assignment).where(Assignment.ticket_id == t.id))
    assert (a.sign_mode, a.sign_on_time) == ("signed", False)  # signed after the window: late for 签收及时率
    assert queries.timeline(db.session, t.id)[-1]["detail"] == {"late": True}


def test_deemed_acceptance_counts_working_days_over_the_weekend(db):
    t, _ = new_ticket(db, scope="accept")
    zjj = unit(db.session, "HY-ZJJ")
    act(db, user(db.session, "dispatcher"), t, "dispatch", "2026-11-27T16:00:00+08:00", lead_unit=zjj.id)  # Fri
    assert db.session.get(Ticket, t.id).accept_due == at("2026-12-01T00:00:00+08:00")  # Mon 24:00


def test_co_handling_units_give_their_part_to_the_lead(db):
    t, _ = new_ticket(db, scope="accept")
    zjj, rsj = unit(db.session, "HY-ZJJ"), unit(db.session, "HY-RSJ")
    act(db, user(db.session, "dispatcher"), t, "dispatch", "2026-11-25T11:00:00+08:00", lead_unit=zjj.id,
        co_units=[rsj.id])
    act(db, user(db.session, "receiver"), t, "sign", "2026-11-25T15:00:00+08:00", decision="sign")
    assert status(db, t) == "co_handling"
    with pytest.raises(Forbidden):  # the lead's handler cannot give the co-handler's part
        act(db, user(db.session, "handler"), t, "co_handle", "2026-11-26T09:00:00+08:00", co_part="x")
    act(db, user(db.session, "handler2"), t, "co_handle", "2026-11-26T09:00:00+08:00", co_part="已核查欠薪情况")
    assert status(db, t) == "handling"
    co = db.session.scalar(select(Assignment).where(Assignment.ticket_id == t.id, Assignment.role == "co"))
    assert co.co_part == "已核查欠薪情况"


def test_review_sends_reply_back_with_reason(db):
    t, _ = full_happy_path(db)
    act(db, user(db.session, "receiver"), t, "sign", "2026-11-25T15:00:00+08:00", decision="sign")
    act(db, user(db.session, "handler"), t, "reply", "2026-11-26T09:00:00+08:00", **REPLY)
    with pytest.raises(Invalid):
        act(db, user(db.session, "reviewer"), t, "review", "2026-11-26T10:00:00+08:00", decision="back")
    act(db, user(db.session, "reviewer"), t, "review", "2026-11-26T10:00:00+08:00", decision="back",
        reason="答复未说明法律依据的具体条款")
    assert status(db, t) == "handling"
    r = db.session.scalar(select(Reply).where(Reply.ticket_id == t.id))
    assert r.review_decision == "back" and "具体条款" in r.review_reason


def to_evaluation(db):
    t, _ = full_happy_path(db)
    act(db, user(db.session, "receiver"), t, "sign", "2026-11-25T15:00:00+08:00", decision="sign")
    act(db, user(db.session, "handler"), t, "reply", "2026-11-26T09:00:00+08:00", **REPLY)
    act(db, user(db.session, "reviewer"), t, "review", "2026-11-26T10:00:00+08:00", decision="accept")
    return t


def test_redo_once_under_the_original_time_limit_from_redo_dispatch(db):
    t = to_evaluation(db)
    act(db, user(db.session, "agent"), t, "evaluate", "2026-11-27T10:00:00+08:00", intake_rating="satisfied",
        handling_rating="dissatisfied", method="callback", comment="问题没有解决")
    assert status(db, t) == "redo_deciding"
    act(db, user(db.session, "reviewer"), t, "redo_decision", "2026-11-30T09:00:00+08:00", reasonable=True,
        reason="问题仍未解决")
    t = db.session.get(Ticket, t.id)
    assert t.status == "handling" and t.redo_count == 1
    assert t.handling_due == at("2026-12-15T00:00:00+08:00")  # Mon 11-30 + 10 WD → Mon 12-14 24:00
    act(db, user(db.session, "handler"), t, "reply", "2026-12-01T09:00:00+08:00", **REPLY)
    act(db, user(db.session, "reviewer"), t, "review", "2026-12-01T10:00:00+08:00", decision="accept")
    act(db, user(db.session, "agent"), t, "evaluate", "2026-12-02T10:00:00+08:00", intake_rating="satisfied",
        handling_rating="very_dissatisfied", method="sms", comment="仍未解决")
    act(db, user(db.session, "reviewer"), t, "redo_decision", "2026-12-02T11:00:00+08:00", reasonable=True,
        reason="仍不满意")
    t = db.session.get(Ticket, t.id)
    assert t.status == "archived" and t.redo_count == 1
    assert queries.timeline(db.session, t.id)[-2]["detail"]["refused"] == "已重办过一次，不再重办"


def test_redo_refused_as_unreasonable(db):
    t = to_evaluation(db)
    act(db, user(db.session, "agent"), t, "evaluate", "2026-11-27T10:00:00+08:00", intake_rating="satisfied",
        handling_rating="dissatisfied", method="callback", comment="问题没有解决")
    act(db, user(db.session, "reviewer"), t, "redo_decision", "2026-11-27T11:00:00+08:00", reasonable=False,
        reason="诉求超出政策规定")
    t = db.session.get(Ticket, t.id)
    assert t.status == "archived" and t.redo_count == 0
    ev = db.session.scalar(select(Evaluation).where(Evaluation.ticket_id == t.id))
    assert ev.redo_reasonable is False and ev.redo_reason == "诉求超出政策规定"


def test_no_evaluation_within_three_working_days_is_recorded_as_not_evaluated(db):
    t = to_evaluation(db)  # evaluation opened Thu 2026-11-26 10:00 → due Tue 12-01 24:00
    assert jobs.overdue_evaluations(db.session, at("2026-12-01T23:59:00+08:00")) == []
    assert jobs.overdue_evaluations(db.session, at("2026-12-02T00:00:00+08:00")) == [t.id]
    with transaction(db.session):
        jobs.expire_evaluation(db.session, t.id, at("2026-12-02T00:00:00+08:00"))
    t = db.session.get(Ticket, t.id)
    assert t.status == "archived" and t.intake_rating == "none" and t.handling_rating == "none"


def test_county_office_dispatches_to_its_own_units(db):
    t, _ = new_ticket(db, scope="accept")
    yc = unit(db.session, "YC-OFFICE")
    act(db, user(db.session, "dispatcher"), t, "dispatch", "2026-11-25T11:00:00+08:00", via_county=yc.id)
    assert status(db, t) == "county_dispatching"
    county = user(db.session, "county_dispatcher")
    with pytest.raises(Invalid):  # a city department is not a member of the county office
        act(db, county, t, "county_dispatch", "2026-11-25T14:00:00+08:00", lead_unit=unit(db.session, "HY-ZJJ").id)
    act(db, county, t, "county_dispatch", "2026-11-25T14:00:00+08:00", lead_unit=unit(db.session, "YC-ZJJ").id)
    assert status(db, t) == "signing"
    act(db, user(db.session, "receiver3"), t, "sign", "2026-11-25T15:00:00+08:00", decision="sign")
    assert status(db, t) == "handling"


def test_other_unit_cannot_act_or_see(db):
    t, _ = full_happy_path(db)
    with pytest.raises(Forbidden):
        act(db, user(db.session, "receiver2"), t, "sign", "2026-11-25T15:00:00+08:00", decision="sign")
    with pytest.raises(NotFound):
        queries.get_visible_ticket(db.session, user(db.session, "receiver2"), t.id)
    assert queries.get_visible_ticket(db.session, user(db.session, "receiver"), t.id).id == t.id
    assert [x["ticket_id"] for x in queries.worklist(db.session, user(db.session, "receiver2"))] == []
    assert [x["ticket_id"] for x in queries.worklist(db.session, user(db.session, "receiver"))] == [t.id]


def test_completed_task_cannot_be_completed_again(db):
    t, _ = full_happy_path(db)
    act(db, user(db.session, "receiver"), t, "sign", "2026-11-25T15:00:00+08:00", decision="sign")
    with pytest.raises(Conflict):
        act(db, user(db.session, "receiver"), t, "sign", "2026-11-25T15:01:00+08:00", decision="sign")


def test_bad_registration_writes_nothing(db):
    before = db.session.scalar(select(func.count()).select_from(Ticket))
    with pytest.raises(Invalid) as err:
        new_ticket(db, citizen_phone="abc", content="", ticket_type="gossip")
    assert {"citizen_phone", "content", "ticket_type"} <= set(err.value.fields)
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == before


def test_unit_role_cannot_register(db):
    with pytest.raises(Forbidden):
        with transaction(db.session):
            register(db.session, unit_actor(db.session, Role.HANDLER, "HY-ZJJ"), CITIZEN,
                     at("2026-11-25T10:00:00+08:00"))
