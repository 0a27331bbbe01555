"""Designer: upload and validate BPMN/DMN, versions, deploy, start by hand."""
from flask import Blueprint

bp = Blueprint("designer", __name__, url_prefix="/designer", template_folder="templates")

from . import routes  # noqa: E402,F401  (routes attach themselves to bp)
