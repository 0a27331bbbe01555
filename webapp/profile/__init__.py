"""The logged-in user's own settings: for now, the language the screens are shown in."""
from flask import Blueprint

bp = Blueprint("profile", __name__, url_prefix="/profile", template_folder="templates")

from . import routes  # noqa: E402,F401  (routes attach themselves to bp)
