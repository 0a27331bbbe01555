"""Claims on PostgreSQL: nothing handed over twice, nothing lost when Redis or a lock is in
the way, and concurrent completions that never half-apply."""
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import psycopg
import time_machine
from sqlalchemy import func, select

from engine import StaleInstance, TaskConflict, claims, clock
from engine.jobs import fire_instance
from engine.store import AuditEvent, Job
from tasks.localcluster import free_port

from .conftest import TENANT, wait_until


def start_due_timers(cluster, count):
    with time_machine.travel(clock.now() - timedelta(minutes=2), tick=True):
        return [cluster.engine.start("cluster_timer", f"T-{n}", tenant=TENANT)
                for n in range(count)]


def test_schedulers_claiming_at_once_never_take_the_same_timer(cluster):
    """Four schedulers claiming together split the due timers: each one exactly once."""
    ids = start_due_timers(cluster, 200)
    barrier = threading.Barrier(4)

    def claim():
        barrier.wait()
        return claims.claim_due_timers(cluster.engine, 60, limit=80, batch=10)

    with ThreadPoolExecutor(4) as pool:
        taken = [ref for got in pool.map(lambda _: claim(), range(4)) for ref, _ in got]
    more = [ref for ref, _ in claims.claim_due_timers(cluster.engine, 60, limit=500)]
    assert sorted(taken + more) == sorted(ids)
    assert claims.claim_due_timers(cluster.engine, 60, limit=500) == []
    cluster.sql("DELETE FROM engine_dispatch")


def test_concurrent_completions_of_one_task_complete_it_once(cluster):
    """Eight users completing the same task at the same moment: one wins, the rest get a
    conflict, the instance moves on once."""
    iid = cluster.engine.start("cluster_service", "C-1", {"mode": "quick"}, tenant=TENANT)
    cluster.start_workers(1)
    wait_until(lambda: cluster.engine.open_tasks(TENANT), what="the review task")
    task_id = cluster.engine.open_tasks(TENANT)[0].id
    barrier = threading.Barrier(8)

    def complete(n):
        barrier.wait()
        try:
            cluster.engine.complete(task_id, f"user{n}")
            return "done"
        except (TaskConflict, StaleInstance):
            return "conflict"

    with ThreadPoolExecutor(8) as pool:
        outcomes = sorted(pool.map(complete, range(8)))
    assert outcomes == ["conflict"] * 7 + ["done"]
    assert cluster.engine.instance(iid, TENANT).status == "completed"
    with cluster.engine.reading() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.kind == "task_completed", AuditEvent.instance_id == iid)) == 1


def test_concurrent_completions_of_many_tasks_all_succeed(cluster):
    """Different tasks completed in parallel on PostgreSQL all land, none lost."""
    ids = start_due_timers(cluster, 40)
    for iid in ids:
        fire_instance(cluster.engine, iid)
    tasks = [t.id for t in cluster.engine.open_tasks(TENANT, limit=100)]
    assert len(tasks) == 40
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda tid: cluster.engine.complete(tid, "agent"), tasks))
    assert {cluster.engine.instance(i, TENANT).status for i in ids} == {"completed"}


def test_an_enqueue_that_fails_after_the_commit_is_delivered_by_the_relay(cluster):
    """The web process cannot reach Redis: the start commits, its job waits in the outbox,
    and the scheduler's relay hands it to a worker."""
    web = cluster.make_app(redis_url=f"redis://127.0.0.1:{free_port()}/0")
    engine = web.extensions["parkops"]
    iid = engine.start("cluster_service", "E-1", {"mode": "quick"}, tenant=TENANT)
    with engine.reading() as s:
        job = s.scalars(select(Job).where(Job.instance_id == iid)).one()
    assert job.status == "pending"
    assert cluster.sql("SELECT count(*) FROM engine_dispatch")[0][0] == 0
    cluster.start_workers(1)
    cluster.start_scheduler()
    wait_until(lambda: cluster.engine.open_tasks(TENANT), what="the relayed job running")
    engine.db_engine.dispose()


def test_a_timer_whose_instance_is_locked_is_retried_not_lost(cluster):
    """While another transaction holds the instance row the timer waits; once it is free
    the timer fires, once."""
    [iid] = start_due_timers(cluster, 1)
    cluster.start_workers(1)
    with psycopg.connect(cluster.pg.admin_url("parkops")) as holder:
        holder.execute("SELECT id FROM engine_instance WHERE id = %s FOR UPDATE", (iid,))
        cluster.start_scheduler()
        attempts = "SELECT count(*) FROM engine_dispatch"
        wait_until(lambda: cluster.sql(attempts)[0][0] == 1, what="the timer handed over")
        wait_until(lambda: cluster.sql(attempts)[0][0] == 0, what="the worker giving way")
        assert cluster.sql("SELECT count(*) FROM engine_timer WHERE instance_id = :i",
                           i=iid)[0][0] == 1
        holder.rollback()
    wait_until(lambda: cluster.engine.open_tasks(TENANT), what="the timer firing")
    with cluster.engine.reading() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.kind == "timer_fired", AuditEvent.instance_id == iid)) == 1
