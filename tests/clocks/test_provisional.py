"""A deadline that reaches into 2027, whose holiday notice nobody has entered: counted with weekends only and marked
provisional, until the year is imported with `flask calendar import-year`, which recomputes it with an audit row."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from engine.clocks import calendar_admin
from engine.clocks.monitor import MonitorSettings
from engine.common.db import transaction
from engine.models import AuditLog, CalendarDay, CalendarYear, TaskProjection
from engine.notices.outbox import DevGateway, RetryPolicy
from web.clocks.scheduler import ClockRunner, LeaseLock

from .flow import fresh, iso8, received, sign

NOTICE_2027 = """# 2027年部分节假日安排（测试用，非正式通知）
日期,类型
2027-01-01,休
2027-02-06,休
2027-02-07,休
2027-02-08,休
2027-02-09,休
2027-02-10,休
2027-02-11,休
2027-02-12,休
2027-02-20,班
"""


def handling(t) -> tuple:
    return iso8(t.handling_due), iso8(t.handling_warning_at), iso8(t.handling_red_at), t.deadline_provisional


def test_unentered_year_is_provisional_until_imported_then_recomputed(app, db, clock, tmp_path):
    t = received(db, "complaint", "2026-12-24T10:00:00+08:00")
    sign(db, t, "2026-12-24T11:00:00+08:00")
    t = fresh(db, t)
    # Weekends only in 2027: Fri 2027-01-01 counts as day 6 of 10.
    assert handling(t) == ("2027-01-08T00:00:00+08:00", "2027-01-07T00:00:00+08:00", "2027-01-09T00:00:00+08:00",
                           True)
    count, listed = calendar_admin.provisional_tickets(db.session)
    assert count == 1 and listed[0]["id"] == t.id

    runner = app.test_cli_runner()
    shown = runner.invoke(args=["calendar", "show", "2027"])
    assert shown.exit_code == 0 and "2027年：未录入" in shown.stdout

    clock.set("2026-12-28T09:00:00+08:00")
    notice = tmp_path / "2027.csv"
    notice.write_text(NOTICE_2027, encoding="utf-8")
    result = runner.invoke(args=["calendar", "import-year", str(notice), "--year", "2027"])
    assert result.exit_code == 0, result.output
    assert "已录入2027年节假日安排：放假 8 天，调休上班 1 天" in result.stdout
    assert "时限变动并已重算 1 件" in result.stdout

    t = fresh(db, t)
    assert handling(t) == ("2027-01-09T00:00:00+08:00", "2027-01-08T00:00:00+08:00", "2027-01-12T00:00:00+08:00",
                           False)
    assert iso8(t.next_threshold_at) == "2027-01-08T00:00:00+08:00"
    reply_task = db.session.scalar(select(TaskProjection).where(TaskProjection.ticket_id == t.id,
                                                                TaskProjection.bpmn_id == "reply"))
    assert iso8(reply_task.due_at) == "2027-01-09T00:00:00+08:00"  # the worklist shows the new deadline
    [audit] = db.session.scalars(select(AuditLog).where(AuditLog.ticket_id == t.id,
                                                        AuditLog.action == "deadline_recomputed")).all()
    assert audit.detail["year"] == 2027 and audit.detail["provisional"] is False
    assert audit.detail["changes"]["handling_due"] == ["2027-01-08T00:00:00+08:00", "2027-01-09T00:00:00+08:00"]
    assert iso8(audit.at) == "2026-12-28T09:00:00+08:00"
    assert calendar_admin.provisional_tickets(db.session)[0] == 0
    assert db.session.get(CalendarYear, 2027) is not None

    shown = runner.invoke(args=["calendar", "show", "2027"])
    assert "2027年：已录入" in shown.stdout and "2027-01-01 周五 休" in shown.stdout
    assert "2027-02-20 周六 班" in shown.stdout

    # Entering the year again with a corrected notice replaces it and moves the deadline back.
    notice.write_text("2027-02-06 off\n2027-02-12 off\n", encoding="utf-8")
    result = runner.invoke(args=["calendar", "import-year", str(notice)])
    assert result.exit_code == 0 and "已更新2027年" in result.stdout
    t = fresh(db, t)
    assert handling(t)[0] == "2027-01-08T00:00:00+08:00" and not t.deadline_provisional
    assert len(db.session.scalars(select(AuditLog).where(AuditLog.ticket_id == t.id,
                                                         AuditLog.action == "deadline_recomputed")).all()) == 2


def test_a_bad_notice_changes_nothing(app, db, tmp_path):
    t = received(db, "complaint", "2026-12-24T10:00:00+08:00")
    notice = tmp_path / "bad.txt"
    notice.write_text("2027-01-01 休\n2027-13-01 休\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["calendar", "import-year", str(notice), "--year", "2027"])
    assert result.exit_code != 0 and result.stdout == ""
    assert "节假日文件有误：第2行：“2027-13-01”不是有效日期（应为 YYYY-MM-DD）" in result.stderr
    notice.write_text("2026-01-01 休\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["calendar", "import-year", str(notice), "--year", "2027"])
    assert result.exit_code != 0 and "节假日文件有误：第1行：2026-01-01 不在2027年内" in result.stderr
    assert "outside" not in result.stderr
    assert db.session.get(CalendarYear, 2027) is None and fresh(db, t).deadline_provisional


def test_acceptance_clock_alone_is_not_provisional_when_it_ends_in_2026(db):
    t = received(db, "consult", "2026-12-21T10:00:00+08:00")  # consult: due Wed 12-23 24:00, red Thu 24:00
    assert iso8(t.handling_due) == "2026-12-24T00:00:00+08:00" and not t.deadline_provisional


def test_the_scheduler_recomputes_deadlines_a_stale_worker_left_provisional(db):
    """A web worker whose calendar cache lagged the import started a clock with weekends only; once the entered
    years change, the scheduler's next ticks recompute what is still provisional."""
    t = received(db, "complaint", "2026-12-24T10:00:00+08:00")
    gateway = DevGateway()
    runner = ClockRunner(db.engine, clock=lambda: datetime.fromisoformat("2026-12-24T12:00:00+08:00"),
                         settings=MonitorSettings(), gateways={"sms": gateway, "voice": gateway},
                         policy=RetryPolicy(), lock=LeaseLock(db.engine, holder="test"))
    runner.tick()
    assert fresh(db, t).deadline_provisional
    with transaction(db.session):  # the year entered behind this ticket's back
        db.session.add(CalendarDay(day=date(2027, 1, 1), working=False, note="test"))
        db.session.add(CalendarYear(year=2027, source="test", entered_at=datetime.fromisoformat(
            "2026-12-24T11:00:00+08:00")))
    runner.tick()
    runner.close()
    t = fresh(db, t)
    assert iso8(t.handling_due) == "2027-01-09T00:00:00+08:00" and not t.deadline_provisional
    audit = db.session.scalar(select(AuditLog).where(AuditLog.ticket_id == t.id,
                                                     AuditLog.action == "deadline_recomputed"))
    assert audit.detail["reason"] == "calendar_entered"


def test_a_knowledge_base_flag_clock_into_2027_is_recomputed_when_the_year_is_entered(db):
    """The office's 5-WD fix clock is counted like a ticket's: provisional into an unentered year, recomputed (with
    an audit row) when the year's notice is entered."""
    from sqlalchemy import delete

    from engine.common.actors import Actor
    from engine.knowledge import flags as knowledge_flags
    from engine.models import KnowledgeFlag
    from tests.support.helpers import unit, user

    s = db.session
    try:
        with transaction(s):
            row = knowledge_flags.flag(s, user(s, "reviewer"), kind="gap", text="缺少2027年老旧小区改造计划",
                                       category="城乡建设/老旧小区改造", unit_id=unit(s, "HY-ZJJ").id,
                                       now=datetime.fromisoformat("2026-12-28T10:00:00+08:00"))
        # Weekends only in 2027: Fri 01-01 is the 4th working day.
        assert (iso8(row.warning_at), iso8(row.due_at), iso8(row.red_at), row.provisional) == (
            "2027-01-02T00:00:00+08:00", "2027-01-05T00:00:00+08:00", "2027-01-06T00:00:00+08:00", True)
        with transaction(s):
            result = calendar_admin.import_year(s, 2027, {date(2027, 1, 1): False}, "测试通知",
                                                Actor.system("test"), datetime.fromisoformat("2026-12-29T09:00:00+08:00"))
        assert result.flags_moved == [row.id]
        row = s.get(KnowledgeFlag, row.id)
        s.refresh(row)
        assert (iso8(row.warning_at), iso8(row.due_at), iso8(row.red_at), row.provisional) == (
            "2027-01-05T00:00:00+08:00", "2027-01-06T00:00:00+08:00", "2027-01-07T00:00:00+08:00", False)
        assert iso8(row.next_threshold_at) == "2027-01-05T00:00:00+08:00"
        audit = s.scalar(select(AuditLog).where(AuditLog.action == "kb_flag_recomputed"))
        assert audit.detail["flag_id"] == row.id and audit.detail["year"] == 2027
        assert audit.detail["changes"]["yellow_at"] == ["2027-01-05T00:00:00+08:00", "2027-01-06T00:00:00+08:00"]
    finally:
        with transaction(s):
            s.execute(delete(KnowledgeFlag))
            s.execute(delete(AuditLog).where(AuditLog.action.in_(("kb_flag", "kb_flag_recomputed"))))
