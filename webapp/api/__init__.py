"""JSON API v1 with bearer tokens, documented at /api/v1/openapi.json."""
from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1", template_folder="templates")

from . import routes  # noqa: E402,F401  (routes attach themselves to bp)
