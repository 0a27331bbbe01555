"""The work-basket: Inbox, Queue, Escalated, Done, and the task page."""
from flask import Blueprint

bp = Blueprint("basket", __name__, url_prefix="/basket", template_folder="templates")

from . import routes  # noqa: E402,F401  (routes attach themselves to bp)
from . import task_routes  # noqa
