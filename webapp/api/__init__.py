"""JSON API v1 with bearer tokens, documented at /api/v1/openapi.json."""
from flask import Blueprint

from ..extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# Bearer tokens, never cookies, authenticate API calls: no cross-site request can carry one,
# so CSRF tokens have nothing to protect here (webapp/api/auth.py refuses cookie sessions).
csrf.exempt(bp)

from . import auth, errors, routes  # noqa: E402,F401  (they attach themselves to bp)
from . import bookings  # noqa: E402,F401
from . import occurrences  # noqa: E402,F401
from . import penalties  # noqa: E402,F401
from . import seasonparking  # noqa: E402,F401
from . import invoicing  # noqa: E402,F401

errors.register(bp)
