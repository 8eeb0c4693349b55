"""The outbox and its gateways: the HTTP adapter against a local server (including one that fails twice, then
succeeds), backoff, giving up visibly, sending again, the development gateway and template checks."""
from __future__ import annotations

import json
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from engine.common.db import transaction
from engine.common.errors import Conflict
from engine.models import AuditLog, Outbox
from engine.notices import listing
from engine.notices import outbox as notify
from engine.notices.outbox import GatewayError, HttpGateway, Message, RetryPolicy
from tests.clocks.flow import at
from tests.support.helpers import user


class FakeProvider:
    """An SMS provider on 127.0.0.1: answers each request with the next scripted status (then 200)."""

    def __init__(self, statuses=(), delay: float = 0.0):
        self.statuses, self.delay = list(statuses), delay
        self.requests: list[dict] = []
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 -- http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                provider.requests.append({"path": self.path, "headers": dict(self.headers),
                                          "json": json.loads(body.decode("utf-8"))})
                if provider.delay:
                    time.sleep(provider.delay)
                status = provider.statuses.pop(0) if provider.statuses else 200
                answer = b'{"code": "OK"}' if status < 300 else b'{"code": "busy"}'
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms/send"

    @contextmanager
    def running(self):
        thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self.server.shutdown()
            self.server.server_close()
            thread.join(5)


MESSAGE = Message(41, "sms", "13800001234", "【12345热线】预警：工单HL1办理时限为2026-11-27 24:00", "handling.warning",
                  {"number": "HL1"})


def test_http_adapter_posts_json_with_credentials_and_template_code():
    with FakeProvider().running() as provider:
        gateway = HttpGateway(provider.url, token="s3cret", app_id="heyuan", sign="河源12345",
                              template_ids={"handling.warning": "SMS_1001"})
        gateway.send(MESSAGE)
    [request] = provider.requests
    assert request["path"] == "/sms/send" and request["headers"]["Authorization"] == "Bearer s3cret"
    assert request["json"] == {"request_id": "hotline-outbox-41", "kind": "sms", "to": "13800001234",
                               "text": MESSAGE.text, "template": "SMS_1001", "params": {"number": "HL1"},
                               "sign": "河源12345", "app_id": "heyuan"}


@pytest.mark.parametrize("status", [400, 403, 500, 503])
def test_http_adapter_treats_non_2xx_as_failure(status):
    with FakeProvider([status]).running() as provider:
        with pytest.raises(GatewayError, match=f"HTTP {status}"):
            HttpGateway(provider.url).send(MESSAGE)


def test_http_adapter_treats_a_timeout_as_failure():
    with FakeProvider(delay=0.6).running() as provider:
        started = time.monotonic()
        with pytest.raises(GatewayError, match="no answer within 0.2s"):
            HttpGateway(provider.url, timeout=0.2).send(MESSAGE)
        assert time.monotonic() - started < 0.55


def test_http_adapter_treats_no_server_as_failure():
    provider = FakeProvider()
    url = provider.url
    provider.server.server_close()  # the port is free again: nobody answers
    with pytest.raises(GatewayError):
        HttpGateway(url, timeout=1).send(MESSAGE)


def enqueue(db, n: int = 1, when: str = "2026-11-25T10:00:00+08:00") -> list[int]:
    with transaction(db.session):
        rows = [notify.enqueue(db.session, kind="sms", recipient=f"1380000{i:04d}", template="handling.warning",
                               text=f"测试通知{i}", dedupe_key=f"test:{i}", now=at(when)) for i in range(n)]
    return [r.id for r in rows]


def drain(db, gateways, when: str, policy=RetryPolicy()) -> list[str]:
    outcomes = []
    for outbox_id in notify.due_ids(db.session, at(when)):
        with transaction(db.session):
            outcomes.append(notify.deliver(db.session, outbox_id, gateways, at(when), policy))
    db.session.expire_all()
    return outcomes


def test_a_gateway_failing_twice_then_succeeding_delivers_once_with_backoff(db):
    [oid] = enqueue(db)
    with FakeProvider([500, 502]).running() as provider:
        gateways = {"sms": HttpGateway(provider.url, timeout=2)}
        assert drain(db, gateways, "2026-11-25T10:00:00+08:00") == ["retry"]
        row = db.session.get(Outbox, oid)
        assert (row.status, row.attempts, iso(row.next_attempt_at)) == ("pending", 1, "2026-11-25T02:01:00+00:00")
        assert "HTTP 500" in row.last_error
        assert drain(db, gateways, "2026-11-25T10:00:59+08:00") == []  # not due yet: no request
        assert drain(db, gateways, "2026-11-25T10:01:00+08:00") == ["retry"]
        row = db.session.get(Outbox, oid)
        assert (row.attempts, iso(row.next_attempt_at)) == (2, "2026-11-25T02:03:00+00:00")  # 60 s, then 120 s
        assert drain(db, gateways, "2026-11-25T10:03:00+08:00") == ["sent"]
        assert drain(db, gateways, "2026-11-25T10:10:00+08:00") == []
    row = db.session.get(Outbox, oid)
    assert (row.status, row.attempts, row.delivered_by, iso(row.sent_at)) == \
        ("sent", 3, "http", "2026-11-25T02:03:00+00:00")
    assert "HTTP 502" in row.last_error  # the history of the failure stays visible
    assert len(provider.requests) == 3
    assert {r["json"]["request_id"] for r in provider.requests} == {f"hotline-outbox-{oid}"}  # same id each try


def test_a_notice_that_keeps_failing_is_kept_and_shown_then_sent_again(db):
    [oid] = enqueue(db)
    policy = RetryPolicy(max_attempts=3, base_seconds=10, max_seconds=15)
    with FakeProvider([500] * 10).running() as provider:
        gateways = {"sms": HttpGateway(provider.url, timeout=2)}
        assert drain(db, gateways, "2026-11-25T10:00:00+08:00", policy) == ["retry"]
        assert drain(db, gateways, "2026-11-25T10:00:10+08:00", policy) == ["retry"]
        assert iso(db.session.get(Outbox, oid).next_attempt_at) == "2026-11-25T02:00:25+00:00"  # capped at 15 s
        assert drain(db, gateways, "2026-11-25T10:00:25+08:00", policy) == ["failed"]
        assert drain(db, gateways, "2026-11-26T10:00:00+08:00", policy) == []  # given up, but not lost
    row = db.session.get(Outbox, oid)
    assert (row.status, row.attempts) == ("failed", 3)
    assert listing.outbox_counts(db.session)["failed"] == 1

    with transaction(db.session):
        notify.send_again(db.session, oid, user(db.session, "dispatcher"), at("2026-11-26T11:00:00+08:00"))
    assert db.session.scalar(select(AuditLog.action).where(AuditLog.action == "notice_resend")) == "notice_resend"
    dev = notify.DevGateway()
    assert drain(db, {"sms": dev}, "2026-11-26T11:00:00+08:00") == ["sent"]
    row = db.session.get(Outbox, oid)
    assert (row.status, row.delivered_by, row.attempts) == ("sent", "dev", 4)
    assert [m.outbox_id for m in dev.sent] == [oid]
    with pytest.raises(Conflict):
        notify.send_again(db.session, oid, user(db.session, "dispatcher"), at("2026-11-26T12:00:00+08:00"))
    db.session.rollback()


def test_a_kind_without_gateway_is_retried_not_dropped(db):
    [oid] = enqueue(db)
    assert drain(db, {"voice": notify.DevGateway()}, "2026-11-25T10:00:00+08:00") == ["retry"]
    assert "no gateway configured for sms" in db.session.get(Outbox, oid).last_error


def test_two_overlapping_drains_send_each_notice_once(db):
    ids = enqueue(db, 3)
    dev = notify.DevGateway()
    first = notify.due_ids(db.session, at("2026-11-25T10:00:00+08:00"))
    assert drain(db, {"sms": dev}, "2026-11-25T10:00:00+08:00") == ["sent"] * 3
    for oid in first:  # a second worker that read the list before the first one sent
        with transaction(db.session):
            assert notify.deliver(db.session, oid, {"sms": dev}, at("2026-11-25T10:00:00+08:00")) == "skipped"
    assert sorted(m.outbox_id for m in dev.sent) == sorted(ids)


def test_templates_are_checked_at_startup():
    notify.check_templates(notify.DEFAULT_TEMPLATES)
    with pytest.raises(ValueError, match="unknown placeholders"):
        notify.check_templates({**notify.DEFAULT_TEMPLATES, "handling.red": "工单{ticket_no}红牌"})
    with pytest.raises(ValueError, match="missing"):
        notify.check_templates({"handling.red": "x"})


def test_gateway_settings():
    assert set(notify.gateways_from_settings({"NOTIFY_GATEWAY": "dev"})) == {"sms", "voice"}
    with pytest.raises(ValueError, match="http"):
        notify.gateways_from_settings({"NOTIFY_GATEWAY": "http", "SMS_GATEWAY_URL": "", "VOICE_GATEWAY_URL": ""})
    with pytest.raises(ValueError):
        notify.gateways_from_settings({"NOTIFY_GATEWAY": "carrier-pigeon"})
    built = notify.gateways_from_settings({"NOTIFY_GATEWAY": "http", "SMS_GATEWAY_URL": "https://sms.example/api",
                                           "VOICE_GATEWAY_URL": "https://voice.example/api"})
    assert (built["sms"].name, built["voice"].name) == ("http", "voice-http")


def iso(value) -> str:
    return value.isoformat()
