"""`run-jobs` and `scheduler` say who runs the clock jobs and what happened; a second scheduler waits and takes over
when the leader stops."""
from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from web.clocks.scheduler import AdvisoryLock, LeaseLock

from ..clocks.flow import received
from ..conftest import PG

ROOT = Path(__file__).resolve().parents[2]
STAMP = r"\[2\d{3}-\d\d-\d\d \d\d:\d\d:\d\d \+08:00\]"


def test_run_jobs_while_another_process_leads_runs_nothing_and_says_so(app, db):
    other = AdvisoryLock(db.engine) if PG else LeaseLock(db.engine, holder="hotline-scheduler node2:4242:ab12cd34",
                                                          ttl=timedelta(minutes=5))
    assert other.acquire()
    t = received(db, "consult", "2026-11-25T10:00:00+08:00")
    app.config["CLOCK"].set("2026-11-27T00:01:00+08:00")  # the return window is over: deemed acceptance is due
    try:
        result = app.test_cli_runner().invoke(args=["run-jobs"])
    finally:
        other.release()
    assert result.exit_code == 3
    assert result.stdout == ""  # no counts, as if it had run
    assert result.stderr.startswith("没有运行：定时任务正由另一个进程（")
    if not PG:
        assert "hotline-scheduler node2:4242:ab12cd34" in result.stderr
    db.session.refresh(t)
    assert t.status == "signing"  # nothing ran

    result = app.test_cli_runner().invoke(args=["run-jobs"])
    assert result.exit_code == 0, result.output
    assert re.fullmatch(r"已运行一轮定时任务（2\S+ \S+ \+08:00）：预警 \d+ 次、黄牌 \d+ 次、红牌 \d+ 次.*"
                        r"视同接受 1 件（仍待签收），逾期未评价 0 件；.*短信语音发出 \d+ 条，待重试 0 条，发送失败 0 条\n",
                        result.stdout), result.stdout


class Process:
    """A `hotline scheduler` process whose output lines are read as they come."""

    def __init__(self, database_url: str):
        env = {**os.environ, "HOTLINE_DATABASE_URL": database_url, "HOTLINE_SCHEDULER_INTERVAL": "1",
               "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen([sys.executable, "-m", "web.cli.main", "scheduler"], cwd=ROOT, env=env,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, pattern: str, seconds: float = 30) -> str:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                continue
            self.seen.append(line)
            if re.search(pattern, line):
                return line
        pytest.fail(f"no line matching {pattern!r} within {seconds}s; saw {self.seen}")

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def test_two_schedulers_one_leads_the_other_waits_and_takes_over(app, db, database_url):
    first = Process(database_url)
    second = None
    try:
        first.wait_for(r"定时任务进程启动：\S+:\d+，数据库 .*，每 1 秒一轮")
        first.wait_for("每轮依次运行：时限监控")
        first.wait_for("同一时间只有一个进程运行这些任务，由" + ("PostgreSQL 咨询锁" if PG else "数据库中的租约"))
        first.wait_for(STAMP + " 本进程成为主进程，开始运行定时任务")
        first.wait_for(STAMP + " 本轮：预警 0 次")
        second = Process(database_url)
        waiting = second.wait_for(STAMP + " 本进程待命：主进程是 ")
        assert f"hotline-scheduler {os.uname().nodename}:{first.proc.pid}" in waiting

        result = app.test_cli_runner().invoke(args=["run-jobs"])
        assert result.exit_code == 3 and f":{first.proc.pid}" in result.stderr and result.stdout == ""

        first.stop()  # systemd's stop: SIGTERM; the lock or the lease is handed back on the way out
        first.wait_for("定时任务进程停止", seconds=5)
        second.wait_for(STAMP + " 本进程成为主进程，开始运行定时任务", seconds=15)
    finally:
        for p in (first, second):
            if p is not None:
                p.stop()
        db.session.execute(text("DELETE FROM job_lease"))
        db.session.commit()
