"""Monitor: instances, their history and variables, incidents with Retry."""
from flask import Blueprint

bp = Blueprint("monitor", __name__, url_prefix="/monitor", template_folder="templates")

from . import routes  # noqa: E402,F401  (routes attach themselves to bp)
