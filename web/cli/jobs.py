"""`run-jobs`, `scheduler`: the clock jobs once by hand, or the scheduler process (one leader per deployment)."""
from __future__ import annotations

import logging
import signal
import sys
import threading
import time
from datetime import UTC, datetime
from typing import Any

import click
from flask import Flask, current_app
from sqlalchemy import text

from engine.domain.calendar import TZ

from ..extensions import db

EXIT_NOT_LEADER = 3  # run-jobs: another process leads, nothing was run
STEPS = ("时限监控（预警、黄牌、红牌的短信和语音提醒）、视同接受（1个工作日未退回即不能再退回，仍待签收）、"
         "逾期未评价（3个工作日）、督办（红牌、重复反映、督办超期）、责任追究线索、知识库纠错时限，最后发送待发的短信和语音")


def stamp(now: datetime | None = None) -> str:
    """``2026-12-06 23:40:05 +08:00``: Beijing time, with the zone, as the pages show times."""
    return (now or datetime.now(UTC)).astimezone(TZ).strftime("%Y-%m-%d %H:%M:%S") + " +08:00"


def summary(done: dict[str, Any]) -> str:
    """One line of what a pass did, in the office's words."""
    def n(key: str) -> int:
        value = done.get(key) or 0
        return len(value) if isinstance(value, (list, tuple, set)) else int(value)
    return (f"预警 {n('warning')} 次、黄牌 {n('yellow')} 次、红牌 {n('red')} 次（检查工单 {n('tickets')} 件）；"
            f"退回期限届满视同接受 {n('deemed')} 件（仍待签收），逾期未评价 {n('unevaluated')} 件；"
            f"红牌督办 {n('red_cards')} 件，重复反映督办 {n('repeated')} 件，督办超期 {n('overdue_supervisions')} 件，"
            f"责任追究线索 {n('accountability')} 条，知识库纠错 {n('knowledge_flags')} 项；"
            f"短信语音发出 {n('sent')} 条，待重试 {n('retry')} 条，发送失败 {n('failed')} 条")


def lock_kind() -> str:
    if db.engine.dialect.name == "postgresql":
        return "PostgreSQL 咨询锁（持锁进程退出或断开时立即释放）"
    from ..clocks.scheduler import setting

    seconds = setting(current_app.config, "SCHEDULER_LEASE_SECONDS")
    return f"数据库中的租约（每轮续期；主进程停止后 {seconds} 秒内由其他进程接替）"


def database_name() -> str:
    return db.engine.url.render_as_string(hide_password=True).split("@")[-1]


class Reporter:
    """Print who leads and what each pass did; quiet while nothing changes (called from the scheduler's thread)."""

    def __init__(self, interval: int, engine) -> None:
        self.interval, self.engine, self.leading = interval, engine, None
        self._lock = threading.Lock()

    def __call__(self, done: dict[str, Any] | None) -> None:
        from ..clocks.leadership import current_leader

        leading = done is not None
        with self._lock:
            changed, self.leading = leading != self.leading, leading
        if not leading:
            if changed:
                try:
                    who = current_leader(self.engine)
                except Exception:  # noqa: BLE001 - the name is only for the operator's eyes
                    who = None
                click.echo(f"[{stamp()}] 本进程待命：主进程是 {who or '另一个进程'}；每 {self.interval} 秒检查一次，"
                           "主进程停止后接替")
            return
        if changed:
            click.echo(f"[{stamp()}] 本进程成为主进程，开始运行定时任务")
        if changed or any(v for k, v in done.items() if k not in ("leader", "tickets")):
            click.echo(f"[{stamp()}] 本轮：{summary(done)}")


def register_jobs_cli(app: Flask) -> None:
    @app.cli.command("run-jobs")
    def run_jobs_cmd():
        """Run the clock jobs once as the leader only (return windows closing as 视同接受, 未评价) and print what they
        did; exit 3 when another process leads."""
        from ..clocks.leadership import current_leader
        from ..clocks.scheduler import run_clock_jobs

        done = run_clock_jobs(current_app)
        if not done.get("leader"):
            who = current_leader(db.engine)
            click.echo(f"没有运行：定时任务正由另一个进程（{who or '另一个定时任务进程'}）运行，"
                       "它每轮会自动完成这些任务，无需手工运行", err=True)
            raise SystemExit(EXIT_NOT_LEADER)
        click.echo(f"已运行一轮定时任务（{stamp()}）：{summary(done)}")

    @app.cli.command("scheduler")
    def scheduler_cmd():
        """Run the scheduler in the foreground: one leader per deployment runs the clock jobs, the others wait."""
        from ..clocks.scheduler import holder_name, start_scheduler

        with db.engine.connect() as conn:  # refuse at once, not every minute, when the database cannot be reached
            conn.execute(text("SELECT 1"))
        interval = int(current_app.config["SCHEDULER_INTERVAL_SECONDS"])
        click.echo(f"[{stamp()}] 定时任务进程启动：{holder_name().split(' ', 1)[1]}，数据库 {database_name()}，"
                   f"每 {interval} 秒一轮")
        click.echo(f"每轮依次运行：{STEPS}")
        click.echo(f"同一时间只有一个进程运行这些任务，由{lock_kind()}决定；其余进程待命")
        if not logging.getLogger().handlers:  # English logs (lock changes, skipped tickets) go to stderr
            logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        # systemd stops services with SIGTERM: leave through atexit, which hands the lock or the lease back.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        start_scheduler(current_app, on_tick=Reporter(interval, db.engine))
        try:
            while True:
                time.sleep(3600)
        finally:
            click.echo(f"[{stamp()}] 定时任务进程停止，主进程锁已交还")
