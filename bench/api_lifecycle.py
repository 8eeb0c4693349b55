"""Shared by bench/lifecycle.py: the same ticket lifecycle as its service-layer loop, sent as a client would send
it to /api/v1 — through Flask's test client (no network) or over real HTTP to a gunicorn started for the run.

Each lifecycle is six submits: register (with the scope decision), dispatch, sign, reply, review, evaluate.
"""
from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
SECRET = "bench-secret-key-not-for-production"
ROLES = ("agent", "dispatcher", "receiver", "handler", "reviewer")
# A client's call: (method, path, json body, bearer token) -> (HTTP status, decoded JSON).
Call = Callable[[str, str, dict, str | None], tuple[int, dict]]


def test_client_call(url: str, clock) -> Call:
    """Calls through Flask's test client of an app on ``url`` (the clock frozen at ``clock``)."""
    from web import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "SCHEDULER_ENABLED": False,
                      "SECRET_KEY": SECRET, "CLOCK": lambda: clock})
    client = app.test_client()

    def call(method, path, body, token):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        resp = client.open(path, method=method, json=body, headers=headers)
        return resp.status_code, resp.get_json()
    return call


class Gunicorn:
    """``gunicorn -w 4`` serving the app on ``url`` on a free local port; ``stop()`` ends it (its own pid only)."""

    def __init__(self, url: str, workers: int = 4):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        env = dict(os.environ, HOTLINE_DATABASE_URL=url, HOTLINE_SECRET_KEY=SECRET, HOTLINE_SCHEDULER="0")
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        self.proc = subprocess.Popen([gunicorn, "-w", str(workers), "-b", f"127.0.0.1:{self.port}", "--log-level",
                                      "warning", "web:create_app()"], cwd=ROOT, env=env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                status, _ = self.call("GET", "/api/v1/meta", None, None)
                if status == 200:
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("gunicorn did not answer within 60 s")

    def call(self, method, path, body, token):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        try:
            conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
            resp = conn.getresponse()
            return resp.status, json.loads(resp.read() or b"null")
        finally:
            conn.close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def tokens(call: Call, password: str) -> dict[str, str]:
    """One API token per role of the lifecycle, by POST /api/v1/session as a client signs in."""
    out = {}
    for name in ROLES:
        status, body = call("POST", "/api/v1/session", {"username": name, "password": password}, None)
        assert status == 200, (name, status, body)
        out[name] = body["token"]
    return out


def api_loop(call: Call, toks: dict[str, str], citizen: dict, reply: dict, lead: int, n: int) -> float:
    """Lifecycles/s of ``n`` complete lifecycles through the API, each checked to end archived."""
    steps = [("dispatcher", "dispatch", {"lead_unit": lead}), ("receiver", "sign", {"decision": "sign"}),
             ("handler", "reply", reply), ("reviewer", "review", {"decision": "accept"}),
             ("agent", "evaluate", {"intake_rating": "satisfied", "handling_rating": "satisfied",
                                    "method": "callback"})]
    t0 = time.perf_counter()
    for _ in range(n):
        status, out = call("POST", "/api/v1/tickets", citizen, toks["agent"])
        assert status == 201, (status, out)
        tid = out["ticket"]["id"]
        for who, task, data in steps:
            status, out = call("POST", f"/api/v1/tickets/{tid}/tasks/{task}", data, toks[who])
            assert status == 200, (task, status, out)
        assert out["ticket"]["status"] == "archived", out
    return n / (time.perf_counter() - t0)
