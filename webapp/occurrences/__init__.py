"""Occurrences: report, list, work and configure occurrences (back office, supervisors, admins)."""
from flask import Blueprint

bp = Blueprint("occurrences", __name__, url_prefix="/occurrences",
               template_folder="templates", static_folder="static")

from . import routes, settings_routes  # noqa: E402,F401  (routes attach themselves to bp)
from .display import translated_name  # noqa: E402

bp.add_app_template_filter(translated_name)     # a filter, so imported macros see it too
