"""Invoicing pages: dashboard with alerts, monthly runs with progress, invoices and credit
notes, statements with charts, and the accounting journal."""
from flask import Blueprint

bp = Blueprint("invoicing", __name__, url_prefix="/invoicing", template_folder="templates")

# Who may look, and who may start runs, issue credit notes and check for anomalies.
READERS = ("admin", "supervisor", "back-office")
MANAGERS = ("admin", "supervisor")

from . import routes  # noqa: E402,F401  (routes attach themselves to bp)
