"""Penalties pages: cancel / check-in buttons for bookings, infractions, contests, settings."""
from flask import Blueprint

bp = Blueprint("penalties", __name__, template_folder="templates")

from . import routes  # noqa: E402,F401  (attaches the views to bp)
