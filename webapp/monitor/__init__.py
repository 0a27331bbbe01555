"""Monitor: instances, their history and variables, incidents with Retry."""
from flask import Blueprint, abort

bp = Blueprint("monitor", __name__, url_prefix="/monitor", template_folder="templates")

# The largest id a database integer column holds: a bigger one in a URL names no row (404),
# and must not reach the database, which would fail with an overflow (500).
MAX_ROW_ID = 2 ** 63 - 1


@bp.url_value_preprocessor
def _ids_in_range(endpoint, values):
    if any(isinstance(v, int) and v > MAX_ROW_ID for v in (values or {}).values()):
        abort(404)

from . import routes  # noqa: E402,F401  (routes attach themselves to bp)
