"""Production-deployment benchmark: PostgreSQL + Redis + real RQ worker processes.

Run `python -m bench.scale` (or `make bench-scale`). It starts its own PostgreSQL and Redis in
a temporary folder (Debian binaries, loopback ports) and prints:

1. lifecycles/s with 1 and with 2 RQ workers (a lifecycle: an instance through two service
   tasks, each a job handed over by the scheduler and run by a worker), and their ratio;
2. how long 10,000 timers due at the same moment take to fire (target <= 30 s);
3. the p99 lag between due time and firing under a steady 100 timers/min (target <= 2 s),
   over a window of --steady-seconds (default 60 s: 100 timers, shorter than an hour).

The 10,000 instances of part 2 are cloned in SQL from one started instance (same state,
same due time) so the set-up takes seconds instead of minutes; firing them is the real path.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import time_machine
from rq import Worker
from sqlalchemy import text

from engine import Base, clock
from engine.db import make_db_engine
from tasks.localcluster import Postgres, Redis, free_port, missing_binaries
from tasks.queue import connect
from tasks.scheduler import Scheduler
from webapp import create_app
from webapp.config import TestConfig

from .worker import bench_lookup

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parents[1]
TENANT = "bench"
TARGET_DRAIN_S, TARGET_P99_S = 30.0, 2.0


class Bench:
    def __init__(self, pg, redis):
        self.pg, self.redis_server = pg, redis
        self.app = create_app(type("BenchConfig", (TestConfig,), {
            "SQLALCHEMY_DATABASE_URI": pg.url, "REDIS_URL": redis.url}))
        self.engine = self.app.extensions["parkops"]
        self.engine.services.add("bench_lookup", bench_lookup)
        self.redis = connect(redis.url)
        for name in ("scale_service.bpmn", "scale_timer.bpmn"):
            self.engine.deploy((DATA / name).read_bytes(), name, TENANT)
        self.workers = []
        self.scheduler = None

    def sql(self, statement, **params):
        with self.engine.db_engine.begin() as conn:
            result = conn.execute(text(statement), params)
            return result.all() if result.returns_rows else None

    def start_workers(self, count):
        env = dict(os.environ, DATABASE_URL=self.pg.url, REDIS_URL=self.redis_server.url)
        self.workers = [subprocess.Popen([sys.executable, "-m", "bench.worker"], cwd=ROOT,
                                         env=env) for _ in range(count)]
        deadline = time.monotonic() + 120
        while Worker.count(connection=self.redis) < count and time.monotonic() < deadline:
            time.sleep(0.1)

    def stop_workers(self):
        for worker in self.workers:
            worker.terminate()
        for worker in self.workers:
            worker.wait(30)
        self.workers = []
        while Worker.count(connection=self.redis):
            time.sleep(0.1)

    def start_scheduler(self):
        self.scheduler = Scheduler(self.engine, self.redis)
        threading.Thread(target=self.scheduler.run, daemon=True).start()

    def stop_scheduler(self):
        if self.scheduler:
            self.scheduler.stop()
            self.scheduler = None

    def wait_for(self, statement, expected, timeout=600, **params):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.sql(statement, **params)[0][0] == expected:
                return True
            time.sleep(0.05)
        return False


def lifecycles_per_s(bench, workers, count):
    """Instances through two service tasks per second, with `workers` RQ workers."""
    hook, bench.engine.on_outbox = bench.engine.on_outbox, None
    first = bench.sql("SELECT coalesce(max(id), 0) FROM engine_instance")[0][0]
    for n in range(count):
        bench.engine.start("scale_service", f"L-{workers}-{n}", tenant=TENANT)
    bench.engine.on_outbox = hook
    bench.start_workers(workers)
    started = time.perf_counter()
    bench.start_scheduler()
    bench.wait_for("SELECT count(*) FROM engine_instance WHERE id > :first "
                   "AND status = 'running'", 0, first=first)
    elapsed = time.perf_counter() - started
    bench.stop_scheduler()
    bench.stop_workers()
    return count / elapsed


def simultaneous_timers(bench, count):
    """Seconds from the common due time until `count` timers have all fired (2 workers)."""
    due = clock.now() + timedelta(seconds=15)
    with time_machine.travel(due - timedelta(seconds=2), tick=False):
        template = bench.engine.start("scale_timer", "T-template", tenant=TENANT)
    bench.sql("""INSERT INTO engine_instance (tenant, definition_id, process_key, business_key,
                     status, state, variables, projection, version, started_at, started_by)
                 SELECT tenant, definition_id, process_key, 'T-' || n, status, state, variables,
                        projection, version, started_at, started_by
                 FROM engine_instance, generate_series(2, :count) AS n WHERE id = :id""",
              count=count, id=template)
    bench.sql("""INSERT INTO engine_timer (instance_id, tenant, task_id, name, due_at)
                 SELECT i.id, t.tenant, t.task_id, t.name, t.due_at
                 FROM engine_instance i JOIN engine_timer t ON t.instance_id = :id
                 WHERE i.process_key = 'scale_timer' AND i.id <> :id""", id=template)
    bench.start_workers(2)
    bench.start_scheduler()
    while clock.now() < due:
        time.sleep(0.01)
    started = time.perf_counter()
    bench.wait_for("SELECT count(*) FROM engine_timer", 0)
    elapsed = time.perf_counter() - started
    bench.stop_scheduler()
    bench.stop_workers()
    return elapsed


def steady_lag(bench, per_minute, seconds):
    """p50/p99/max lag (s) between due time and firing, timers arriving at `per_minute`."""
    first = bench.sql("SELECT coalesce(max(id), 0) FROM engine_instance")[0][0]
    bench.start_workers(2)
    bench.start_scheduler()
    every, ends = 60.0 / per_minute, time.monotonic() + seconds
    n = 0
    while time.monotonic() < ends:
        bench.engine.start("scale_timer", f"S-{n}", tenant=TENANT)
        n += 1
        time.sleep(every)
    bench.wait_for("SELECT count(*) FROM engine_timer WHERE instance_id > :first", 0,
                   first=first)
    rows = bench.sql("SELECT at, payload FROM engine_audit_event WHERE kind = 'timer_fired' "
                     "AND instance_id > :first", first=first)
    bench.stop_scheduler()
    bench.stop_workers()
    lags = sorted((_utc(at) - datetime.fromisoformat(p["due_at"])).total_seconds()
                  for at, p in rows)
    return n, lags


def _utc(moment):
    from datetime import timezone
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def _percentile(values, q):
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def main():
    parser = argparse.ArgumentParser(description="ParkOps production-deployment benchmark")
    parser.add_argument("--lifecycles", type=int, default=300)
    parser.add_argument("--timers", type=int, default=10_000)
    parser.add_argument("--steady-seconds", type=float, default=60.0)
    parser.add_argument("--rate", type=float, default=100.0, help="timers per minute")
    args = parser.parse_args()
    if missing_binaries():
        sys.exit(f"needs {', '.join(missing_binaries())}: apt-get install postgresql redis-server")
    root = tempfile.mkdtemp(prefix="parkops-scale-")
    pg, redis = Postgres(root, free_port()), Redis(root, free_port())
    try:
        pg.start()
        redis.start()
        import webapp  # noqa: F401
        db_engine = make_db_engine(pg.url)
        Base.metadata.create_all(db_engine)
        db_engine.dispose()
        bench = Bench(pg, redis)
        Base.metadata.create_all(bench.engine.db_engine)
        print(f"PostgreSQL {pg.url} (fsync on), Redis {redis.url}, {os.cpu_count()} CPUs")
        one = lifecycles_per_s(bench, 1, args.lifecycles)
        print(f"lifecycles/s, 1 RQ worker : {one:7.1f}  ({args.lifecycles} lifecycles, "
              "2 service jobs each)")
        two = lifecycles_per_s(bench, 2, args.lifecycles)
        print(f"lifecycles/s, 2 RQ workers: {two:7.1f}  (ratio 2/1 = {two / one:.2f})")
        drained = simultaneous_timers(bench, args.timers)
        verdict = "met" if drained <= TARGET_DRAIN_S else "NOT met"
        print(f"{args.timers} timers due at once: all fired in {drained:.1f} s with 2 workers "
              f"({args.timers / drained:.0f}/s; target <= {TARGET_DRAIN_S:.0f} s: {verdict})")
        count, lags = steady_lag(bench, args.rate, args.steady_seconds)
        p99 = _percentile(lags, 0.99)
        verdict = "met" if p99 <= TARGET_P99_S else "NOT met"
        print(f"steady {args.rate:.0f} timers/min for {args.steady_seconds:.0f} s ({count} "
              f"timers): lag p50 {statistics.median(lags):.2f} s, p99 {p99:.2f} s, max "
              f"{lags[-1]:.2f} s (target p99 <= {TARGET_P99_S:.0f} s: {verdict})")
    finally:
        redis.stop()
        pg.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
