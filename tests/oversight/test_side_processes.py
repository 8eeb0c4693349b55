"""Issue 4: extension, supervision, joint review, returns and redo adjudication, accountability."""
from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from engine.common.actors import Actor
from engine.common.db import transaction
from engine.common.errors import Forbidden, Invalid
from engine.models import (
    AccountabilityCase,
    Assignment,
    Evaluation,
    ExtensionRequest,
    JointReview,
    Outbox,
    Supervision,
    Ticket,
)
from engine.oversight import accountability as acc
from engine.oversight import supervision
from engine.tickets import queries
from engine.tickets.lifecycle import complete_task, register
from tests.support.helpers import CITIZEN, REPLY, unit, user


def at(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


def go(db, who, t, task, when, **data):
    actor = who if isinstance(who, Actor) else user(db.session, who)
    with transaction(db.session):
        return complete_task(db.session, actor, t.id, task, data, at(when))


def handling(db, when="2026-11-25T10:00:00+08:00", ticket_type="complaint"):
    with transaction(db.session):
        t, _, _ = register(db.session, user(db.session, "agent"),
                           {**CITIZEN, "ticket_type": ticket_type, "scope": "accept"}, at(when))
    go(db, "dispatcher", t, "dispatch", when, lead_unit=unit(db.session, "HY-ZJJ").id)
    go(db, "receiver", t, "sign", when, decision="sign")
    return t


def fresh(db, t) -> Ticket:
    db.session.expire_all()
    return db.session.get(Ticket, t.id)


# -- extension ---------------------------------------------------------------------------------------------------

def test_extension_approved_moves_the_deadline_and_tells_the_citizen(db):
    t = handling(db)  # help: 3 WD → due Mon 11-30 24:00; the cap is 2 more WD
    t = handling(db, ticket_type="help")
    assert fresh(db, t).handling_due == at("2026-12-01T00:00:00+08:00")
    with pytest.raises(Invalid) as err:
        go(db, "handler", t, "reply", "2026-11-26T09:00:00+08:00", action="extension", days=3, reason="需现场核查")
    assert err.value.fields["days"] == "延期天数须为1至2个工作日"
    go(db, "handler", t, "reply", "2026-11-26T09:00:00+08:00", action="extension", days=2, reason="需联合现场核查")
    assert fresh(db, t).status == "handling"
    assert [x["task"] for x in queries.worklist(db.session, user(db.session, "reviewer"))] == ["extension_review"]
    go(db, "reviewer", t, "extension_review", "2026-11-26T15:00:00+08:00", decision="approve")
    t = fresh(db, t)
    assert t.handling_due == at("2026-12-03T00:00:00+08:00")  # + 2 WD: Wed 12-02 24:00
    req = db.session.scalar(select(ExtensionRequest).where(ExtensionRequest.ticket_id == t.id))
    assert req.decision == "approve" and req.due_after == t.handling_due
    sms = db.session.scalar(select(Outbox).where(Outbox.ticket_id == t.id, Outbox.recipient == t.citizen_phone))
    assert "2026年12月02日" in sms.text and t.number in sms.text
    # the reply task is back with the unit, due at the new deadline
    task = queries.worklist(db.session, user(db.session, "handler"))[0]
    assert task["task"] == "reply" and task["due_at"] == "2026-12-03T00:00:00+08:00"
    with pytest.raises(Invalid) as err:
        go(db, "handler", t, "reply", "2026-11-27T09:00:00+08:00", action="extension", days=1, reason="再延")
    assert err.value.message_zh == "每件工单只能申请一次延期"


def test_extension_denied_with_reason_and_handling_continues(db):
    t = handling(db)
    go(db, "handler", t, "reply", "2026-11-26T09:00:00+08:00", action="extension", days=3, reason="材料未齐")
    with pytest.raises(Invalid):
        go(db, "reviewer", t, "extension_review", "2026-11-26T10:00:00+08:00", decision="deny")
    go(db, "reviewer", t, "extension_review", "2026-11-26T10:00:00+08:00", decision="deny", reason="理由不充分")
    t = fresh(db, t)
    assert t.handling_due == at("2026-12-10T00:00:00+08:00")  # unchanged
    go(db, "handler", t, "reply", "2026-11-27T09:00:00+08:00", **REPLY)
    assert fresh(db, t).status == "reviewing"


def test_extension_refused_after_the_deadline_and_on_a_redo(db):
    t = handling(db)
    with pytest.raises(Invalid) as err:
        go(db, "handler", t, "reply", "2026-12-10T00:00:00+08:00", action="extension", days=1, reason="x")
    assert err.value.message_zh == "办理时限已届满，不能再申请延期"
    go(db, "handler", t, "reply", "2026-11-27T09:00:00+08:00", **REPLY)
    go(db, "reviewer", t, "review", "2026-11-27T10:00:00+08:00", decision="accept")
    go(db, "agent", t, "evaluate", "2026-11-27T11:00:00+08:00", intake_rating="basic",
       handling_rating="dissatisfied", method="callback", comment="问题仍未解决")
    go(db, "reviewer", t, "redo_decision", "2026-11-27T12:00:00+08:00", kind="reasonable", reason="未解决")
    with pytest.raises(Invalid) as err:
        go(db, "handler", t, "reply", "2026-11-28T09:00:00+08:00", action="extension", days=1, reason="x")
    assert err.value.message_zh == "重办工单不得申请延期"


# -- supervision -------------------------------------------------------------------------------------------------

def open_sup(db, t, reason="supervisor", when="2026-11-26T09:00:00+08:00", who="supervisor", **kw):
    with transaction(db.session):
        return supervision.open_supervision(db.session, user(db.session, who), t.id, reason, at(when), **kw)


def test_leader_instruction_needs_text_and_author(db):
    t = handling(db)
    with pytest.raises(Invalid) as err:
        open_sup(db, t, "leader_instruction")
    assert set(err.value.fields) == {"instruction", "instructed_by"}
    sup = open_sup(db, t, "leader_instruction", instruction="请住建局三日内解决并报结果", instructed_by="王副市长")
    assert sup.due_at == at("2026-12-01T00:00:00+08:00")  # Thu 09:00 + 2 WD (Fri, Mon) → Mon 24:00
    sms = db.session.scalar(select(Outbox).where(Outbox.dedupe_key == f"supervision-open:{sup.id}"))
    assert sms.recipient == unit(db.session, "HY-ZJJ").leader_phone


def test_supervision_answered_by_the_unit_leader_and_checked_twice(db):
    t = handling(db)
    sup = open_sup(db, t)
    assert [x["task"] for x in queries.worklist(db.session, user(db.session, "unit_leader"))] == ["sup_reply"]
    with pytest.raises(Forbidden):
        go(db, "handler", t, "sup_reply", "2026-11-26T10:00:00+08:00", reply_text="x", written_explanation="y")
    with pytest.raises(Invalid):
        go(db, "unit_leader", t, "sup_reply", "2026-11-26T10:00:00+08:00", reply_text="已处理")
    go(db, "unit_leader", t, "sup_reply", "2026-11-26T10:00:00+08:00", reply_text="已处理",
       written_explanation="逾期原因：现场核查需协调多个部门。")
    go(db, "supervisor", t, "sup_check", "2026-11-26T11:00:00+08:00", decision="back", reason="书面说明过于简略")
    go(db, "unit_leader", t, "sup_reply", "2026-11-26T15:00:00+08:00", reply_text="已约谈施工单位",
       written_explanation="已于11月26日现场执法，责令停工。")
    go(db, "supervisor", t, "sup_check", "2026-11-26T16:00:00+08:00", decision="accept")
    db.session.expire_all()
    sup = db.session.get(Supervision, sup.id)
    assert sup.status == "closed" and "责令停工" in sup.written_explanation
    # the 督办通知单 went out at opening; each 书面说明 is printed and kept as a numbered document
    from engine.models import IssuedDocument
    notice = db.session.get(IssuedDocument, sup.notice_document_id)
    explanation = db.session.get(IssuedDocument, sup.explanation_document_id)
    assert notice.kind == "supervision_notice" and notice.number.startswith("河热线督〔2026〕")
    assert explanation.kind == "written_explanation" and explanation.pdf[:4] == b"%PDF"
    assert fresh(db, t).status == "handling"  # supervision does not move the ticket itself
    # a ticket can be supervised again
    second = open_sup(db, t, when="2026-11-27T09:00:00+08:00")
    assert second.id != sup.id and second.status == "open"
    actions = [e["action"] for e in queries.timeline(db.session, t.id)]
    assert actions.count("supervision_open") == 2 and actions.count("supervision_check") == 2


def test_only_supervisors_open_supervision_and_not_on_closed_tickets(db):
    t = handling(db)
    with pytest.raises(Forbidden):
        open_sup(db, t, who="handler")
    with transaction(db.session):
        refused, _, _ = register(db.session, user(db.session, "agent"), {**CITIZEN, "scope": "refuse",
                                 "refusal_code": 9, "refusal_explanation": "无实质诉求"}, at("2026-11-25T10:00:00+08:00"))
    with pytest.raises(Invalid):
        open_sup(db, refused)


def test_overdue_supervision_is_flagged_and_notified_once(db):
    t = handling(db)
    sup = open_sup(db, t)
    with transaction(db.session):
        assert supervision.flag_overdue(db.session, at("2026-11-30T23:59:00+08:00")) == 0
        assert supervision.flag_overdue(db.session, at("2026-12-01T00:00:00+08:00")) == 1
        assert supervision.flag_overdue(db.session, at("2026-12-02T00:00:00+08:00")) == 0
    assert db.session.scalar(select(Outbox).where(Outbox.dedupe_key == f"supervision-overdue:{sup.id}"))
    with transaction(db.session):
        assert acc.detect_candidates(db.session, at("2026-12-02T00:00:00+08:00")) >= 1
    case = db.session.scalar(select(AccountabilityCase).where(AccountabilityCase.situation == 6))
    assert case.unit_id == unit(db.session, "HY-ZJJ").id and "逾期未答复" in case.facts[0]


def test_red_card_request_becomes_a_supervision(db):
    from engine.models import SupervisionRequest

    t = handling(db)
    with transaction(db.session):
        db.session.add(SupervisionRequest(ticket_id=t.id, reason="red_card", stage="handling",
                                          unit_id=t.lead_unit_id, threshold_at=at("2026-12-11T00:00:00+08:00"),
                                          opened_at=at("2026-12-11T00:01:00+08:00"), status="open"))
    with transaction(db.session):
        assert supervision.take_red_cards(db.session, at("2026-12-11T00:02:00+08:00")) == 1
        assert supervision.take_red_cards(db.session, at("2026-12-11T00:03:00+08:00")) == 0
    sup = db.session.scalar(select(Supervision).where(Supervision.ticket_id == t.id))
    assert sup.reason == "red_card"


def test_repeated_reports_open_supervision_once(db):
    tickets = [handling(db, when=f"2026-11-{d}T10:00:00+08:00") for d in (20, 23, 25)]
    with transaction(db.session):
        assert supervision.supervise_repeated(db.session, at("2026-11-26T10:00:00+08:00"),
                                              supervision.RepeatRule(3, 30)) == 1
        assert supervision.supervise_repeated(db.session, at("2026-11-26T11:00:00+08:00"),
                                              supervision.RepeatRule(3, 30)) == 0
    sup = db.session.scalar(select(Supervision).where(Supervision.reason == "repeated"))
    assert sup.ticket_id == tickets[-1].id


# -- joint review ------------------------------------------------------------------------------------------------

def test_dispatcher_opens_joint_review_that_consults_and_settles(db):
    with transaction(db.session):
        t, _, _ = register(db.session, user(db.session, "agent"), {**CITIZEN, "scope": "accept"},
                           at("2026-11-25T10:00:00+08:00"))
    when = "2026-11-25T11:00:00+08:00"
    with pytest.raises(Invalid):
        go(db, "dispatcher", t, "dispatch", when, action="joint_review")
    go(db, "dispatcher", t, "dispatch", when, action="joint_review", reason="住建与城管职责交叉")
    assert fresh(db, t).status == "joint_review"
    zjj, rsj = unit(db.session, "HY-ZJJ"), unit(db.session, "HY-RSJ")
    go(db, "reviewer", t, "jr_meeting", when, participants="住建局、人社局", meeting_date="2026-11-26",
       minutes="会商认为属施工噪声", consult_units=[zjj.id, rsj.id])
    go(db, "receiver", t, "jr_consult", when, consult_opinion="建筑施工噪声由住建部门负责")
    go(db, "receiver2", t, "jr_consult", when, consult_opinion="不涉及劳动保障")
    go(db, "reviewer", t, "jr_decide", when, outcome="settled", lead_unit=zjj.id, decision_text="由住建局主办")
    t = fresh(db, t)
    assert t.status == "signing" and t.lead_unit_id == zjj.id  # straight to the decided unit, no second dispatch
    jr = db.session.scalar(select(JointReview).where(JointReview.ticket_id == t.id))
    assert jr.trigger == "dispatcher" and jr.outcome == "settled" and jr.lead_unit_id == zjj.id
    assert jr.reason == "住建与城管职责交叉"
    go(db, "receiver", t, "sign", when, decision="sign")
    assert fresh(db, t).status == "handling"
    assert [o["unit"] for o in jr.opinions] == [zjj.name, rsj.name] and jr.consult_due is not None


def test_second_return_goes_to_joint_review_ending_at_the_city_government(db):
    t = handling(db)  # signed; reset to a fresh ticket that gets returned twice
    with transaction(db.session):
        t, _, _ = register(db.session, user(db.session, "agent"), {**CITIZEN, "scope": "accept"},
                           at("2026-11-25T10:00:00+08:00"))
    when = "2026-11-25T11:00:00+08:00"
    zjj, rsj = unit(db.session, "HY-ZJJ"), unit(db.session, "HY-RSJ")
    ret = {"decision": "return", "return_reason": "非本单位职责", "return_basis": "三定方案"}
    go(db, "dispatcher", t, "dispatch", when, lead_unit=zjj.id)
    go(db, "receiver", t, "sign", when, **ret)
    go(db, "dispatcher", t, "dispatch", when, lead_unit=rsj.id)
    go(db, "receiver2", t, "sign", when, **ret)
    assert fresh(db, t).status == "joint_review"
    go(db, "reviewer", t, "jr_meeting", when, participants="两局", meeting_date="2026-11-26", minutes="未达成一致")
    go(db, "reviewer", t, "jr_decide", when, outcome="escalate", decision_text="职责争议无法协商一致")
    go(db, "reviewer", t, "jr_proposal", when, proposal="建议由住建局主办、人社局协办")
    with pytest.raises(Forbidden):
        go(db, "reviewer", t, "jr_city_decision", when, city_decision="同意", lead_unit=zjj.id)
    go(db, "city_leader", t, "jr_city_decision", when, city_decision="同意拟办意见", lead_unit=zjj.id,
       co_units=[rsj.id])
    assert fresh(db, t).status == "signing"
    active = db.session.scalars(select(Assignment).where(Assignment.ticket_id == t.id, Assignment.active.is_(True)))
    assert sorted((a.unit_id, a.role) for a in active) == sorted([(zjj.id, "lead"), (rsj.id, "co")])
    jr = db.session.scalar(select(JointReview).where(JointReview.ticket_id == t.id))
    assert (jr.trigger, jr.outcome, jr.co_unit_ids) == ("second_return", "city", [rsj.id])
    counts = {r["unit"]: r["returns"] for r in queries.return_counts(db.session)}
    assert counts[zjj.name] >= 1 and counts[rsj.name] >= 1


# -- redo adjudication -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["unreasonable", "malicious"])
def test_unreasonable_or_malicious_rating_is_excluded_from_assessment(db, kind):
    t = handling(db)
    go(db, "handler", t, "reply", "2026-11-26T09:00:00+08:00", **REPLY)
    go(db, "reviewer", t, "review", "2026-11-26T10:00:00+08:00", decision="accept")
    go(db, "agent", t, "evaluate", "2026-11-26T11:00:00+08:00", intake_rating="basic",
       handling_rating="very_dissatisfied", method="callback", comment="没有处理")
    go(db, "reviewer", t, "redo_decision", "2026-11-26T12:00:00+08:00", kind=kind, reason="反复骚扰，诉求无依据")
    ev = db.session.scalar(select(Evaluation).where(Evaluation.ticket_id == t.id))
    assert ev.excluded_from_assessment and ev.exclusion_kind == kind and ev.redo_decided_by_id is not None
    assert fresh(db, t).status == "archived"


# -- accountability ----------------------------------------------------------------------------------------------

def test_accountability_candidates_are_reviewed_and_proposed(db):
    overdue = handling(db)  # no reply by the deadline → (3)
    redo = handling(db)
    go(db, "handler", redo, "reply", "2026-11-26T09:00:00+08:00", **{**REPLY, "citizen_informed": False})
    go(db, "reviewer", redo, "review", "2026-11-26T10:00:00+08:00", decision="accept")
    go(db, "agent", redo, "evaluate", "2026-11-26T11:00:00+08:00", intake_rating="basic",
       handling_rating="dissatisfied", method="callback", comment="问题仍未解决")
    go(db, "reviewer", redo, "redo_decision", "2026-11-26T12:00:00+08:00", kind="reasonable", reason="问题仍存在")
    now = at("2026-12-11T09:00:00+08:00")
    with transaction(db.session):
        made = acc.detect_candidates(db.session, now)
    with transaction(db.session):
        assert acc.detect_candidates(db.session, now) == 0  # idempotent
    cases = {(c.situation, tuple(c.ticket_ids)) for c in db.session.scalars(select(AccountabilityCase))}
    assert (3, (overdue.id,)) in cases and (2, (redo.id,)) in cases and (4, (redo.id,)) in cases and made >= 3
    case2 = db.session.scalar(select(AccountabilityCase).where(AccountabilityCase.situation == 2))
    sup = user(db.session, "supervisor")
    with pytest.raises(Forbidden):
        with transaction(db.session):
            acc.review_case(db.session, user(db.session, "handler"), case2.id, True, now)
    with pytest.raises(Invalid):
        with transaction(db.session):
            acc.review_case(db.session, sup, case2.id, False, now)
    case3 = db.session.scalar(select(AccountabilityCase).where(AccountabilityCase.situation == 3))
    with transaction(db.session):
        acc.review_case(db.session, sup, case3.id, False, now, reason="逾期系节假日调休导致，已说明")
        acc.review_case(db.session, sup, case2.id, True, now, extra_facts=["经核实办理结果与事实不符"])
    with transaction(db.session):
        case, doc = acc.propose(db.session, sup, case2.id, "市纪委监委", "建议约谈该局分管领导", now)
    assert case.status == "proposed" and doc.number.startswith("河热线责〔2026〕")
    with transaction(db.session):
        acc.record_outcome(db.session, sup, case2.id, "已约谈并通报批评", now)
    with transaction(db.session):
        manual = acc.add_case(db.session, sup, 8, unit(db.session, "HY-ZJJ").id, ["泄露诉求人电话"], now)
    assert manual.detected_by == "supervisor" and manual.status == "candidate"


def test_same_matter_reported_three_times_unresolved_is_a_candidate(db):
    tickets = [handling(db, when=f"2026-11-{d}T10:00:00+08:00") for d in (16, 18, 20)]
    with transaction(db.session):
        acc.detect_candidates(db.session, at("2026-11-26T10:00:00+08:00"), supervision.RepeatRule(3, 30))
    case = db.session.scalar(select(AccountabilityCase).where(AccountabilityCase.situation == 7))
    assert case.ticket_ids == [t.id for t in tickets] and "3次" in case.facts[0]
    assert case.unit_id == unit(db.session, "HY-ZJJ").id


def test_knowledge_base_fix_missed_is_a_candidate(db):
    from engine.knowledge import flags as knowledge_flags
    from engine.models import KnowledgeEntry

    entry = db.session.scalar(select(KnowledgeEntry).limit(1))
    with transaction(db.session):
        f = knowledge_flags.flag(db.session, user(db.session, "reviewer"), kind="error", text="缴费标准已过时",
                                 now=at("2026-11-25T10:00:00+08:00"), entry_id=entry.id)
    assert f.due_at == at("2026-12-03T00:00:00+08:00")  # 5 WD: Thu … Wed 12-02 24:00
    with transaction(db.session):
        acc.detect_candidates(db.session, at("2026-12-02T23:00:00+08:00"))
    assert db.session.scalar(select(AccountabilityCase).where(AccountabilityCase.situation == 9)) is None
    with transaction(db.session):
        acc.detect_candidates(db.session, at("2026-12-05T09:00:00+08:00"))
    case = db.session.scalar(select(AccountabilityCase).where(AccountabilityCase.situation == 9))
    assert case.unit_id == entry.unit_id and "缴费标准已过时" in case.facts[0] and "仍未修正" in case.facts[1]
