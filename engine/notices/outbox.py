"""Notices by SMS and voice call through an outbox: written in the job's transaction, sent after it commits.

A gateway sends one message or raises :class:`GatewayError`. The drain delivers pending rows one at a time with
exponential backoff; a row is never deleted, so nothing is lost and every failure stays visible (发送记录,
:mod:`engine.notices.listing`).
"""
from __future__ import annotations

import json
import logging
import string
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.common import Actor, Conflict, NotFound, write_audit
from engine.domain.roles import Role, UnitKind
from engine.models import Outbox, Unit, User

log = logging.getLogger("hotline.notify")

#: The SMS signature (【…】) every text message starts with, when the deployment sets one (NOTIFY_OFFICE_NAME);
#: see :func:`sign`.
_SIGN: list[str | None] = [None]


def configure_sign(name: str | None) -> None:
    """Set the deployment's SMS signature (the app does at start, from NOTIFY_OFFICE_NAME); None: the office's name."""
    _SIGN[0] = (name or "").strip() or None


def sign(session: Session) -> str:
    """The signature of every text message (the ``{office}`` placeholder and each 【…】): the one configured, else the
    city office's name on record, so all the deployment's messages are signed alike whichever step writes them."""
    return _SIGN[0] or session.scalar(select(Unit.name).where(Unit.kind == UnitKind.CITY_OFFICE.value)) or "12345热线"

KIND_LABELS = {"sms": "短信", "voice": "语音电话", "emergency": "紧急专线联动"}
STATUS_LABELS = {"pending": "待发送", "sent": "已发送", "failed": "发送失败"}
ROLE_LABELS = {"receiver": "受理人", "leader": "分管领导", "office": "热线办", "citizen": "诉求人",
               "line": "紧急服务专线"}

# Placeholders a template may use; the monitor fills every one of them.
PLACEHOLDERS = frozenset({"office", "number", "type", "stage", "level", "unit", "due", "threshold", "days"})
# The knowledge-base fix clock's notices (Art. 25, events ``kb_flag.*``) have their own: what is wrong (知识缺失 or
# 信息错误), on which entry or category, the unit, the 5-WD deadline, the level and the instant it was crossed.
KB_FLAG_PLACEHOLDERS = frozenset({"office", "problem", "target", "unit", "due", "level", "threshold"})

# Art. 17: warning → the unit's receiver by phone and SMS; yellow and red → the receiver and the 分管领导.
DEFAULT_TEMPLATES: Mapping[str, str] = {
    "acceptance.warning": "【{office}】预警：工单{number}（{type}）派至{unit}已满{days}个工作日仍未签收，"
                          "请尽快签收办理。",
    "acceptance.yellow": "【{office}】黄牌：工单{number}（{type}）派至{unit}已满{days}个工作日仍未签收，"
                         "请分管领导督促立即签收办理。",
    "acceptance.red": "【{office}】红牌：工单{number}（{type}）派至{unit}已满{days}个工作日仍未签收，已转入督办。",
    "handling.warning": "【{office}】预警：工单{number}（{type}）办理时限为{due}，请{unit}抓紧办理并按时答复。",
    "handling.yellow": "【{office}】黄牌：工单{number}（{type}）已到办理时限{due}仍未办结，请{unit}分管领导督促办理。",
    "handling.red": "【{office}】红牌：工单{number}（{type}）已超过办理时限{due}仍未办结，已转入督办，"
                    "请{unit}按督办要求答复并提交书面说明。",
    "dispatch.yellow": "【{office}】派单超时：工单{number}（{type}）派单时限{due}已过仍未派单，请立即派单。",
    # Art. 25: a gap or error the office flagged in the knowledge base is fixed within 5 WD, watched like a ticket.
    "kb_flag.warning": "【{office}】预警：知识库{problem}（{target}）须于{due}前完成修正，请{unit}信息采编员抓紧处理。",
    "kb_flag.yellow": "【{office}】黄牌：知识库{problem}（{target}）已到修正时限{due}仍未修正，请{unit}分管领导督促。",
    "kb_flag.red": "【{office}】红牌：知识库{problem}（{target}）已超过修正时限{due}仍未修正，将纳入考核。",
}


def placeholders_for(key: str) -> frozenset[str]:
    """The placeholders the template of event ``key`` may use (``voice.``/``sms.`` overrides as their event)."""
    event = key.split(".", 1)[1] if key.startswith(("voice.", "sms.")) else key
    return KB_FLAG_PLACEHOLDERS if event.startswith("kb_flag.") else PLACEHOLDERS


def check_templates(templates: Mapping[str, str]) -> None:
    """Refuse templates that miss an event or use an unknown placeholder, at startup rather than at 3 a.m.

    :raises ValueError: naming the template and the problem.
    """
    missing = [key for key in DEFAULT_TEMPLATES if key not in templates]
    if missing:
        raise ValueError(f"notice templates missing: {', '.join(missing)}")
    for key, text in templates.items():
        try:
            fields = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
        except ValueError as exc:
            raise ValueError(f"notice template {key}: {exc}") from None
        allowed = placeholders_for(key)
        unknown = fields - allowed
        if unknown:
            raise ValueError(f"notice template {key} uses unknown placeholders {sorted(unknown)}; "
                             f"allowed: {sorted(allowed)}")


def render(templates: Mapping[str, str], kind: str, event: str, params: Mapping[str, Any]) -> str:
    """Render the text of one notice; a ``voice.<event>`` template, when given, overrides the common one."""
    return fill(template_of(templates, kind, event), params)


def template_of(templates: Mapping[str, str], kind: str, event: str) -> str:
    """The template of a notice of ``kind`` for ``event``: ``<kind>.<event>`` when given, else ``<event>``'s."""
    return templates.get(f"{kind}.{event}") or templates[event]


def fill(template: str, params: Mapping[str, Any]) -> str:
    """Fill a template's placeholders; a missing value (None) is written as nothing."""
    return template.format_map({k: ("" if v is None else v) for k, v in params.items()})


# -- gateways ----------------------------------------------------------------------------------------------------


class GatewayError(Exception):
    """The gateway did not accept the message; the drain retries it later."""


@dataclass(frozen=True)
class Message:
    """What a gateway needs to send one notice."""

    outbox_id: int
    kind: str
    recipient: str
    text: str
    template: str
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def request_id(self) -> str:
        # Stable across retries, so a gateway that deduplicates can drop a resend after a lost response.
        return f"hotline-outbox-{self.outbox_id}"


class Gateway(Protocol):
    """Sends one message or raises :class:`GatewayError`."""

    name: str

    def send(self, message: Message) -> None: ...


class DevGateway:
    """Send nothing: record what would be sent (rows are marked delivered by 'dev' and shown on 发送记录)."""

    name = "dev"

    def __init__(self) -> None:
        self.sent: list[Message] = []

    def send(self, message: Message) -> None:
        self.sent.append(message)
        log.info("dev gateway: %s to %s: %s", message.kind, message.recipient, message.text)


class HttpGateway:
    """POST one JSON message to a provider's HTTP endpoint; a non-2xx answer, a timeout or no answer is a failure.

    Body: ``{"request_id", "kind", "to", "text", "template", "params", "sign", "app_id"}``; the bearer token goes
    in the Authorization header. ``template_ids`` maps our template keys to the provider's template codes.
    """

    def __init__(self, url: str, *, name: str = "http", kind: str = "sms", token: str | None = None,
                 app_id: str | None = None, sign: str | None = None,
                 template_ids: Mapping[str, str] | None = None, timeout: float = 5.0) -> None:
        if not url or not url.startswith(("http://", "https://")):
            raise ValueError(f"{name} gateway needs an http(s) URL, got {url!r}")
        self.url, self.name, self.kind = url, name, kind
        self.token, self.app_id, self.sign = token, app_id, sign
        self.template_ids = dict(template_ids or {})
        self.timeout = timeout

    def payload(self, message: Message) -> dict[str, Any]:
        return {"request_id": message.request_id, "kind": message.kind, "to": message.recipient,
                "text": message.text, "template": self.template_ids.get(message.template, message.template),
                "params": dict(message.params), "sign": self.sign, "app_id": self.app_id}

    def send(self, message: Message) -> None:
        body = json.dumps(self.payload(message), ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8", "Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 -- URL from config
                status = response.status
                answer = response.read(2000)
        except urllib.error.HTTPError as exc:
            detail = exc.read(300).decode("utf-8", "replace") if exc.fp else ""
            raise GatewayError(f"{self.name}: HTTP {exc.code} {detail}".strip()) from None
        except TimeoutError:
            raise GatewayError(f"{self.name}: no answer within {self.timeout:g}s") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            if isinstance(reason, TimeoutError):
                raise GatewayError(f"{self.name}: no answer within {self.timeout:g}s") from None
            raise GatewayError(f"{self.name}: {reason}") from None
        if not 200 <= status < 300:
            raise GatewayError(f"{self.name}: HTTP {status} {answer[:300].decode('utf-8', 'replace')}".strip())


def gateways_from_settings(settings: Mapping[str, Any]) -> dict[str, Gateway]:
    """Build the SMS and voice gateways from settings (the app config); ``NOTIFY_GATEWAY`` is 'dev' or 'http'.

    :raises ValueError: for an unknown gateway choice or a missing URL.
    """
    choice = settings.get("NOTIFY_GATEWAY", "dev")
    if choice == "dev":
        dev = DevGateway()
        return {"sms": dev, "voice": dev}
    if choice != "http":
        raise ValueError(f"NOTIFY_GATEWAY must be 'dev' or 'http', got {choice!r}")
    timeout = float(settings.get("NOTIFY_TIMEOUT_SECONDS", 5))
    sms = HttpGateway(settings.get("SMS_GATEWAY_URL") or "", name="http", kind="sms",
                      token=settings.get("SMS_GATEWAY_TOKEN"), app_id=settings.get("SMS_GATEWAY_APP_ID"),
                      sign=settings.get("SMS_GATEWAY_SIGN"), template_ids=settings.get("SMS_GATEWAY_TEMPLATE_IDS"),
                      timeout=timeout)
    voice = HttpGateway(settings.get("VOICE_GATEWAY_URL") or "", name="voice-http", kind="voice",
                        token=settings.get("VOICE_GATEWAY_TOKEN"), app_id=settings.get("VOICE_GATEWAY_APP_ID"),
                        template_ids=settings.get("VOICE_GATEWAY_TEMPLATE_IDS"), timeout=timeout)
    return {"sms": sms, "voice": voice}


# -- who is told ---------------------------------------------------------------------------------------------------


class Recipients:
    """Phones of units' receivers and 分管领导 and of the office, loaded once per unit (Art. 17).

    A receiver is an active user with role 受理人 and a phone in the unit; a unit without one is reached at its
    desk phone. Late dispatch goes to ``office_phones``, else to the city office's dispatchers, and while a county
    office dispatches, to its own dispatchers.
    """

    def __init__(self, session: Session, office_phones: Sequence[str] = ()) -> None:
        self.session, self.office_phones = session, tuple(office_phones)
        self.units: dict[int, Unit] = {}
        self.receivers: dict[int, list[tuple[str, str]]] = {}
        self._dispatchers: dict[tuple[int | None, str], list[tuple[str, str, str]]] = {}

    def load(self, unit_ids: Iterable[int | None]) -> None:
        """Load the units (and their receivers) not loaded yet, in two queries."""
        wanted = {u for u in unit_ids if u is not None and u not in self.units}
        if not wanted:
            return
        for unit in self.session.scalars(select(Unit).where(Unit.id.in_(wanted))):
            self.units[unit.id] = unit
            self.receivers.setdefault(unit.id, [])
        q = select(User.unit_id, User.display_name, User.phone).where(
            User.unit_id.in_(wanted), User.role == Role.RECEIVER.value, User.active.is_(True),
            User.phone.is_not(None)).order_by(User.id)
        for unit_id, name, phone in self.session.execute(q):
            self.receivers.setdefault(unit_id, []).append((phone, name))

    def unit_name(self, unit_id: int | None) -> str:
        unit = self.units.get(unit_id) if unit_id else None
        return unit.name if unit else "承办单位"

    def of_unit(self, unit_id: int | None, *, leader: bool) -> list[tuple[str, str, str]]:
        """(phone, name, role) of the unit's receivers, and its 分管领导 when ``leader``."""
        unit = self.units.get(unit_id) if unit_id else None
        if unit is None:
            return []
        out = [(phone, name, "receiver") for phone, name in self.receivers.get(unit.id, [])]
        if not out and unit.phone:
            out = [(unit.phone, f"{unit.name}受理台", "receiver")]
        if leader and unit.leader_phone:
            out.append((unit.leader_phone, unit.leader_name or f"{unit.name}分管领导", "leader"))
        return _unique(out)

    def of_office(self, county_office_id: int | None = None) -> list[tuple[str, str, str]]:
        """(phone, name, role) told about late dispatch; a county office's own dispatchers for its step."""
        if county_office_id is not None:
            return self._dispatchers_of(county_office_id, Role.COUNTY_DISPATCHER)
        if self.office_phones:
            return [(p, "热线办", "office") for p in self.office_phones]
        return self._dispatchers_of(None, Role.DISPATCHER)

    def _dispatchers_of(self, unit_id: int | None, role: Role) -> list[tuple[str, str, str]]:
        key = (unit_id, role.value)
        if key not in self._dispatchers:
            q = select(User.display_name, User.phone).join(Unit, Unit.id == User.unit_id).where(
                User.role == role.value, User.active.is_(True), User.phone.is_not(None))
            q = q.where(Unit.id == unit_id) if unit_id is not None else \
                q.where(Unit.kind == UnitKind.CITY_OFFICE.value)
            self._dispatchers[key] = _unique([(phone, name, "office")
                                              for name, phone in self.session.execute(q.order_by(User.id))])
        return self._dispatchers[key]


def _unique(items: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    seen: set[str] = set()
    out = []
    for phone, name, role in items:
        if phone not in seen:
            seen.add(phone)
            out.append((phone, name, role))
    return out


# -- the outbox --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff: wait base, 2×base, 4×base … (at most ``max_seconds``), give up after ``max_attempts``."""

    max_attempts: int = 8
    base_seconds: float = 60.0
    max_seconds: float = 3600.0

    def delay(self, attempts: int) -> timedelta:
        return timedelta(seconds=min(self.base_seconds * 2 ** max(0, attempts - 1), self.max_seconds))


def outbox_row(*, kind: str, recipient: str, template: str, text: str, dedupe_key: str, now: datetime,
               ticket_id: int | None = None, params: Mapping[str, Any] | None = None,
               recipient_name: str | None = None, recipient_role: str | None = None) -> dict[str, Any]:
    """Return the column values of one pending notice (for a bulk insert of many)."""
    if kind not in KIND_LABELS:
        raise ValueError(f"unknown notice kind {kind!r}")
    return {"ticket_id": ticket_id, "kind": kind, "recipient": recipient, "recipient_name": recipient_name,
            "recipient_role": recipient_role, "template": template, "params": dict(params or {}), "text": text,
            "status": "pending", "attempts": 0, "next_attempt_at": now, "last_error": None, "sent_at": None,
            "delivered_by": None, "dedupe_key": dedupe_key, "created_at": now}


def enqueue(session: Session, **values: Any) -> Outbox:
    """Add one pending notice (see :func:`outbox_row` for the arguments); it is sent after the commit."""
    row = Outbox(**outbox_row(**values))
    session.add(row)
    return row


def due_ids(session: Session, now: datetime, limit: int = 100) -> list[int]:
    """Return pending notices whose next attempt is due, oldest first."""
    return list(session.scalars(select(Outbox.id).where(Outbox.status == "pending", Outbox.next_attempt_at <= now)
                                .order_by(Outbox.next_attempt_at, Outbox.id).limit(limit)))


def deliver(session: Session, outbox_id: int, gateways: Mapping[str, Gateway], now: datetime,
            policy: RetryPolicy = RetryPolicy()) -> str:
    """Send one pending notice and record the outcome; return 'sent', 'retry', 'failed' or 'skipped'.

    The row is locked (skipped when another worker holds it) and re-checked, so a notice is sent once even when
    two drains overlap. Call it in its own transaction so the outcome is committed right after the send.
    """
    row = session.scalar(select(Outbox).where(Outbox.id == outbox_id).with_for_update(skip_locked=True))
    if row is None or row.status != "pending" or row.next_attempt_at > now:
        return "skipped"
    gateway = gateways.get(row.kind)
    try:
        if gateway is None:
            raise GatewayError(f"no gateway configured for {row.kind}")
        gateway.send(Message(row.id, row.kind, row.recipient, row.text, row.template, row.params or {}))
    except GatewayError as exc:
        row.attempts += 1
        row.last_error = str(exc)[:2000]
        if row.attempts >= policy.max_attempts:
            row.status = "failed"
            log.error("notice %s to %s failed for good after %s attempts: %s", row.id, row.recipient, row.attempts,
                      exc)
        else:
            row.next_attempt_at = now + policy.delay(row.attempts)
            log.warning("notice %s to %s failed (attempt %s), retry at %s: %s", row.id, row.recipient,
                        row.attempts, row.next_attempt_at.isoformat(), exc)
        session.flush()
        return "failed" if row.status == "failed" else "retry"
    row.attempts += 1
    row.status, row.sent_at, row.delivered_by = "sent", now, gateway.name
    session.flush()
    return "sent"


def send_again(session: Session, outbox_id: int, actor: Actor, now: datetime) -> Outbox:
    """Put a failed (or waiting) notice back in the queue for an attempt now.

    :raises NotFound: no such notice.
    :raises Conflict: it was already sent.
    """
    row = session.scalar(select(Outbox).where(Outbox.id == outbox_id).with_for_update())
    if row is None:
        raise NotFound("发送记录不存在", f"outbox {outbox_id} not found")
    if row.status == "sent":
        raise Conflict("该通知已发送，无需重发", f"outbox {outbox_id} already sent")
    row.status, row.next_attempt_at = "pending", now
    write_audit(session, row.ticket_id, actor, "notice_resend", None, None, now, outbox_id=row.id,
                recipient=row.recipient, kind=row.kind)
    session.flush()
    return row
