"""The deployment recipe of deploy/, run as written: nginx (Debian's) in front of two gunicorn web nodes started by
the command of deploy/systemd/hotline-web@.service, two schedulers started by hotline-scheduler.service, one
PostgreSQL database. Ticket lifecycles go through nginx as a channel client would (the JSON API); half-way one web
node is stopped and the leading scheduler is killed in the middle of sending. Every lifecycle completes, no request
fails, the other scheduler takes over, and the SMS/voice provider acknowledges every notice exactly once.

The figures go to test-output/deployment.json and, by hand, to docs/deployment.md.
"""
from __future__ import annotations

import http.client
import json
import os
import queue
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from engine.models import AttemptCounter, AuditLog, Outbox, Ticket, Unit
from tests.support.helpers import CITIZEN, REPLY

from ..conftest import PG

pytestmark = pytest.mark.skipif(not PG, reason="several nodes share one PostgreSQL database")

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
LIFECYCLES, CLIENTS, BACKDATED, HOLD_AT = 30, 3, 12, 10
SECRET = "deployment-test-secret-" + uuid.uuid4().hex


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def unit_command(unit: str, **subs: str) -> list[str]:
    """The ExecStart of a unit file, with /srv/hotline read as this checkout and its programs as this environment's."""
    lines = (DEPLOY / "systemd" / unit).read_text(encoding="utf-8").splitlines()
    line = next(line for line in lines if line.startswith("ExecStart="))[len("ExecStart="):]
    for key, value in subs.items():
        line = line.replace(key, value)
    argv = shlex.split(line)
    program = Path(argv[0])
    assert program.parent == Path("/srv/hotline/.venv/bin"), program
    local = Path(sys.executable).parent / program.name
    if local.exists():
        return [str(local), *argv[1:]]
    module = {"hotline": "web.cli.main"}.get(program.name, program.name)  # `hotline` before `pip install -e .`
    return [sys.executable, "-m", module, *argv[1:]]


def unit_environment(unit: str) -> dict[str, str]:
    """The Environment= settings of a unit file; the environment file's settings override them, as under systemd."""
    lines = (DEPLOY / "systemd" / unit).read_text(encoding="utf-8").splitlines()
    return dict(line[len("Environment="):].split("=", 1) for line in lines if line.startswith("Environment="))


def progress_from(source: str, port: int, number: str, forged: str | None = None) -> int:
    """A citizen's wrong look-up through nginx from the loopback address ``source`` (their own machine), with an
    X-Forwarded-For of their choosing if ``forged``; return the status."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(source, 0))
    headers = {"Content-Type": "application/json", **({"X-Forwarded-For": forged} if forged else {})}
    try:
        conn.request("POST", "/api/v1/progress", json.dumps({"number": number, "code": "123456"}), headers)
        return conn.getresponse().status
    finally:
        conn.close()


def nginx_site(port: int, nodes: list[int], down: int | None = None) -> str:
    """deploy/nginx/hotline.conf with this test's ports and checkout; ``down`` marks a node taken out."""
    site = (DEPLOY / "nginx" / "hotline.conf").read_text(encoding="utf-8")
    assert "listen 80;" in site and "server 127.0.0.1:8001 " in site and "server 127.0.0.1:8002 " in site
    site = site.replace("listen 80;", f"listen 127.0.0.1:{port};")
    for default, node in zip(("8001", "8002"), nodes, strict=True):
        site = site.replace(f"server 127.0.0.1:{default} ", f"server 127.0.0.1:{node} " + ("down " if node == down
                                                                                            else ""))
    return site.replace("/srv/hotline/", f"{ROOT}/")


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status == 200
    except OSError:
        return False


class Lines:
    """A process whose output lines are read as they come."""

    def __init__(self, argv: list[str], env: dict, log: Path):
        self.log = log.open("w", encoding="utf-8")
        self.proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=self.log, text=True)
        self.lines: queue.Queue[tuple[float, str]] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put((time.monotonic(), line.rstrip("\n")))

    def wait_for(self, needle: str, seconds: float = 60) -> float:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                at, line = self.lines.get(timeout=0.2)
            except queue.Empty:
                assert self.proc.poll() is None, f"exited {self.proc.returncode}; saw {self.seen}"
                continue
            self.seen.append(line)
            if needle in line:
                return at
        pytest.fail(f"no line with {needle!r} within {seconds}s; saw {self.seen}")

    def stop(self, sig=signal.SIGTERM, timeout: float = 40):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


class Provider(ThreadingHTTPServer):
    """The SMS and voice provider on loopback: acknowledges each request, counting acknowledgements by request id.
    The ``HOLD_AT``-th request is held unanswered until the test has killed the scheduler that sent it."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), ProviderHandler)
        self.lock = threading.Lock()
        self.received: list[str] = []
        self.acked: Counter[str] = Counter()
        self.held, self.release = threading.Event(), threading.Event()
        self.held_id: str | None = None


class ProviderHandler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - the http.server protocol
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        server: Provider = self.server
        with server.lock:
            server.received.append(body["request_id"])
            hold = len(server.received) == HOLD_AT
            if hold:
                server.held_id = body["request_id"]
        if hold:
            server.held.set()
            server.release.wait(60)
            self.close_connection = True  # its sender is dead: never answered, never acknowledged
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"ok": true}')
        with server.lock:
            server.acked[body["request_id"]] += 1

    def log_message(self, *args):
        pass


class Api:
    """A channel client talking JSON to nginx; every answer's status is kept."""

    def __init__(self, base: str):
        self.base, self.statuses, self.lock = base, Counter(), threading.Lock()

    def call(self, method: str, path: str, body: dict | None = None, token: str | None = None) -> tuple[int, dict]:
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
        request = urllib.request.Request(self.base + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=60) as r:
                status, payload = r.status, json.loads(r.read() or b"{}")
        except urllib.error.HTTPError as exc:
            status, payload = exc.code, {}
        with self.lock:
            self.statuses[status] += 1
        return status, payload


def lifecycle(api: Api, tokens: dict[str, str], unit_id: int, n: int) -> int:
    """Register, dispatch, sign, reply, review and evaluate one 诉求 through the API; return the ticket id."""
    status, created = api.call("POST", "/api/v1/tickets", {**CITIZEN, "scope": "accept",
                                                           "content": f"{CITIZEN['content']}（第{n}件）"},
                               tokens["agent"])
    assert status == 201, (status, created)
    tid = created["ticket"]["id"]
    for who, task, data in (("dispatcher", "dispatch", {"lead_unit": unit_id}), ("receiver", "sign",
                            {"decision": "sign"}), ("handler", "reply", REPLY), ("reviewer", "review",
                            {"decision": "accept"}), ("agent", "evaluate", {"intake_rating": "satisfied",
                                                                            "handling_rating": "satisfied",
                                                                            "method": "callback"})):
        status, _ = api.call("POST", f"/api/v1/tickets/{tid}/tasks/{task}", data, tokens[who])
        assert status == 200, (tid, task, status)
    return tid


@pytest.fixture
def database():
    import psycopg

    url = make_url(os.environ["HOTLINE_TEST_DATABASE_URL"])
    name = f"hotline_deploy_{uuid.uuid4().hex[:8]}"
    admin = dict(host=url.host or "127.0.0.1", port=url.port or 5432, user=url.username or "root",
                 dbname=url.database or "postgres", autocommit=True)
    with psycopg.connect(**admin) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield url.set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(**admin) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_two_web_nodes_behind_nginx_and_two_schedulers_lose_nothing(database, tmp_path):
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    assert Path(nginx).exists(), "nginx is missing: run scripts/install-system-deps.sh (as root)"
    started = time.monotonic()
    provider = Provider()
    threading.Thread(target=provider.serve_forever, daemon=True).start()
    gateway = f"http://127.0.0.1:{provider.server_address[1]}"
    env = {**os.environ, "HOTLINE_DATABASE_URL": database, "HOTLINE_SECRET_KEY": SECRET, "PYTHONUNBUFFERED": "1",
           "HOTLINE_SCHEDULER_INTERVAL": "1", "HOTLINE_NOTIFY_GATEWAY": "http",
           "HOTLINE_SMS_GATEWAY_URL": gateway + "/sms", "HOTLINE_VOICE_GATEWAY_URL": gateway + "/voice"}
    env.pop("HOTLINE_SCHEDULER", None)
    seeded = subprocess.run([*unit_command("hotline-scheduler.service")[:-1], "seed-demo", "--tickets", "0"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert seeded.returncode == 0, seeded.stderr[-2000:]
    # The demo's own tickets (a surge, merged complaints) had some notices delivered while it was seeded, through
    # the development gateway; the rest wait for the schedulers below.
    seeding = create_engine(database)
    with seeding.connect() as conn:
        seeded_notices = set(conn.scalars(select(Outbox.id).where(Outbox.status == "sent")))
    seeding.dispose()

    processes: list[Lines] = []
    nodes = [free_port(), free_port()]
    port = free_port()
    try:
        web = []
        web_env = {**unit_environment("hotline-web@.service"), **env}
        for node in nodes:
            argv = unit_command("hotline-web@.service", **{"%i": str(node), "${HOTLINE_WEB_WORKERS}": "2"})
            web.append(Lines(argv, web_env, tmp_path / f"web-{node}.log"))
        processes += web
        conf = tmp_path / "nginx.conf"
        (tmp_path / "site.conf").write_text(nginx_site(port, nodes), encoding="utf-8")
        conf.write_text(f"""
            user root; worker_processes 1; daemon off; pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log;
            events {{ worker_connections 256; }}
            http {{
                include /etc/nginx/mime.types;
                log_format nodes '$status $request_method $uri $upstream_addr';
                access_log {tmp_path}/access.log nodes;
                client_body_temp_path {tmp_path}/body; proxy_temp_path {tmp_path}/proxy;
                fastcgi_temp_path {tmp_path}/fastcgi; uwsgi_temp_path {tmp_path}/uwsgi; scgi_temp_path {tmp_path}/scgi;
                include {tmp_path}/site.conf;
            }}""", encoding="utf-8")
        check = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(conf)], capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
        processes.append(Lines([nginx, "-p", str(tmp_path), "-c", str(conf)], env, tmp_path / "nginx.out"))
        api = Api(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + 90
        while not all(answers(f"http://127.0.0.1:{n}/api/v1/openapi.json") for n in (*nodes, port)):
            assert time.monotonic() < deadline, "the web nodes did not come up"
            time.sleep(0.5)
        # Static files come from the checkout through nginx, not from a node.
        with urllib.request.urlopen(api.base + "/static/app.css", timeout=5) as r:
            assert r.status == 200 and r.read() == (ROOT / "web" / "static" / "app.css").read_bytes()
        # Each citizen's wrong look-ups count under their own address, over both nodes: the eleventh from one machine
        # waits, whatever X-Forwarded-For it forges, while another machine's are answered.
        guesses = [progress_from("127.0.0.2", port, f"HL20260000{i:06d}", forged="127.0.0.9") for i in range(11)]
        assert guesses == [404] * 10 + [429]
        assert progress_from("127.0.0.3", port, "HL20260000999999") == 404

        first = Lines(unit_command("hotline-scheduler.service"), env, tmp_path / "scheduler-1.log")
        processes.append(first)
        first.wait_for("本进程成为主进程")
        second = Lines(unit_command("hotline-scheduler.service"), env, tmp_path / "scheduler-2.log")
        processes.append(second)
        second.wait_for(f"本进程待命：主进程是 hotline-scheduler {os.uname().nodename}:{first.proc.pid}")

        tokens = {}
        for who in ("agent", "dispatcher", "receiver", "handler", "reviewer"):
            status, body = api.call("POST", "/api/v1/session", {"username": who, "password": "demo12345"})
            assert status == 200
            tokens[who] = body["token"]
        engine = create_engine(database)
        with engine.connect() as conn:
            unit_id = conn.scalar(select(Unit.id).where(Unit.code == "HY-ZJJ"))
            looked_up_from = set(conn.scalars(select(AttemptCounter.address).where(AttemptCounter.kind == "lookup")))
        assert looked_up_from == {"127.0.0.2", "127.0.0.3"}  # the citizens' addresses, not nginx's nor a forged one

        done: list[int] = []
        errors: list[BaseException] = []

        def batch(numbers: range, signal_after: int = 0) -> tuple[list[threading.Thread], threading.Event]:
            work: queue.Queue[int] = queue.Queue()
            for n in numbers:
                work.put(n)
            reached = threading.Event()

            def client():
                while True:
                    try:
                        n = work.get_nowait()
                    except queue.Empty:
                        return
                    try:
                        done.append(lifecycle(api, tokens, unit_id, n))
                    except BaseException as exc:  # noqa: BLE001 - reported below
                        errors.append(exc)
                    if len(done) >= signal_after:
                        reached.set()
            threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
            for t in threads:
                t.start()
            return threads, reached

        first_half, third = batch(range(LIFECYCLES // 2), signal_after=LIFECYCLES // 6)
        assert third.wait(120), errors
        # Taking a node out as docs/deployment.md says: mark it down, reload nginx, stop it (its workers finish
        # what they hold); the clients go on meanwhile.
        reload = [nginx, "-p", str(tmp_path), "-c", str(conf), "-s", "reload"]
        (tmp_path / "site.conf").write_text(nginx_site(port, nodes, down=nodes[0]), encoding="utf-8")
        assert subprocess.run(reload, capture_output=True).returncode == 0
        time.sleep(1)
        web[0].stop()
        assert web[0].proc.returncode == 0
        stopped_at = len(done)
        for t in first_half:
            t.join(180)
        # Then the stopped node goes back into nginx while it is still down, as after a crash: nginx finds its port
        # closed and passes every request, POSTs included, to the other node.
        (tmp_path / "site.conf").write_text(nginx_site(port, nodes), encoding="utf-8")
        assert subprocess.run(reload, capture_output=True).returncode == 0
        time.sleep(1)
        clients, _ = batch(range(LIFECYCLES // 2, LIFECYCLES))

        backdate = subprocess.run([sys.executable, "-m", "tests.setup.backdate", database, str(BACKDATED), "12"],
                                  cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert backdate.returncode == 0, backdate.stderr[-2000:]
        assert provider.held.wait(90), "the leader sent no notices"
        first.stop(signal.SIGKILL)  # the leader dies with a notice on the wire
        killed = time.monotonic()
        provider.release.set()
        took_over = second.wait_for("本进程成为主进程", seconds=30) - killed

        for c in clients:
            c.join(180)
        assert errors == [] and len(done) == LIFECYCLES

        deadline = time.monotonic() + 120
        while True:
            with engine.connect() as conn:
                pending = conn.scalar(select(func.count()).select_from(Outbox).where(Outbox.status == "pending"))
                if not pending and conn.scalar(select(func.count()).select_from(Outbox)):
                    break
            assert time.monotonic() < deadline, f"{pending} notices still pending"
            time.sleep(0.5)
        with engine.connect() as conn:
            statuses = Counter(conn.scalars(select(Ticket.status).where(Ticket.id.in_(done))))
            outbox = {f"hotline-outbox-{row.id}": row.status for row in conn.execute(select(Outbox.id, Outbox.status))
                      if row.id not in seeded_notices}
            crossings = Counter((ticket, action, detail["stage"]) for ticket, action, detail in conn.execute(
                select(AuditLog.ticket_id, AuditLog.action, AuditLog.detail).where(AuditLog.action.like("monitor_%"))))
            leader = conn.scalar(text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                                      "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"))
        engine.dispose()
    finally:
        for p in reversed(processes):
            p.stop()
        provider.shutdown()

    # Every lifecycle went through to the archive, and no request through nginx failed.
    assert statuses == {"archived": LIFECYCLES}
    assert set(api.statuses) <= {200, 201}, api.statuses
    log = (tmp_path / "access.log").read_text(encoding="utf-8").splitlines()
    by_node = Counter(line.split(" ", 3)[-1] for line in log if not line.split()[2].startswith("/static/"))
    a, b = f"127.0.0.1:{nodes[0]}", f"127.0.0.1:{nodes[1]}"
    assert by_node[a] > 0 and by_node[b] > 0
    assert by_node[f"{a}, {b}"] > 0  # refused by the stopped node, answered by the other
    # Every notice was sent, and the provider acknowledged each exactly once; the one the killed leader had on
    # the wire went out again, from the new leader, under the same request id.
    assert outbox and set(outbox.values()) == {"sent"}
    assert set(provider.acked) == set(outbox) and set(provider.acked.values()) == {1}
    assert provider.received.count(provider.held_id) == 2
    assert crossings and set(crossings.values()) == {1}  # each threshold of each clock crossed once
    assert leader == 1  # the second scheduler holds the lock now

    figures = {"date": time.strftime("%Y-%m-%d"), "lifecycles": LIFECYCLES, "clients": CLIENTS,
               "requests": sum(api.statuses.values()), "statuses": dict(api.statuses),
               "served_by_node": {"first (stopped)": by_node[a], "second": by_node[b],
                                  "refused by the stopped node, then the second": by_node[f"{a}, {b}"]},
               "lifecycles_done_when_first_node_stopped": stopped_at,
               "notices": len(outbox), "provider_requests": len(provider.received),
               "acknowledged_twice": sum(1 for v in provider.acked.values() if v > 1),
               "threshold_crossings": len(crossings), "takeover_seconds": round(took_over, 2),
               "seconds": round(time.monotonic() - started, 1)}
    out = ROOT / "test-output"
    out.mkdir(exist_ok=True)
    (out / "deployment.json").write_text(json.dumps(figures, ensure_ascii=False, indent=2), encoding="utf-8")
