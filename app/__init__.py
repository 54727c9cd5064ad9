"""Clientele: the client database and client profile of a service business."""

import logging
import os
from pathlib import Path

from flask import Flask
from jinja2 import StrictUndefined

from app.core.config import ConfigurationError, check_keys, load_settings
from app.core.database import configure_engine, postgresql_engine_options
from app.core.extensions import csrf, db, login_manager, migrate
from app.core.logs import install_query_filter
from app.core.paths import IdConverter
from app.core.request_body import guard_request_body
from app.core.security import add_security_headers, register_error_handlers
from app.core.sessions import DatabaseSessionInterface

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"

__all__ = ["ConfigurationError", "create_app"]


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.update(load_settings(app.instance_path))
    if config:
        app.config.update(config)
    check_keys(app.config)
    # The development server's request lines and the app's own log: paths, no queries.
    install_query_filter(logging.getLogger("werkzeug"), app.logger)

    if not app.config["PRODUCTION"]:
        app.jinja_env.undefined = StrictUndefined  # a fragment that lost a variable fails loudly

    from app import models  # noqa: F401  (registers the tables with the metadata)

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = postgresql_engine_options(
            app.config["SQLALCHEMY_ENGINE_OPTIONS"]
        )

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR))
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    app.session_interface = DatabaseSessionInterface()
    app.url_map.converters["id"] = IdConverter
    with app.app_context():
        configure_engine(db.engine)

    from app.areas import load_areas
    from app.core.areas import install_on_app, install_parts
    from app.core.commands import COMMANDS as CORE_COMMANDS
    from app.core.i18n import init_i18n
    from app.core.jobs import init_jobs
    from app.core.site import bp as site_bp

    init_jobs(app)
    init_i18n(app)
    areas = load_areas()
    install_parts(areas)  # once per process; the registries close
    app.register_blueprint(site_bp)
    install_on_app(app, areas)
    for command in CORE_COMMANDS:  # the job consumer
        app.cli.add_command(command)

    from app.core.templating import register_template_helpers

    register_template_helpers(app)
    app.after_request(add_security_headers)
    app.wsgi_app = guard_request_body(app.wsgi_app)
    register_error_handlers(app)

    from app.auth.passwords import prepare_decoy
    from app.core.encryption import WrongDataKey, check_data_key

    with app.app_context():
        prepare_decoy()
        try:
            check_data_key()
        except WrongDataKey as error:
            db.session.remove()
            db.engine.dispose()  # this app never serves: close its connections now
            raise ConfigurationError(str(error)) from error
    return app
