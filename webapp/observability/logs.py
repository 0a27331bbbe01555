"""Structured logs: one JSON object per line, carrying instance, task and job ids.

Code logs ids with `extra={"instance_id": ..., "task_id": ...}`; the formatter lifts them
into the object. Every request is logged once (method, path, status, time, the ids in its URL).
"""
import json
import logging
import sys
import time
from datetime import datetime, timezone

from flask import g, request

ID_FIELDS = ("instance_id", "task_id", "job_id", "incident_id", "tenant", "method", "path",
             "status", "duration_ms", "actor")
log = logging.getLogger("parkops.request")


class JsonFormatter(logging.Formatter):
    """Formats a record as a JSON line: time, level, logger, message, ids, exception."""

    def format(self, record):
        entry = {"ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(),
                 "level": record.levelname, "logger": record.name,
                 "message": record.getMessage()}
        entry.update({k: getattr(record, k) for k in ID_FIELDS if hasattr(record, k)})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


# SpiffWorkflow's module loggers. While a logger's own level is unset, SpiffWorkflow gathers
# debug extras for each of its log calls (every task id of the workflow, on each workflow
# message), even when nothing is emitted.
SPIFF_LOGGERS = ("spiff", "spiff.workflow", "spiff.task")


def configure(app):
    """Quiet SpiffWorkflow's loggers; with LOG_FORMAT=json, send every log record to stderr as a
    JSON line."""
    quiet_spiff()
    if app.config.get("LOG_FORMAT") != "json" or app.testing:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    app.logger.handlers[:] = []          # propagate to the root handler, once
    app.before_request(_started)
    app.after_request(_log_request)


def quiet_spiff():
    """SpiffWorkflow logs a line per task state change at INFO: keep its loggers at WARNING.

    Set on each logger itself, not only on "spiff": SpiffWorkflow tests its module logger's own
    level (`logger.level < 20`) before gathering the extras, and an unset level is 0. A level
    someone chose already (a debugging session) is left alone.
    """
    for name in SPIFF_LOGGERS:
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET:
            logger.setLevel(logging.WARNING)


def _started():
    g.parkops_started = time.perf_counter()


def _log_request(response):
    started = g.pop("parkops_started", None)
    ids = {k: v for k, v in (request.view_args or {}).items() if k in ID_FIELDS}
    log.info("%s %s %s", request.method, request.path, response.status_code, extra=dict(
        ids, method=request.method, path=request.path, status=response.status_code,
        duration_ms=round((time.perf_counter() - started) * 1000, 1) if started else None))
    return response
