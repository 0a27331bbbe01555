"""Choosing the deployment by environment: DATABASE_URL, REDIS_URL, log format."""
import json
import logging

import pytest

from webapp.config import database_url, environment_overrides
from webapp.extensions import db
from webapp.observability.logs import JsonFormatter


@pytest.mark.parametrize("given, used", [
    ("postgresql://u:p@db/parkops", "postgresql+psycopg://u:p@db/parkops"),
    ("postgres://u@db/parkops", "postgresql+psycopg://u@db/parkops"),
    ("postgresql+psycopg://u@db/x", "postgresql+psycopg://u@db/x"),
    ("sqlite:////var/parkops.db", "sqlite:////var/parkops.db"),
])
def test_database_url_uses_psycopg3_for_plain_postgresql_urls(given, used):
    """A plain PostgreSQL URL runs on the installed driver (psycopg 3), others as given."""
    assert database_url(given) == used


def test_redis_url_and_log_format_come_from_the_environment():
    """REDIS_URL and PARKOPS_LOG_FORMAT are read like every other setting."""
    settings = environment_overrides({"REDIS_URL": "redis://r:6379/0",
                                      "PARKOPS_LOG_FORMAT": "json",
                                      "DATABASE_URL": "postgresql://h/d"})
    assert settings == {"REDIS_URL": "redis://r:6379/0", "LOG_FORMAT": "json",
                        "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://h/d"}


def test_with_redis_url_no_embedded_runner_starts_and_jobs_go_to_the_relay(make_app):
    """REDIS_URL set: the first request starts no runner thread; commits hand jobs to RQ."""
    app = make_app(TESTING=False, EMBEDDED_RUNNER=True, REDIS_URL="redis://127.0.0.1:1/0")
    with app.app_context():
        db.create_all()
    app.test_client().get("/auth/login")
    assert "parkops.runner" not in app.extensions
    assert app.extensions["parkops"].on_outbox is not None


def test_json_log_lines_carry_instance_and_task_ids():
    """A record logged with ids becomes one JSON object holding them."""
    record = logging.LogRecord("tasks.jobs", logging.INFO, __file__, 1, "timer %s done", (7,),
                               None)
    record.instance_id, record.task_id = 7, "a-b"
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "timer 7 done"
    assert (line["instance_id"], line["task_id"], line["level"]) == (7, "a-b", "INFO")
