"""The monitor pass: catch-up after downtime (every threshold once, in order, with its lateness), idempotence,
the order of the scheduler's steps, and tickets that predate the monitor."""
from __future__ import annotations

from sqlalchemy import select, update

from engine.clocks.bulk import insert_many
from engine.clocks.monitor import MonitorSettings, backfill, monitor_pass
from engine.common.db import transaction
from engine.models import AuditLog, Outbox, Ticket, Unit, User
from engine.notices.outbox import DEFAULT_TEMPLATES, DevGateway, RetryPolicy, outbox_row
from web.clocks.scheduler import ClockRunner, LeaseLock

from .flow import at, crossings, fresh, iso8, notices, received, run_monitor, sign, supervision


def test_catch_up_after_downtime_fires_every_threshold_once_in_order(db):
    t = received(db, "consult", "2026-11-25T10:00:00+08:00")
    sign(db, t, "2026-11-25T11:00:00+08:00")
    # The scheduler was down from Wednesday until Tuesday 08:30: warning, yellow and red were all crossed.
    result = run_monitor(db, "2026-12-01T08:30:00+08:00")
    assert result.tickets == 1 and result.crossings == {"warning": 1, "yellow": 1, "red": 1}
    rows = db.session.scalars(select(AuditLog).where(AuditLog.ticket_id == t.id, AuditLog.action.like("monitor_%"))
                              .order_by(AuditLog.at, AuditLog.id)).all()
    assert [(r.action, r.detail["threshold_at"], r.detail["late_seconds"]) for r in rows] == [
        ("monitor_warning", "2026-11-27T00:00:00+08:00", (4 * 24 + 8) * 3600 + 1800),
        ("monitor_yellow", "2026-11-28T00:00:00+08:00", (3 * 24 + 8) * 3600 + 1800),
        ("monitor_red", "2026-12-01T00:00:00+08:00", 8 * 3600 + 1800),
    ]
    assert all(r.detail["fired_at"] == "2026-12-01T08:30:00+08:00" for r in rows)
    sent = notices(db, t)
    assert [n.template for n in sent].count("handling.warning") == 2  # receiver: voice and SMS
    assert [n.template for n in sent].count("handling.red") == 4  # receiver and leader, voice and SMS
    assert len(supervision(db, t)) == 1
    assert fresh(db, t).monitor_level == "red"

    # Running again, later or at the same instant, fires nothing twice.
    for when in ("2026-12-01T08:30:00+08:00", "2026-12-01T08:31:00+08:00", "2026-12-20T00:00:00+08:00"):
        assert run_monitor(db, when).tickets == 0
    assert len(crossings(db, t)) == 3 and len(notices(db, t)) == len(sent) and len(supervision(db, t)) == 1


def test_catch_up_orders_tickets_by_their_earliest_threshold(db):
    late = received(db, "complaint", "2026-11-25T10:00:00+08:00")
    early = received(db, "consult", "2026-11-25T10:00:00+08:00")
    sign(db, late, "2026-11-25T11:00:00+08:00")
    sign(db, early, "2026-11-25T11:00:00+08:00")
    run_monitor(db, "2026-12-09T12:00:00+08:00")
    rows = db.session.scalars(select(AuditLog).where(AuditLog.action.like("monitor_%"))
                              .order_by(AuditLog.id)).all()
    assert [(r.ticket_id, r.detail["level"]) for r in rows] == [
        (early.id, "warning"), (early.id, "yellow"), (early.id, "red"), (late.id, "warning")]


def test_many_due_tickets_are_processed_in_batches(db):
    tickets = [received(db, "consult", "2026-11-25T10:00:00+08:00") for _ in range(5)]
    result = run_monitor(db, "2026-11-27T00:00:00+08:00", MonitorSettings(batch_size=2))
    assert result.tickets == 5 and all(fresh(db, t).monitor_level == "warning" for t in tickets)


def test_a_unit_without_receivers_falls_back_to_its_desk_phone(db):
    t = received(db, "consult", "2026-11-25T10:00:00+08:00")
    unit_id = fresh(db, t).lead_unit_id
    with transaction(db.session):
        db.session.execute(update(User).where(User.unit_id == unit_id, User.role == "receiver").values(active=False))
    try:
        run_monitor(db, "2026-11-27T00:00:00+08:00")
        desk = db.session.get(Unit, unit_id).phone
        assert {(n.recipient, n.recipient_role) for n in notices(db, t)} == {(desk, "receiver")}
    finally:
        with transaction(db.session):
            db.session.execute(update(User).where(User.unit_id == unit_id).values(active=True))


def test_channels_and_templates_come_from_settings(db):
    t = received(db, "consult", "2026-11-25T10:00:00+08:00")
    templates = {**DEFAULT_TEMPLATES, "acceptance.warning": "请签收{number}（{days}个工作日）",
                 "voice.acceptance.warning": "您好，工单{number}尚未签收"}
    settings = MonitorSettings(channels={"warning": ("voice",), "yellow": ("sms",), "red": ()}, templates=templates)
    run_monitor(db, "2026-11-27T00:00:00+08:00", settings)
    [voice] = [n for n in notices(db, t) if n.kind == "voice"] or [None]
    assert voice is not None and voice.text == f"您好，工单{t.number}尚未签收"
    assert {n.kind for n in notices(db, t)} == {"voice"}


def test_tickets_from_before_the_monitor_are_backfilled_and_caught_up(db):
    t = received(db, "consult", "2026-11-25T10:00:00+08:00")
    sign(db, t, "2026-11-25T11:00:00+08:00")
    with transaction(db.session):  # as a ticket migrated from before issue 3 looks
        db.session.execute(update(Ticket).where(Ticket.id == t.id).values(
            handling_warning_at=None, handling_yellow_at=None, handling_red_at=None, accept_warning_at=None,
            accept_yellow_at=None, accept_red_at=None, next_threshold_at=None, monitor_stage=None))
    assert run_monitor(db, "2026-11-28T08:00:00+08:00").tickets == 0
    with transaction(db.session):
        assert backfill(db.session, at("2026-11-28T08:00:00+08:00")) == 1
    t = fresh(db, t)
    assert (t.monitor_stage, iso8(t.handling_red_at)) == ("handling", "2026-12-01T00:00:00+08:00")
    run_monitor(db, "2026-11-28T08:00:00+08:00")
    assert [c[0] for c in crossings(db, t)] == ["monitor_warning", "monitor_yellow"]


def runner(db, when: str, gateway: DevGateway) -> ClockRunner:
    return ClockRunner(db.engine, clock=lambda: at(when), settings=MonitorSettings(),
                       gateways={"sms": gateway, "voice": gateway}, policy=RetryPolicy(),
                       lock=LeaseLock(db.engine, holder="test"))


def test_one_tick_warns_the_unsigned_unit_and_closes_its_return_window_without_signing(db):
    """At the end of the 1-WD return window the ticket is still unsigned: the acceptance warning goes out and the
    ticket is deemed accepted (no return any more), but it stays 待签收 on the acceptance clock. (Before issue 15
    deemed acceptance signed for the unit and started the handling clock in the same tick, so the acceptance 黄牌
    and 红牌 could never fire.)"""
    t = received(db, "consult", "2026-11-25T10:00:00+08:00")
    gateway = DevGateway()
    done = runner(db, "2026-11-27T00:05:00+08:00", gateway).tick()
    db.session.expire_all()
    assert done["deemed"] == 1 and done["warning"] == 1 and done["sent"] == done["notices"] == len(gateway.sent) == 2
    assert [c[:2] for c in crossings(db, t)] == [("monitor_warning", "acceptance")]
    t = fresh(db, t)
    assert (t.status, t.monitor_stage, t.monitor_level) == ("signing", "acceptance", "warning")
    assert t.next_threshold_at == t.accept_yellow_at
    assert all(n.status == "sent" and n.delivered_by == "dev" for n in notices(db, t))
    again = runner(db, "2026-11-27T00:06:00+08:00", gateway).tick()
    assert again["notices"] == again["sent"] == again["deemed"] == 0


def test_the_scheduler_commits_the_pass_batch_by_batch(db):
    tickets = [received(db, "consult", "2026-11-25T10:00:00+08:00") for _ in range(5)]
    with transaction(db.session):
        first = monitor_pass(db.session, at("2026-11-27T00:00:00+08:00"), MonitorSettings(batch_size=2),
                             max_batches=1)
    assert (first.tickets, first.more) == (2, True)
    gateway = DevGateway()
    run = ClockRunner(db.engine, clock=lambda: at("2026-11-27T00:00:00+08:00"),
                      settings=MonitorSettings(batch_size=2), gateways={"sms": gateway, "voice": gateway},
                      policy=RetryPolicy(), lock=LeaseLock(db.engine, holder="test"))
    done = run.tick()
    run.close()
    db.session.expire_all()
    # The 3 left by the first pass; deemed acceptance leaves all 5 on the acceptance clock (no second pass).
    assert (done["tickets"], done["deemed"], done["warning"]) == (3, 5, 3)
    assert all((fresh(db, t).status, fresh(db, t).monitor_stage, fresh(db, t).monitor_level)
               == ("signing", "acceptance", "warning") for t in tickets)


def test_bulk_rows_keep_tabs_newlines_backslashes_and_shared_values_exactly(db):
    """The monitor's COPY text is built by hand: what needs escaping comes back as written, a value object shared by
    two rows is written into each, and a value written differently per column (JSON and text) stays apart."""
    now = at("2026-11-27T00:00:00+08:00")
    params = {"number": "A\tB", "unit": "住建局\\办公室", "quote": "\"引\"", "nothing": None}
    odd = "第一行\n第二行\r\n\t缩进 \\N 反斜杠\\"
    rows = [outbox_row(kind=kind, recipient="13800000000", template="x", text=odd if kind == "sms" else "\\",
                       dedupe_key=f"copy-test:{kind}", now=now, recipient_name=None) for kind in ("sms", "voice")]
    for row in rows:
        row["params"] = params
    rows[1]["recipient_role"] = rows[1]["template"] = "x"  # the same str object in two text columns
    with transaction(db.session):
        insert_many(db.session, Outbox, rows)
    stored = {o.kind: o for o in db.session.scalars(select(Outbox).where(Outbox.dedupe_key.like("copy-test:%")))}
    assert stored["sms"].text == odd and stored["voice"].text == "\\"
    assert stored["sms"].params == stored["voice"].params == params
    assert stored["sms"].recipient_name is None and stored["voice"].recipient_role == "x"
    assert stored["sms"].next_attempt_at == now and stored["sms"].attempts == 0
