"""Flask extension singletons, bound to the app in create_app()."""
from flask_babel import Babel
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from engine import Base

from .current import this_app
from .ratelimit import RouteLimiter

# One metadata for engine, processes and webapp tables, so Alembic sees them all.
db = SQLAlchemy(model_class=Base)
# SQLite cannot ALTER most things in place; batch mode rebuilds tables instead.
migrate = Migrate(render_as_batch=True)
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Please log in to open this page."
login_manager.login_message_category = "info"
csrf = CSRFProtect()
# Translations of the screens (webapp/translations); the locale comes from webapp.i18n.
babel = Babel()
# Brute-force brake on logins and API tokens (limits on those routes only: no per-request
# check elsewhere, see webapp.ratelimit). memory:// counts per process; set
# RATELIMIT_STORAGE_URI to a Redis URL when several processes serve the app.
limiter = RouteLimiter(key_func=get_remote_address, default_limits=[])


def get_engine():
    """The ParkOps workflow Engine of the current app."""
    return this_app().extensions["parkops"]
