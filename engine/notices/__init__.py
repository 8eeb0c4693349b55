"""Notices (通知, Art. 17): SMS and voice messages written to an outbox in the action's transaction and sent
after it commits, through a gateway interface (a real HTTP adapter, and a development gateway that records).

May import ``engine.common`` and the layers below it; imported by clocks, knowledge and oversight.
"""
from . import outbox
from .outbox import DEFAULT_TEMPLATES, Recipients, enqueue, outbox_row, render

__all__ = ["DEFAULT_TEMPLATES", "Recipients", "enqueue", "outbox", "outbox_row", "render"]
