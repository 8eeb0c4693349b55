"""The emergency-line gateway (12345 ↔ 110/119/120/122, Art. 6(2)): handoff records and replies to 110's cases.

They travel through the same outbox as SMS (kind ``emergency``, the recipient is the line), so a linkage platform
that is down loses nothing: the drain retries with backoff and a failure stays on 发送记录. The gateway is an
interface with a real HTTP adapter (the linkage platform's endpoint) and a development gateway that records.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from .outbox import DevGateway, Gateway, HttpGateway, Message, gateways_from_settings

log = logging.getLogger("hotline.emergency")

# Settings (app config, or HOTLINE_<NAME> in the environment): 'dev' records what would be sent, 'http' posts it.
SETTINGS: dict[str, Any] = {"EMERGENCY_GATEWAY": "dev", "EMERGENCY_GATEWAY_URL": None,
                            "EMERGENCY_GATEWAY_TOKEN": None, "EMERGENCY_GATEWAY_APP_ID": None}

# Events sent to an emergency line's linkage platform.
EVENT_HANDOFF = "handoff.out"  # 12345 handed a caller over (转接) — the record of the handoff
EVENT_REPLY = "handoff.reply"  # the answer to a matter 110 sent to 12345 (its case number)


class EmergencyGateway(Gateway):
    """Sends one handoff record or reply to an emergency line's linkage platform or raises ``GatewayError``."""


class DevEmergencyGateway(DevGateway):
    """Send nothing: record what the linkage platform would receive (rows are marked delivered by 'dev-110')."""

    name = "dev-110"

    def send(self, message: Message) -> None:
        self.sent.append(message)
        log.info("dev emergency gateway: %s to %s: %s", message.template, message.recipient, message.text)


class HttpEmergencyGateway(HttpGateway):
    """POST one JSON record to the linkage platform; a non-2xx answer, a timeout or no answer is a failure.

    Body: ``{"request_id", "event", "line", "text", **params}`` where params are the handoff's fields
    (``direction``, ``ticket_number``, ``case_number``, ``outcome``, ``at``, ``agent``, ``summary``, ``reply``).
    """

    def payload(self, message: Message) -> dict[str, Any]:
        return {"request_id": message.request_id, "event": message.template, "line": message.recipient,
                "text": message.text, **dict(message.params), "app_id": self.app_id}


def emergency_gateway_from_settings(settings: Mapping[str, Any]) -> Gateway:
    """Build the emergency gateway; ``EMERGENCY_GATEWAY`` is 'dev' or 'http' (with ``EMERGENCY_GATEWAY_URL``).

    :raises ValueError: for an unknown choice or a missing URL.
    """
    choice = settings.get("EMERGENCY_GATEWAY") or "dev"
    if choice == "dev":
        return DevEmergencyGateway()
    if choice != "http":
        raise ValueError(f"EMERGENCY_GATEWAY must be 'dev' or 'http', got {choice!r}")
    return HttpEmergencyGateway(settings.get("EMERGENCY_GATEWAY_URL") or "", name="http-110", kind="emergency",
                                token=settings.get("EMERGENCY_GATEWAY_TOKEN"),
                                app_id=settings.get("EMERGENCY_GATEWAY_APP_ID"),
                                timeout=float(settings.get("NOTIFY_TIMEOUT_SECONDS", 5)))


def with_emergency(settings: Mapping[str, Any]) -> dict[str, Gateway]:
    """Every gateway the outbox drain needs: SMS and voice (``gateways_from_settings``) and the emergency line's.

    :raises ValueError: for an unknown choice or a missing URL.
    """
    return {**gateways_from_settings(settings), "emergency": emergency_gateway_from_settings(settings)}
