"""Operations endpoints and logs: /healthz, Prometheus /metrics, JSON-lines logging."""
from flask import Blueprint

bp = Blueprint("observability", __name__)

from . import logs, routes  # noqa: E402,F401  (routes register on bp)


@bp.record_once
def _setup(state):
    logs.configure(state.app)
