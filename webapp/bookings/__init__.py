"""Bookings: sites, customers with their vehicles, and bookings and pre-bookings."""
from flask import Blueprint

bp = Blueprint("bookings", __name__, url_prefix="/bookings", template_folder="templates")

from . import routes  # noqa: E402,F401  (routes attach themselves to bp)
