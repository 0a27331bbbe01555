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


def test_concurrent_claims_of_one_task_tell_the_losers_who_won(cluster):
    """Eight users claiming the same task at the same moment: the task row is read locked,
    so each claim waits for the one before it and then sees its assignee: one wins, the
    other seven are told who has the task (not "changed meanwhile, reload")."""
    [iid] = start_due_timers(cluster, 1)
    fire_instance(cluster.engine, iid)
    [task] = cluster.engine.open_tasks(TENANT)
    barrier = threading.Barrier(8)

    def claim(n):
        barrier.wait()
        try:
            return cluster.engine.claim(task.id, f"user{n}").assignee
        except TaskConflict as exc:
            return str(exc)

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(claim, range(8)))
    winner = cluster.engine.task(task.id).assignee
    assert outcomes.count(winner) == 1
    assert sorted(outcomes) == sorted([winner] + [f"already claimed by {winner}"] * 7)
    with cluster.engine.reading() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.kind == "task_claimed", AuditEvent.task_id == task.id)) == 1


def test_a_completion_waits_for_a_writer_holding_its_instance(cluster):
    """While another transaction holds the instance row, a completion of its task waits for
    it (PostgreSQL shows it waiting on the lock) instead of failing, then completes once."""
    [iid] = start_due_timers(cluster, 1)
    fire_instance(cluster.engine, iid)
    [task] = cluster.engine.open_tasks(TENANT)
    # (pg_stat_activity keeps the first 1 kB of a statement: the lock clause is past it)
    waiting = ("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
               "AND wait_event_type = 'Lock' AND query LIKE 'SELECT engine_human_task.id, %'")
    with ThreadPoolExecutor(1) as pool, psycopg.connect(cluster.pg.admin_url("parkops")) as holder:
        holder.execute("SELECT id FROM engine_instance WHERE id = %s FOR UPDATE", (iid,))
        completing = pool.submit(cluster.engine.complete, task.id, "agent")
        try:
            wait_until(lambda: cluster.sql(waiting)[0][0] == 1, what="the completion waiting")
            assert not completing.done()
        finally:
            holder.rollback()           # (the completion cannot end before: it waits on it)
        done = completing.result(timeout=30)
    assert (done.status, done.completed_by) == ("completed", "agent")
    assert cluster.engine.instance(iid, TENANT).status == "completed"
    with cluster.engine.reading() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.kind == "task_completed", AuditEvent.instance_id == iid)) == 1


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


def fire_hand_off(cluster, ids):
    """Claim the due timers of `ids` as one hand-off and run its RQ job in this process."""
    from tasks import context, jobs

    claimed = claims.claim_due_timers(cluster.engine, 60, limit=len(ids), batch=len(ids))
    assert sorted(ref for ref, _ in claimed) == sorted(ids)
    context.use(cluster.engine)
    jobs.fire_timers([ref for ref, _ in claimed], claimed[0][1])


def timers_fired(cluster):
    with cluster.engine.reading() as s:
        return dict(s.execute(select(AuditEvent.instance_id, func.count())
                              .where(AuditEvent.kind == "timer_fired")
                              .group_by(AuditEvent.instance_id)).all())


def test_a_locked_instance_in_a_hand_off_holds_back_only_its_own_timer(cluster):
    """One transaction fires the hand-off's timers; the instance another transaction holds
    keeps its timer due, and it fires once in a later hand-off."""
    ids = start_due_timers(cluster, 3)
    with psycopg.connect(cluster.pg.admin_url("parkops")) as holder:
        holder.execute("SELECT id FROM engine_instance WHERE id = %s FOR UPDATE", (ids[1],))
        fire_hand_off(cluster, ids)
        assert timers_fired(cluster) == {ids[0]: 1, ids[2]: 1}
        assert cluster.sql("SELECT count(*) FROM engine_dispatch")[0][0] == 0
        holder.rollback()
    fire_hand_off(cluster, [ids[1]])
    assert timers_fired(cluster) == {iid: 1 for iid in ids}


def test_a_broken_instance_in_a_hand_off_holds_back_only_its_own_timer(cluster):
    """The batch fails on an instance whose state cannot be restored: nothing of it stays
    written, the others then fire one transaction each, the broken one stays due."""
    ids = start_due_timers(cluster, 3)
    cluster.sql("UPDATE engine_instance SET state = '{}', version = version + 1 WHERE id = :i",
                i=ids[1])
    fire_hand_off(cluster, ids)
    assert timers_fired(cluster) == {ids[0]: 1, ids[2]: 1}
    assert cluster.sql("SELECT count(*) FROM engine_timer WHERE instance_id = :i",
                       i=ids[1])[0][0] == 1
    assert cluster.sql("SELECT count(*) FROM engine_dispatch")[0][0] == 0


def test_a_write_refused_inside_a_hand_off_holds_back_only_its_own_timer(cluster):
    """The database refuses one instance's write while the batch's writes are pipelined:
    the batch rolls back, the others fire one transaction each, that one stays due."""
    ids = start_due_timers(cluster, 3)
    cluster.sql(f"""CREATE FUNCTION refuse_timer_delete() RETURNS trigger LANGUAGE plpgsql AS
                    $$ BEGIN IF OLD.instance_id = {ids[1]} THEN RAISE 'refused'; END IF;
                    RETURN OLD; END $$""")
    cluster.sql("CREATE TRIGGER refuse BEFORE DELETE ON engine_timer FOR EACH ROW "
                "EXECUTE FUNCTION refuse_timer_delete()")
    try:
        fire_hand_off(cluster, ids)
    finally:
        cluster.sql("DROP TRIGGER refuse ON engine_timer")
        cluster.sql("DROP FUNCTION refuse_timer_delete()")
    assert timers_fired(cluster) == {ids[0]: 1, ids[2]: 1}
    assert cluster.sql("SELECT count(*) FROM engine_dispatch")[0][0] == 0
    fire_hand_off(cluster, [ids[1]])
    assert timers_fired(cluster) == {iid: 1 for iid in ids}
