"""What operators rely on: migrations on PostgreSQL, /healthz, /metrics, the scheduler command."""
import os
import subprocess
import sys

import psycopg

from tasks.localcluster import free_port

from .conftest import ROOT, TENANT, wait_until

FLASK = [sys.executable, "-m", "flask", "--app", "wsgi"]


def test_db_upgrade_builds_the_schema_on_postgresql(servers):
    """`flask --app wsgi db upgrade` creates the tables on an empty PostgreSQL database."""
    pg, _ = servers
    with psycopg.connect(pg.admin_url(), autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS migrated")
        conn.execute("CREATE DATABASE migrated")
    env = dict(os.environ, DATABASE_URL=pg.admin_url("migrated"))
    done = subprocess.run([*FLASK, "db", "upgrade"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    with psycopg.connect(pg.admin_url("migrated")) as conn:
        tables = {r[0] for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert {"alembic_version", "engine_instance", "engine_job", "engine_timer"} <= tables


def test_healthz_answers_ok_when_database_and_redis_answer(cluster):
    """Both reachable: 200 and each check "ok"."""
    response = cluster.app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.json["checks"] == {"database": "ok", "redis": "ok"}


def test_healthz_answers_503_naming_redis_when_it_is_unreachable(cluster):
    """Redis down: 503, and the body says which component failed."""
    app = cluster.make_app(redis_url=f"redis://127.0.0.1:{free_port()}/0")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["checks"]["database"] == "ok"
    assert response.json["checks"]["redis"].startswith("error")
    app.extensions["parkops"].db_engine.dispose()


def test_metrics_show_open_tasks_per_role_queue_depth_timer_lag_and_incidents(cluster):
    """Prometheus text with the operator's gauges, without logging in."""
    cluster.engine.start("cluster_service", "X-1", {"mode": "quick"}, tenant=TENANT)
    body = cluster.app.test_client().get("/metrics").get_data(as_text=True)
    for name in ('parkops_queue_depth{queue="parkops"}', "parkops_open_tasks",
                 "parkops_overdue_tasks", "parkops_timer_lag_seconds", "parkops_due_timers",
                 "parkops_open_incidents", "parkops_due_jobs"):
        assert name in body
    cluster.start_workers(1)
    wait_until(lambda: cluster.engine.open_tasks(TENANT), what="the job running")
    body = cluster.app.test_client().get("/metrics").get_data(as_text=True)
    assert 'parkops_open_tasks{role="back-office",tenant="t1"} 1.0' in body


def test_scheduler_command_refuses_to_start_without_redis(tmp_path):
    """`flask scheduler` with no REDIS_URL says why instead of idling."""
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'x.db'}"
    done = subprocess.run([*FLASK, "scheduler"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode != 0
    assert "REDIS_URL" in done.stderr
