"""A real server for the crash, race and scheduler suites: gunicorn in its own process group on a free local
port, against the test database, with ways to ``kill -9`` its workers or the whole server and to wait until it
answers again. Only 127.0.0.1 is ever contacted; every wait is bounded.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
LOGS = ROOT / "test-output" / "servers"
SECRET = "suite-secret-key-not-for-production"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
    env.update(HOTLINE_DATABASE_URL=database_url, HOTLINE_SECRET_KEY=SECRET, HOTLINE_SCHEDULER="0",
               PYTHONPATH=str(ROOT), **extra)
    return env


class Server:
    """``gunicorn 'web:create_app()'`` with ``workers`` processes of ``threads`` threads each.

    With ``preload`` the app is imported once in the master, so a killed worker is replaced by a fork in
    milliseconds (the master holds no database connection: the app connects lazily).
    """

    def __init__(self, database_url: str, *, workers: int = 1, threads: int = 4, preload: bool = True,
                 name: str = "server") -> None:
        self.database_url, self.workers_wanted, self.threads, self.preload = database_url, workers, threads, preload
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        LOGS.mkdir(parents=True, exist_ok=True)
        self.log_path = LOGS / f"{name}-{self.port}.log"

    def start(self, timeout: float = 60) -> Server:
        args = [sys.executable, "-m", "gunicorn", "-w", str(self.workers_wanted), "-k", "gthread",
                "--threads", str(self.threads), "-b", f"127.0.0.1:{self.port}", "--graceful-timeout", "2",
                "--timeout", "60", "--log-level", "warning"]
        if self.preload:
            args.append("--preload")
        log = open(self.log_path, "ab")  # noqa: SIM115 - the child keeps writing after this returns
        self.proc = subprocess.Popen([*args, "web:create_app()"], cwd=ROOT, env=server_env(self.database_url),
                                     stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        self.wait_ready(timeout)
        return self

    def worker_pids(self) -> list[int]:
        if self.proc is None:
            return []
        try:
            children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
        except OSError:
            return []
        return [int(p) for p in children]

    def wait_ready(self, timeout: float = 60) -> None:
        """Until every worker is up and a request is answered.

        :raises RuntimeError: when the server does not answer within ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}; see {self.log_path}")
            if len(self.worker_pids()) >= self.workers_wanted:
                try:
                    if requests.get(f"{self.url}/api/v1/meta", timeout=2).status_code == 200:
                        return
                except requests.RequestException:
                    pass
            time.sleep(0.05)
        raise RuntimeError(f"server on {self.url} not ready after {timeout} s; see {self.log_path}")

    def kill_workers(self) -> list[int]:
        """``kill -9`` every worker (in-flight requests die mid-transaction); the master forks new ones."""
        pids = self.worker_pids()
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and set(self.worker_pids()) & set(pids):
            time.sleep(0.01)
        return pids

    def kill_all(self) -> None:
        """``kill -9`` the master and its workers at once, as a power cut would."""
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(10)
        self.proc = None

    def stop(self) -> None:
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            self.kill_all()
        self.proc = None


def token(url: str, username: str, password: str = "demo12345") -> dict[str, str]:
    r = requests.post(f"{url}/api/v1/session", json={"username": username, "password": password}, timeout=10)
    r.raise_for_status()
    return {"Authorization": f"Bearer {r.json()['token']}"}
