"""Every page blueprint, by capability: one place to see which folder serves which pages.

Views parse forms, call one service verb and render; no business rules. Imports: ``forms``, the ``engine``
capability packages (and ``engine.domain`` labels), ``web`` helpers. Nothing imports views.
"""
from __future__ import annotations

from flask import Flask, current_app, send_from_directory

from .accounts import admin, auth
from .analytics import dashboard, public, reports
from .attachments import views as attachments
from .clocks import views as clocks
from .common import register_template_helpers
from .docstore import views as docstore
from .knowledge import views as knowledge
from .matching import alerts as matching_alerts
from .matching import merges as matching_merges
from .matching import views as matching
from .notices import views as notices
from .oversight import callers
from .oversight import views as oversight
from .process import views as process
from .tickets import citizen, failed, handoffs, intake, queues, tasks
from .tickets import ticket as tickets

BLUEPRINTS = {
    "accounts": (auth, admin),
    "tickets": (intake, queues, tickets, tasks, citizen, failed, handoffs),
    "oversight": (oversight, callers),
    "knowledge": (knowledge,),
    "matching": (matching, matching_alerts, matching_merges),
    "clocks": (clocks,),
    "notices": (notices,),
    "docstore": (docstore,),
    "attachments": (attachments,),
    "analytics": (dashboard, reports, public),
    "process": (process,),
}


def favicon():
    """The tab icon at the address browsers ask for by themselves (pages also link the SVG)."""
    return send_from_directory(current_app.static_folder, "favicon.ico", mimetype="image/vnd.microsoft.icon",
                               max_age=7 * 86400)


def register_views(app: Flask) -> None:
    """Register every page blueprint and the template helpers they share."""
    for modules in BLUEPRINTS.values():
        for module in modules:
            app.register_blueprint(module.bp)
    app.add_url_rule("/favicon.ico", "favicon", favicon)
    register_template_helpers(app)
