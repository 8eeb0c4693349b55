"""The Flask application: app factory, blueprints, JSON API, CLI. Nothing imports ``web``."""
from __future__ import annotations

import logging
import os
from typing import Any, Mapping

from flask import Flask
from werkzeug.routing import IntegerConverter

from .config import Config
from .extensions import csrf, db, migrate
from .secret import configure_secret_key


class DatabaseId(IntegerConverter):
    """``<int:…>`` in every route: a number no database id can be (beyond a 32-bit integer) is "not found", not a
    500 from the driver's overflow."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app; ``test_config`` overrides any setting of :class:`Config`."""
    app = Flask(__name__, instance_relative_config=True)
    app.url_map.converters["int"] = DatabaseId  # before any route is added
    app.config.from_object(Config)
    if test_config:
        app.config.update(test_config)
    configure_secret_key(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        os.makedirs(app.instance_path, exist_ok=True)
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"timeout": 30}}
    app.json.ensure_ascii = False
    db.init_app(app)
    from engine.docstore import configure_heading

    # Every document, whoever issues it (a page, the scheduler, a service), names the office and the measures so.
    configure_heading({"office_name": app.config.get("OFFICE_NAME"),
                       "office_short": app.config.get("DOCUMENT_OFFICE_SHORT"),
                       "city": app.config.get("CITY_NAME"), "hotline_name": app.config.get("HOTLINE_NAME"),
                       "measures": app.config.get("MEASURES_NAME")})
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(__file__), "..", "migrations"))
    csrf.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            from engine.common import configure_sqlite
            configure_sqlite(db.engine)

    from .api import bp as api_bp
    from .api.attachments import bp as api_files_bp
    from .blueprints import register_views
    from .cli import register_cli
    from .errors import register_errors
    from .inputs import register_input_checks
    from .open311.views import bp as open311_bp
    from .security import register_security

    register_input_checks(app)
    app.register_blueprint(api_bp)
    app.register_blueprint(api_files_bp)
    csrf.exempt(api_bp)
    csrf.exempt(api_files_bp)
    app.register_blueprint(open311_bp)  # Open311 GeoReport v2: form posts with an api_key, no session, no CSRF
    csrf.exempt(open311_bp)
    register_views(app)
    register_errors(app)
    register_security(app)
    register_cli(app)
    if app.config["SCHEDULER_ENABLED"] and os.environ.get("WERKZEUG_RUN_MAIN") != "false":
        from .clocks.scheduler import start_scheduler
        start_scheduler(app)
    logging.getLogger("spiff").setLevel(logging.WARNING)
    return app
