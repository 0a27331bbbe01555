"""Service jobs and timers run by real RQ workers on PostgreSQL + Redis, and survive their loss."""
import os
import signal
from datetime import timedelta

import time_machine
from sqlalchemy import func, select

from engine import clock
from engine import defaults as engine_defaults
from engine.store import AuditEvent, HumanTask, Job, PendingTimer
from tasks import defaults as task_defaults
from tasks.queue import depth

from .conftest import TENANT, wait_until


def open_tasks(cluster, name):
    with cluster.engine.reading() as s:
        return s.scalar(select(func.count()).select_from(HumanTask).where(
            HumanTask.name == name, HumanTask.status == "open"))


def audit_count(cluster, kind, instance_id=None):
    with cluster.engine.reading() as s:
        query = select(func.count()).select_from(AuditEvent).where(AuditEvent.kind == kind)
        if instance_id is not None:
            query = query.where(AuditEvent.instance_id == instance_id)
        return s.scalar(query)


def test_service_task_runs_on_a_worker_right_after_the_commit(cluster):
    """A service job is handed to RQ when its transaction commits; a worker completes it."""
    cluster.start_workers(1)
    iid = cluster.engine.start("cluster_service", "AB-123", {"mode": "quick"}, tenant=TENANT)
    wait_until(lambda: open_tasks(cluster, "Review the lookup") == 1, what="the review task")
    assert cluster.engine.instance(iid, TENANT).variables.get("owner") == "known"


def test_a_worker_killed_in_the_middle_of_a_job_costs_one_attempt_and_it_runs_again(
        cluster, tmp_path):
    """SIGKILL of the worker running a handler: the sweeper counts a lost attempt and another
    worker runs the job; the instance moves on once."""
    cluster.start_workers(2)
    cluster.start_scheduler()
    marker = tmp_path / "worker.pid"
    iid = cluster.engine.start("cluster_service", "AB-124",
                               {"mode": "hang_once", "marker": str(marker)}, tenant=TENANT)
    wait_until(marker.exists, what="the handler starting")
    os.kill(int(marker.read_text()), signal.SIGKILL)
    wait_until(lambda: open_tasks(cluster, "Review the lookup") == 1, timeout=30,
               what="the job running again on the other worker")
    with cluster.engine.reading() as s:
        job = s.scalars(select(Job).where(Job.instance_id == iid)).one()
    assert (job.status, job.attempts) == ("done", 2)
    assert "WorkerLost" in job.last_error
    assert audit_count(cluster, "service_completed", iid) == 1


def test_a_job_that_keeps_killing_its_worker_becomes_an_incident(cluster, monkeypatch):
    """A poison job loses a worker on each of its attempts, then waits as an incident."""
    # The sweeper (this process) counts the attempts: two keep the test short.
    monkeypatch.setattr(engine_defaults, "SERVICE_MAX_ATTEMPTS", 2)
    cluster.start_workers(2)
    cluster.start_scheduler()
    iid = cluster.engine.start("cluster_service", "AB-125", {"mode": "kill"}, tenant=TENANT)
    wait_until(lambda: cluster.engine.incidents(TENANT), timeout=40, what="an incident")
    with cluster.engine.reading() as s:
        job = s.scalars(select(Job).where(Job.instance_id == iid)).one()
    assert (job.status, job.attempts) == ("failed", 2)
    assert open_tasks(cluster, "Review the lookup") == 0


def start_due_timers(cluster, count):
    """`count` instances whose one-minute timer is already due (started two minutes ago)."""
    with time_machine.travel(clock.now() - timedelta(minutes=2), tick=True):
        return [cluster.engine.start("cluster_timer", f"T-{n}", tenant=TENANT)
                for n in range(count)]


def test_flushall_with_1000_pending_timers_still_fires_each_once(cluster, tmp_path):
    """Timers handed to Redis, then FLUSHALL before any worker ran: the sweeper finds the
    lost hand-offs, and every timer fires exactly once."""
    cluster.pool.stop()                       # nobody may take the hand-offs before the flush
    go = tmp_path / "go"
    cluster.pool.ensure(2, gate=go)           # they start up meanwhile, then wait for `go`
    ids = start_due_timers(cluster, 1000)
    cluster.start_scheduler()
    queued = "SELECT count(*) FROM engine_dispatch WHERE state = 'queued'"
    wait_until(lambda: cluster.sql(queued)[0][0] == 1000, what="1000 timers handed over")
    wait_until(lambda: depth(cluster.redis) == 1000 // task_defaults.TIMER_HANDOFF,
               what="their RQ jobs queued")
    cluster.redis.flushall()
    go.touch()
    wait_until(lambda: open_tasks(cluster, "Check the bay") == 1000, timeout=90,
               what="all 1000 timers firing")
    with cluster.engine.reading() as s:
        assert s.scalar(select(func.count()).select_from(PendingTimer)) == 0
        fired = dict(s.execute(select(AuditEvent.instance_id, func.count())
                               .where(AuditEvent.kind == "timer_fired")
                               .group_by(AuditEvent.instance_id)).all())
    assert fired == {iid: 1 for iid in ids}
    assert depth(cluster.redis) == 0
