"""Real PostgreSQL and Redis servers for the production-deployment tests.

The servers start once per session (initdb into a temporary folder, loopback ports) and each
test gets empty tables, an empty Redis, the app on both, and helpers to run the scheduler
and real RQ worker processes. Without the binaries the tests are skipped, except in CI,
where `.ci/run` installs them and a missing one is a failure.
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from engine import Base
from engine.db import make_db_engine
from tasks import defaults as task_defaults
from tasks.localcluster import Postgres, Redis, free_port, missing_binaries
from tasks.queue import connect
from tasks.scheduler import Scheduler
from tests.cluster import handlers
from tests.cluster.invariants import inconsistencies
from webapp import create_app
from webapp.config import TestConfig

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parents[2]
TENANT = "t1"
# Short leases so a killed worker's job is found within a couple of seconds.
WORKER_ENV = {"PARKOPS_RUNNING_LEASE_S": "1.5", "PARKOPS_RENEW_EVERY_S": "0.3"}
FAST = {"RUNNING_LEASE_S": 1.5, "RENEW_EVERY_S": 0.3, "SWEEP_EVERY_S": 0.3,
        "LOST_AFTER_S": 0.5, "SCHEDULER_POLL_S": 0.05}


@pytest.fixture(scope="session")
def servers():
    """(Postgres, Redis) running for the whole session, the schema created once."""
    missing = missing_binaries()
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"CI must provide {', '.join(missing)} (.ci/run installs them)")
        pytest.skip(f"needs {', '.join(missing)}: apt-get install postgresql redis-server")
    root = tempfile.mkdtemp(prefix="parkops-cluster-")
    pg, redis = Postgres(root, free_port(), fast=True), Redis(root, free_port())
    try:
        pg.start()
        redis.start()
        import webapp  # noqa: F401  (every model on the metadata)

        db_engine = make_db_engine(pg.url)
        Base.metadata.create_all(db_engine)
        db_engine.dispose()
        yield pg, redis
    finally:
        redis.stop()
        pg.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def fast_tunables(monkeypatch):
    """The scheduler and sweeper of this process on short leases and polls."""
    for name, value in FAST.items():
        monkeypatch.setattr(task_defaults, name, value)


class WorkerPool:
    """RQ worker processes kept across tests (one takes seconds to start); dead ones replaced."""

    def __init__(self, pg, redis):
        self.ready = Path(tempfile.mkdtemp(prefix="parkops-workers-"))
        self.env = dict(os.environ, DATABASE_URL=pg.url, REDIS_URL=redis.url,
                        WORKER_READY_DIR=str(self.ready), **WORKER_ENV)
        self.workers = []

    def ensure(self, count, gate=None):
        """At least `count` live worker processes, each ready to take work.

        With `gate` (a path) new workers are only launched: they start up meanwhile and take
        no job before the test creates that file.
        """
        self.workers = [w for w in self.workers if w.poll() is None]
        env = self.env if gate is None else dict(self.env, WORKER_GATE=str(gate))
        new = [subprocess.Popen([sys.executable, "-m", "tests.cluster.worker"], cwd=ROOT,
                                env=env, stderr=subprocess.DEVNULL)
               for _ in range(count - len(self.workers))]
        self.workers += new
        if gate is None:
            wait_until(lambda: all((self.ready / f"{w.pid}.ready").exists() for w in new),
                       timeout=120, what="the worker processes starting")
        return self.workers

    def stop(self):
        for worker in self.workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
        for worker in self.workers:
            try:
                worker.wait(10)
            except subprocess.TimeoutExpired:
                worker.kill()
        self.workers = []


@pytest.fixture(scope="session")
def worker_pool(servers):
    """Worker processes on the session's servers, stopped at the end of the session."""
    pool = WorkerPool(*servers)
    yield pool
    pool.stop()
    shutil.rmtree(pool.ready, ignore_errors=True)


class Cluster:
    """The app on PostgreSQL + Redis, with the scheduler and RQ workers a test starts."""

    def __init__(self, pg, redis, pool):
        self.pg, self.redis_server, self.pool = pg, redis, pool
        self.app = self.make_app()
        self.engine = self.app.extensions["parkops"]
        self.redis = connect(redis.url)
        self._scheduler = None
        for name in ("cluster_timer.bpmn", "cluster_service.bpmn"):
            self.engine.deploy((DATA / name).read_bytes(), name, TENANT)

    def make_app(self, redis_url=None):
        app = create_app(type("ClusterConfig", (TestConfig,), {
            "SQLALCHEMY_DATABASE_URI": self.pg.url,
            "REDIS_URL": redis_url or self.redis_server.url}))
        handlers.register(app.extensions["parkops"].services)
        return app

    def start_workers(self, count=1):
        """Have `count` RQ worker processes working the queue (kept for later tests)."""
        return self.pool.ensure(count)

    def start_scheduler(self):
        """Run the scheduler loop in a thread of this process (stopped at teardown)."""
        scheduler = Scheduler(self.engine, self.redis, poll_s=task_defaults.SCHEDULER_POLL_S,
                              sweep_every_s=task_defaults.SWEEP_EVERY_S)
        thread = threading.Thread(target=scheduler.run, daemon=True)
        thread.start()
        self._scheduler = (scheduler, thread)
        return scheduler

    def stop(self):
        """Stop the scheduler and let the workers finish what they hold."""
        if self._scheduler:
            self._scheduler[0].stop()
            self._scheduler[1].join(10)
            self._scheduler = None
        held = lambda: not self.sql("SELECT 1 FROM engine_dispatch WHERE state = 'running'")
        wait_until(held, timeout=10, what="the workers releasing their claims")

    def sql(self, statement, **params):
        with self.engine.db_engine.begin() as conn:
            result = conn.execute(text(statement), params)
            return result.all() if result.returns_rows else result.rowcount


@pytest.fixture
def cluster(servers, worker_pool, fast_tunables):
    """Empty tables and Redis, the app on them; after the test: everything stopped and the
    database checked consistent."""
    pg, redis = servers
    db_engine = make_db_engine(pg.url)
    Base.metadata.create_all(db_engine)     # models imported since (blueprints) get theirs
    with db_engine.begin() as conn:
        tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        conn.execute(text(f"TRUNCATE {tables} CASCADE"))
    db_engine.dispose()
    # Ids keep counting across tests: long-lived workers cache specs and workflows by id.
    connect(redis.url).flushall()
    made = Cluster(pg, redis, worker_pool)
    try:
        yield made
        made.stop()
        assert inconsistencies(made.engine) == []
    finally:
        made.stop()
        made.engine.db_engine.dispose()


def wait_until(predicate, timeout=20.0, every=0.05, what="the condition"):
    """Poll `predicate` until it is true; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(every)
    pytest.fail(f"{what} did not happen within {timeout}s")
