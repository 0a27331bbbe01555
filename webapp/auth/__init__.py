"""Log in, log out, and the rule that every other page needs a logged-in user."""
from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/auth", template_folder="templates")

from . import routes  # noqa: E402,F401  (routes attach themselves to bp)
