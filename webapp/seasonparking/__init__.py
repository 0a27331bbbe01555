"""Season parkers: back-office pages for applications and contracts, and the public
application form (no login, CSRF, rate-limited)."""
from flask import Blueprint

bp = Blueprint("seasonparking", __name__, url_prefix="/season", template_folder="templates")
# The public form lives in a blueprint of its own: webapp.auth lets it through without login.
public_bp = Blueprint("season_public", __name__, url_prefix="/apply",
                      template_folder="templates")

from . import public, routes  # noqa: E402,F401  (routes attach themselves to the blueprints)
