"""ParkOps web application factory."""
from collections.abc import Mapping
from inspect import CO_COROUTINE
from pathlib import Path
from types import FunctionType, MethodType

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import sessionmaker

# Importing the models puts their tables on Base.metadata (one metadata for Alembic).
import processes.accounts.models  # noqa: F401
import processes.bookings.models  # noqa: F401
import processes.occurrences.models  # noqa: F401
import processes.penalties.models  # noqa: F401
import processes.access.models  # noqa: F401
import processes.payments.models  # noqa: F401
import processes.seasonparking.models  # noqa: F401
import processes.invoicing.models  # noqa: F401
from engine import Engine
from engine.db import configure as configure_db_engine
from processes.notifications import NotificationSettings
from processes.registry import build_service_registry

from .catalogues import compile_stale_catalogues
from . import frontend
from .config import environment_overrides, select_config
from .extensions import babel, csrf, db, limiter, login_manager, migrate
from .i18n import select_locale
from .jsonprovider import CodecJSONProvider
from .sessions import LeanCookieSessions, page_hooks

# Blueprints whose requests are not browser pages: no session cookie, no page hooks (the JSON
# API authenticates every call by its bearer token).
SESSIONLESS_BLUEPRINTS = frozenset({"api"})
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"


class ParkOpsFlask(Flask):
    """Flask, telling plain functions from `async def` ones at a glance.

    Flask asks inspect.iscoroutinefunction() of every hook and view on every request (ten times
    per API call), which costs a twentieth of a call; a plain function's code flags answer it.
    """

    def ensure_sync(self, func):
        """`func` itself when it is a plain function or method; otherwise as Flask decides."""
        plain = func.__func__ if type(func) is MethodType else func
        if (type(plain) is FunctionType and not plain.__code__.co_flags & CO_COROUTINE
                and "_is_coroutine_marker" not in plain.__dict__):    # inspect's mark (3.12+)
            return func
        return super().ensure_sync(func)


def create_app(config=None):
    """Build the app: `config` is a config class, a mapping of overrides, or None (environment)."""
    app = ParkOpsFlask(__name__, instance_relative_config=True)
    app.json = CodecJSONProvider(app)      # jsonify and request JSON through engine.jsontext
    _load_config(app, config)
    # Ids in URLs are database ids: one past their range is "not found", never a crash.
    app.url_map.converters["int"] = RowIdConverter
    proxies = app.config.get("TRUSTED_PROXIES") or 0
    if proxies:
        # Behind N reverse proxies the client is in X-Forwarded-For: rate limits and logs
        # need the visitor's address, not the proxy's.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    # Signed-cookie sessions as Flask's, minus its per-request set-up (webapp/sessions.py).
    app.session_interface = LeanCookieSessions(sessionless=SESSIONLESS_BLUEPRINTS)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR))
    with page_hooks(app, SESSIONLESS_BLUEPRINTS):
        login_manager.init_app(app)     # the remember-me cookie after each page
        csrf.init_app(app)              # the CSRF check of each posted form
    limiter.init_app(app)
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=str(TRANSLATIONS_DIR))
    compile_stale_catalogues(TRANSLATIONS_DIR)
    with app.app_context():
        _init_engine(app)

    from . import cli, errors, runner

    # Before the blueprints: the login guard's redirect would skip later before_request hooks.
    runner.register(app)
    _register_blueprints(app)
    cli.register(app)
    errors.register(app)
    return app


class RowIdConverter(IntegerConverter):
    """`<int:...>` with at most 18 digits, always inside a 64-bit database id: a longer
    number matches no route (a 404; under /api/v1 the API's JSON fallback answers it)."""

    regex = r"\d{1,18}"


def _load_config(app, config):
    """Apply the chosen config, then refuse to start when it is unsafe."""
    base = config if config is not None and not isinstance(config, Mapping) else select_config()
    app.config.from_object(base)
    if config is None:
        # Only a self-chosen config reads the environment: an explicit one is used as given.
        app.config.update(environment_overrides())
    elif isinstance(config, Mapping):
        app.config.update(config)
    check = getattr(base, "check", None)
    if check is not None:
        check(app.config)


def _init_engine(app):
    """Create the workflow Engine on the same database as Flask-SQLAlchemy."""
    sa_engine = db.engine
    # SQLite: WAL, busy timeout, foreign keys and IMMEDIATE writers, exactly as the engine
    # expects; psycopg: the engine's statements straight on libpq.
    configure_db_engine(sa_engine)
    services = build_service_registry(sessionmaker(bind=sa_engine),
                                      NotificationSettings.from_config(app.config))
    app.extensions["parkops"] = Engine(sa_engine, services=services)


# Top navigation: (label, endpoint, area); an entry shows once its endpoint exists and the
# user may enter its area (webapp.access.AREA_ROLES).
NAV = (
    (_l("Basket"), "basket.index", "basket"),
    (_l("Bookings"), "bookings.index", "bookings"),
    (_l("Occurrences"), "occurrences.index", "occurrences"),
    (_l("Penalties"), "penalties.index", "penalties"),
    (_l("Season parkers"), "seasonparking.index", "seasonparking"),
    (_l("Designer"), "designer.index", "designer"),
    (_l("Monitor"), "monitor.index", "monitor"),
    (_l("Invoicing"), "invoicing.index", "invoicing"),
    (_l("Admin"), "admin.index", "admin"),
)


def _register_blueprints(app):
    from . import admin, api, auth, basket, designer, home, monitor, profile
    from . import bookings

    from . import observability

    for module in (auth, home, basket, designer, monitor, admin, api, profile, bookings):
        app.register_blueprint(module.bp)
    app.register_blueprint(observability.bp)
    from . import occurrences
    app.register_blueprint(occurrences.bp)
    from . import penalties
    app.register_blueprint(penalties.bp)
    from . import seasonparking
    app.register_blueprint(seasonparking.bp)
    app.register_blueprint(seasonparking.public_bp)
    from . import invoicing
    app.register_blueprint(invoicing.bp)
    app.context_processor(_navigation)
    app.jinja_env.globals["vendor_installed"] = frontend.installed


def _navigation():
    from flask import current_app
    from flask_login import current_user

    from .access import AREA_ROLES

    if not current_user.is_authenticated:
        return {"nav": []}
    items = []
    for label, endpoint, area in NAV:
        allowed = AREA_ROLES[area]
        if endpoint in current_app.view_functions and (
                allowed is None or set(allowed) & set(current_user.roles)):
            items.append((label, endpoint))
    return {"nav": items}
