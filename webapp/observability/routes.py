"""/healthz (database and Redis reachable) and /metrics (Prometheus text format)."""
import hmac
import os

from flask import Response, current_app, jsonify, request

from . import bp
from .health import check_health
from .metrics import render_metrics


@bp.get("/healthz")
def healthz():
    """200 when the database (and Redis, when configured) answer; 503 naming what does not."""
    healthy, checks = check_health()
    return jsonify(status="ok" if healthy else "unavailable", checks=checks), (
        200 if healthy else 503)


@bp.get("/metrics")
def metrics():
    """Gauges of waiting work, for Prometheus; behind a bearer token when METRICS_TOKEN is set."""
    token = metrics_token()
    given = request.headers.get("Authorization", "").encode("utf-8", "surrogateescape")
    if token and not hmac.compare_digest(given, f"Bearer {token}".encode()):
        return jsonify(error="a valid metrics token is required"), 401
    body, content_type = render_metrics()
    return Response(body, content_type=content_type)


def metrics_token():
    """The token /metrics requires: the METRICS_TOKEN setting, else the environment variable
    of that name (the documented way to set it in production); None leaves it open."""
    return current_app.config.get("METRICS_TOKEN") or os.environ.get("METRICS_TOKEN") or None
