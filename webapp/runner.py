"""Background work of a web process: the embedded runner, or (REDIS_URL set) the RQ relay.

Embedded (no REDIS_URL): a runner thread fires timers and runs jobs in the process that
serves requests. Production (REDIS_URL): no thread; jobs an operation queues are handed to
RQ right after its commit, and `flask scheduler` relays timers and whatever was missed.
"""
import atexit
import threading

from flask import current_app

from tasks import relay
from tasks.queue import connect, parkops_queue
from tasks.runner import EmbeddedRunner

from .extensions import get_engine

_start_lock = threading.Lock()


def register(app):
    """Attach the RQ relay (REDIS_URL set), else start the runner on the first request."""
    if app.config.get("REDIS_URL"):
        relay.attach(app.extensions["parkops"], parkops_queue(connect(app.config["REDIS_URL"])))
        return
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
