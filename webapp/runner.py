"""Starts the embedded runner in the process that serves requests, and only there."""
import atexit
import threading

from flask import current_app

from tasks.runner import EmbeddedRunner

from .extensions import get_engine

_start_lock = threading.Lock()


def register(app):
    """Arrange for the runner to start on the first request when the config asks for it."""
    if not app.config["EMBEDDED_RUNNER"] or app.testing:
        return
    # Started on the first request rather than here: `flask init`, `flask deploy`,
    # `flask db upgrade` and the reloader's watcher process all build the app too, and
    # must not run timers and jobs (possibly before the tables exist).
    app.before_request(_ensure_runner_started)


def _ensure_runner_started():
    app = current_app._get_current_object()
    if "parkops.runner" in app.extensions:
        return
    with _start_lock:
        if "parkops.runner" in app.extensions:
            return
        runner = EmbeddedRunner(get_engine(), poll_s=app.config["RUNNER_POLL_S"])
        runner.start()
        atexit.register(runner.stop)
        app.extensions["parkops.runner"] = runner
