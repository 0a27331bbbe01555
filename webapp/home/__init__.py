"""Home page: what is deployed and how much work waits for the user."""
from flask import Blueprint

bp = Blueprint("home", __name__, template_folder="templates")

from . import routes  # noqa: E402,F401  (routes attach themselves to bp)
