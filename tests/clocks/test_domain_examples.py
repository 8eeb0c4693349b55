"""Every time-limit example of DOMAIN.md §4, end to end through tickets: stored clocks, monitoring, notices."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.clocks.monitor import MonitorSettings, apply_extension
from engine.common.errors import Conflict, Invalid
from engine.models import Unit, User
from tests.support.helpers import user

from .flow import (
    act,
    at,
    crossings,
    dispatch,
    formed,
    fresh,
    iso8,
    notices,
    received,
    reply,
    run_monitor,
    sign,
    supervision,
)

WED = "2026-11-25T10:00:00+08:00"  # a Wednesday with no holiday for weeks


def clocks(t):
    return {"due": iso8(t.handling_due), "warning": iso8(t.handling_warning_at), "yellow": iso8(t.handling_yellow_at),
            "red": iso8(t.handling_red_at)}


def test_consult_received_wednesday_is_due_friday_warned_thursday_red_monday(db):
    """DOMAIN.md §4: received Wed 10:00 → a 咨询 is due Fri 24:00, warned at Thu 24:00, red at Mon 24:00."""
    t = received(db, "consult", WED)
    assert clocks(t) == {"due": "2026-11-28T00:00:00+08:00", "warning": "2026-11-27T00:00:00+08:00",
                         "yellow": "2026-11-28T00:00:00+08:00", "red": "2026-12-01T00:00:00+08:00"}
    sign(db, t, "2026-11-25T11:00:00+08:00")
    t = fresh(db, t)
    assert (t.monitor_stage, t.monitor_level, iso8(t.next_threshold_at)) == \
        ("handling", "normal", "2026-11-27T00:00:00+08:00")

    assert run_monitor(db, "2026-11-26T23:59:59+08:00").tickets == 0
    run_monitor(db, "2026-11-27T00:00:00+08:00")
    assert fresh(db, t).monitor_level == "warning"
    run_monitor(db, "2026-11-28T00:00:00+08:00")
    assert fresh(db, t).monitor_level == "yellow"
    run_monitor(db, "2026-11-30T23:59:00+08:00")
    assert fresh(db, t).monitor_level == "yellow"
    run_monitor(db, "2026-12-01T00:00:00+08:00")
    t = fresh(db, t)
    assert t.monitor_level == "red" and t.next_threshold_at is None
    assert crossings(db, t) == [("monitor_warning", "handling", "2026-11-27T00:00:00+08:00"),
                                ("monitor_yellow", "handling", "2026-11-28T00:00:00+08:00"),
                                ("monitor_red", "handling", "2026-12-01T00:00:00+08:00")]
    [request] = supervision(db, t)
    assert (request.reason, request.stage, iso8(request.threshold_at)) == \
        ("red_card", "handling", "2026-12-01T00:00:00+08:00")


def test_warning_goes_to_the_receiver_yellow_and_red_also_to_the_unit_leader(db):
    """Art. 17: warning → receiver by phone and SMS; yellow and red → receiver and 分管领导."""
    t = received(db, "consult", WED)
    sign(db, t, "2026-11-25T11:00:00+08:00")
    zjj = db.session.scalar(select(Unit).where(Unit.code == "HY-ZJJ"))
    receivers = {p for p, in db.session.execute(select(User.phone).where(User.unit_id == zjj.id,
                                                                         User.role == "receiver"))}
    run_monitor(db, "2026-11-27T00:00:00+08:00")
    warning = notices(db, t)
    assert {(n.kind, n.recipient, n.recipient_role) for n in warning} == \
        {(kind, phone, "receiver") for kind in ("sms", "voice") for phone in receivers}
    assert all(n.template == "handling.warning" and t.number in n.text and "2026-11-27 24:00" in n.text
               for n in warning)
    run_monitor(db, "2026-11-28T00:00:00+08:00")
    yellow = notices(db, t)[len(warning):]
    assert {(n.recipient, n.recipient_role) for n in yellow} == \
        {*((p, "receiver") for p in receivers), (zjj.leader_phone, "leader")}
    assert {n.kind for n in yellow} == {"sms", "voice"} and all("黄牌" in n.text for n in yellow)
    assert all(n.status == "pending" for n in notices(db, t))


def test_each_type_has_its_own_limit_and_thresholds(db):
    """The table of §4, one ticket per type received the same Wednesday (complaints etc. 10 WD, 求助 3)."""
    expected = {
        "help": ("2026-12-01", "2026-11-28", "2026-12-03", "2026-12-04"),
        "complaint": ("2026-12-10", "2026-12-09", "2026-12-10", "2026-12-11"),
        "suggestion": ("2026-12-10", "2026-12-09", "2026-12-10", "2026-12-11"),
        "report": ("2026-12-10", "2026-12-09", "2026-12-10", "2026-12-11"),
    }
    for ticket_type, days in expected.items():
        t = received(db, ticket_type, WED)
        assert clocks(t) == {k: f"{d}T00:00:00+08:00" for k, d in zip(("due", "warning", "yellow", "red"), days, strict=True)}, \
            ticket_type


def test_acceptance_clock_and_the_one_day_return_window(db):
    """签收: warning after 1 WD (= the Art. 10(1) return window), yellow after 2, red after 3; only while unsigned."""
    t = received(db, "complaint", WED)
    assert (iso8(t.accept_due), iso8(t.accept_warning_at), iso8(t.accept_yellow_at), iso8(t.accept_red_at)) == (
        "2026-11-27T00:00:00+08:00", "2026-11-27T00:00:00+08:00", "2026-11-28T00:00:00+08:00",
        "2026-12-01T00:00:00+08:00")
    assert (t.monitor_stage, iso8(t.next_threshold_at)) == ("acceptance", "2026-11-27T00:00:00+08:00")
    run_monitor(db, "2026-11-28T00:00:00+08:00")  # still unsigned at Fri 24:00: warning and yellow
    assert [c[:2] for c in crossings(db, t)] == [("monitor_warning", "acceptance"), ("monitor_yellow", "acceptance")]
    sign(db, t, "2026-11-28T09:00:00+08:00")  # signing stops the acceptance clock; handling's runs
    t = fresh(db, t)
    assert (t.monitor_stage, t.monitor_level, iso8(t.next_threshold_at)) == \
        ("handling", "normal", "2026-12-09T00:00:00+08:00")
    run_monitor(db, "2026-12-02T00:00:00+08:00")  # the acceptance red would have been Mon 24:00
    assert len(crossings(db, t)) == 2 and supervision(db, t) == []


def test_the_handling_clock_stops_when_the_office_accepts_the_reply(db):
    t = received(db, "consult", WED)
    sign(db, t, "2026-11-25T11:00:00+08:00")
    reply(db, t, "2026-11-26T09:00:00+08:00")
    assert fresh(db, t).monitor_stage == "handling"  # 待审核 still runs the unit's clock
    run_monitor(db, "2026-11-27T00:00:00+08:00")
    act(db, "reviewer", t, "review", "2026-11-27T09:00:00+08:00", decision="back", reason="请补充政策依据")
    t = fresh(db, t)
    assert (t.status, t.monitor_stage, t.monitor_level) == ("handling", "handling", "warning")  # level kept
    reply(db, t, "2026-11-27T10:00:00+08:00")
    act(db, "reviewer", t, "review", "2026-11-27T11:00:00+08:00", decision="accept")
    t = fresh(db, t)
    assert (t.status, t.monitor_stage, t.next_threshold_at) == ("evaluating", None, None)
    run_monitor(db, "2026-12-10T00:00:00+08:00")
    assert [c[0] for c in crossings(db, t)] == ["monitor_warning"]


def test_help_extension_moves_due_and_thresholds_to_at_most_five_days(db):
    """求助 3 WD (at most 5): an approved extension of 2 WD; warning 1 WD before the new deadline, yellow at it,
    red 1 WD after."""
    t = received(db, "help", WED)
    sign(db, t, "2026-11-25T11:00:00+08:00")
    run_monitor(db, "2026-11-28T00:00:00+08:00")
    assert fresh(db, t).monitor_level == "warning"  # after 2 WD (Fri 24:00)
    t = fresh(db, t)
    with pytest.raises(Invalid):
        apply_extension(db.session, t, 3, _office(db), at("2026-11-30T09:00:00+08:00"))  # 3 + 3 > 5
    db.session.rollback()
    t = fresh(db, t)
    apply_extension(db.session, t, 2, _office(db), at("2026-11-30T09:00:00+08:00"))
    db.session.commit()
    t = fresh(db, t)
    assert clocks(t) == {"due": "2026-12-03T00:00:00+08:00", "warning": "2026-12-02T00:00:00+08:00",
                         "yellow": "2026-12-03T00:00:00+08:00", "red": "2026-12-04T00:00:00+08:00"}
    assert (t.monitor_level, iso8(t.next_threshold_at)) == ("normal", "2026-12-02T00:00:00+08:00")
    with pytest.raises(Conflict):
        apply_extension(db.session, t, 1, _office(db), at("2026-11-30T10:00:00+08:00"))  # once per ticket
    db.session.rollback()
    run_monitor(db, "2026-12-04T00:00:00+08:00")
    assert crossings(db, t)[1:] == [("monitor_warning", "handling", "2026-12-02T00:00:00+08:00"),
                                    ("monitor_yellow", "handling", "2026-12-03T00:00:00+08:00"),
                                    ("monitor_red", "handling", "2026-12-04T00:00:00+08:00")]


def test_extension_must_be_asked_before_the_deadline(db):
    t = received(db, "complaint", WED)
    sign(db, t, "2026-11-25T11:00:00+08:00")
    t = fresh(db, t)
    with pytest.raises(Invalid):
        apply_extension(db.session, t, 5, _office(db), at("2026-12-10T09:00:00+08:00"),
                        requested_at=at("2026-12-10T00:00:00+08:00"))
    db.session.rollback()
    t = fresh(db, t)
    apply_extension(db.session, t, 5, _office(db), at("2026-12-10T09:00:00+08:00"),
                    requested_at=at("2026-12-09T16:00:00+08:00"))
    db.session.commit()
    assert iso8(fresh(db, t).handling_due) == "2026-12-17T00:00:00+08:00"  # 10 + 5 WD


def test_redo_restarts_the_original_limit_from_the_redo_dispatch_without_extension(db):
    """Art. 15: the original type's limit again, counted from the redo dispatch; no extension."""
    t = received(db, "consult", WED)
    sign(db, t, "2026-11-25T11:00:00+08:00")
    reply(db, t, "2026-11-26T09:00:00+08:00")
    act(db, "reviewer", t, "review", "2026-11-26T10:00:00+08:00", decision="accept")
    act(db, "agent", t, "evaluate", "2026-11-26T15:00:00+08:00", intake_rating="satisfied",
        handling_rating="dissatisfied", method="callback", comment="问题没有解决")
    run_monitor(db, "2026-11-30T00:00:00+08:00")  # nothing runs while evaluating
    assert crossings(db, t) == []
    act(db, "reviewer", t, "redo_decision", "2026-11-30T09:00:00+08:00", reasonable=True, reason="问题仍未解决")
    t = fresh(db, t)
    assert t.redo_count == 1 and clocks(t) == {
        "due": "2026-12-03T00:00:00+08:00", "warning": "2026-12-02T00:00:00+08:00",
        "yellow": "2026-12-03T00:00:00+08:00", "red": "2026-12-04T00:00:00+08:00"}
    assert (t.monitor_stage, t.monitor_level) == ("handling", "normal")
    with pytest.raises(Invalid):
        apply_extension(db.session, t, 1, _office(db), at("2026-12-01T09:00:00+08:00"))
    db.session.rollback()
    run_monitor(db, "2026-12-02T00:00:00+08:00")
    assert crossings(db, t) == [("monitor_warning", "handling", "2026-12-02T00:00:00+08:00")]


def test_the_office_dispatch_clock_is_monitored_too(db):
    """Art. 9: dispatch within 1 WD of the ticket being formed; late dispatch gives a 黄牌 to the office."""
    t = formed(db, "complaint", WED)
    t = fresh(db, t)
    assert (iso8(t.dispatch_due), t.monitor_stage, iso8(t.next_threshold_at)) == \
        ("2026-11-27T00:00:00+08:00", "dispatch", "2026-11-27T00:00:00+08:00")
    run_monitor(db, "2026-11-27T00:00:00+08:00", MonitorSettings(office_phones=("0762-12345",)))
    assert crossings(db, t) == [("monitor_yellow", "dispatch", "2026-11-27T00:00:00+08:00")]
    assert {(n.recipient, n.recipient_role, n.template) for n in notices(db, t)} == \
        {("0762-12345", "office", "dispatch.yellow")}
    assert supervision(db, t) == []  # the office does not supervise itself
    dispatch(db, t, "2026-11-27T09:00:00+08:00")
    t = fresh(db, t)
    assert (t.monitor_stage, t.monitor_level) == ("acceptance", "normal")


def test_dispatch_delay_notifies_the_city_dispatchers_by_default(db):
    t = formed(db, "complaint", WED)
    run_monitor(db, "2026-11-27T00:00:00+08:00")
    dispatcher = db.session.scalar(select(User).where(User.username == "dispatcher"))
    assert dispatcher.phone in {n.recipient for n in notices(db, t)}


def test_after_a_return_the_redispatch_has_two_working_days(db):
    """Art. 9: 2 days when several units or unclear duties (a returned ticket)."""
    t = received(db, "complaint", WED)
    act(db, "receiver", t, "sign", "2026-11-26T09:00:00+08:00", decision="return", return_reason="不属于本单位职责",
        return_basis="《河源市住房和城乡建设局职能配置》")
    t = fresh(db, t)
    assert (t.status, iso8(t.dispatch_due), t.monitor_stage) == ("dispatching", "2026-12-01T00:00:00+08:00",
                                                                 "dispatch")


def _office(db):
    return user(db.session, "reviewer")
