"""HTML pages, one blueprint per audience. Views parse forms, call one service verb and render; no business rules.

Imports: ``forms``, ``engine.services`` (and ``engine.domain`` labels), ``web`` helpers. Nothing imports views.
"""
from __future__ import annotations

from flask import Flask

from . import admin, auth, citizen, intake, kb, oversight, queues, tasks, tickets
from .common import register_template_helpers

BLUEPRINTS = (auth, intake, queues, tickets, tasks, citizen, admin, oversight, kb)


def register_views(app: Flask) -> None:
    """Register every page blueprint and the template helpers they share."""
    for module in BLUEPRINTS:
        app.register_blueprint(module.bp)
    register_template_helpers(app)
