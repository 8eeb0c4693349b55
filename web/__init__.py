"""The Flask application: app factory, blueprints, JSON API, CLI. Nothing imports ``web``."""
from __future__ import annotations

import logging
import os
from typing import Any, Mapping

from flask import Flask
from werkzeug.routing import IntegerConverter

from .config import Config, ConfigurationError
from .extensions import csrf, db, migrate
from .secret import configure_secret_key


class DatabaseId(IntegerConverter):
    """``<int:…>`` in every route: a number no database id can be (beyond a 32-bit integer) is "not found", not a
    500 from the driver's overflow."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def _trust_proxies(app: Flask) -> None:
    """Read the client's address and scheme from the headers the trusted proxies set (TRUSTED_PROXIES hops).

    Only X-Forwarded-For and X-Forwarded-Proto: nginx (deploy/nginx/hotline.conf) appends the address it saw to the
    first and overwrites the second, so their last entry is the proxy's word. It passes X-Forwarded-Host, -Port and
    -Prefix through from the client untouched (it sends Host itself), so trusting those would let anyone choose the
    host and path of the links the app builds (url_for(_external=True)).
    """
    hops = app.config["TRUSTED_PROXIES"]
    if not isinstance(hops, int) or isinstance(hops, bool) or hops < 0:
        raise ConfigurationError(f"HOTLINE_TRUSTED_PROXIES must be a whole number of proxies, 0 or more, not {hops!r}",
                                 f"前置代理层数 HOTLINE_TRUSTED_PROXIES 应为0或正整数，现为 {hops}")
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0, x_port=0, x_prefix=0)


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app; ``test_config`` overrides any setting of :class:`Config`."""
    app = Flask(__name__, instance_relative_config=True)
    app.url_map.converters["int"] = DatabaseId  # before any route is added
    app.config.from_object(Config)
    if test_config:
        app.config.update(test_config)
    configure_secret_key(app)
    _trust_proxies(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        os.makedirs(app.instance_path, exist_ok=True)
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"timeout": 30}}
    app.json.ensure_ascii = False
    # pool_pre_ping is done by web.dbping: the same check, but a bearer-token API request's first read is its own.
    options = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
    ping = options.pop("pool_pre_ping", False)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    db.init_app(app)
    from engine.docstore import configure_heading

    # Every document, whoever issues it (a page, the scheduler, a service), names the office and the measures so.
    configure_heading({"office_name": app.config.get("OFFICE_NAME"),
                       "office_short": app.config.get("DOCUMENT_OFFICE_SHORT"),
                       "city": app.config.get("CITY_NAME"), "hotline_name": app.config.get("HOTLINE_NAME"),
                       "measures": app.config.get("MEASURES_NAME")})
    from engine.notices import configure_sign

    # Every text message, whichever step writes it, is signed alike (docs/clocks.md, NOTIFY_OFFICE_NAME).
    configure_sign(app.config.get("NOTIFY_OFFICE_NAME") or os.environ.get("HOTLINE_NOTIFY_OFFICE_NAME"))
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(__file__), "..", "migrations"))
    csrf.init_app(app)
    with app.app_context():
        if ping:
            from .dbping import check_on_checkout
            check_on_checkout(db.engine)
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
