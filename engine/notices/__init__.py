"""Notices (通知, Art. 17): SMS and voice messages written to an outbox in the action's transaction and sent
after it commits, through a gateway interface (a real HTTP adapter, and a development gateway that records);
the emergency lines' handoff records and replies (``emergency``, 12345 ↔ 110) travel the same way.

May import ``engine.common`` and the layers below it; imported by clocks, knowledge and oversight.
"""
from . import emergency, listing, outbox
from .emergency import EVENT_HANDOFF, EVENT_REPLY, emergency_gateway_from_settings
from .outbox import DEFAULT_TEMPLATES, Recipients, configure_sign, enqueue, fill, outbox_row, render, sign, template_of

__all__ = ["EVENT_HANDOFF", "EVENT_REPLY", "emergency", "emergency_gateway_from_settings", "listing",
           "DEFAULT_TEMPLATES", "Recipients", "configure_sign", "enqueue", "fill", "outbox", "outbox_row", "render",
           "sign", "template_of"]
