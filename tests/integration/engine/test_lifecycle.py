"""Start, claim, complete and cancel: every step durable, every step a round-trip."""

import threading
from dataclasses import asdict
from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import (Engine, InvalidVariables, NotAllowed, NotFound, StaleInstance,
                    TaskConflict)
from engine.store import HumanTask, ProcessInstance
from engine.writers import TAKEN, Turn, lock_path

from .conftest import T0, TENANT, assert_round_trip, deploy, only_task


def start_claim(eng, amount=12_000, key="OCC-0042"):
    deploy(eng, "claim_review.bpmn")
    return eng.start("claim_review", key, {"amount": amount}, TENANT, actor="agent")


def test_start_runs_script_and_projects_the_user_task(eng, clock):
    """Starting runs the script and lists the user task with Camunda's attributes."""
    iid = start_claim(eng)
    task = only_task(eng, iid)
    assert task.name == "Review claim"
    assert task.candidate_groups == ["back-office"]
    assert task.priority == 70
    assert task.business_key == "OCC-0042"
    assert task.due_at == T0 + timedelta(days=2)
    assert [f["id"] for f in task.form["fields"]] == ["approved", "note"]
    assert eng.instance(iid).variables["fee"] == 1200
    assert_round_trip(eng, iid)


def test_a_start_runs_its_workflow_before_it_takes_the_write_lock(eng, clock, monkeypatch):
    """While a new instance's scripts and gateways run, other writers are not kept waiting:
    the write transaction begins when its rows are written."""
    deploy(eng, "claim_review.bpmn")
    path = lock_path(eng.db_engine.url.database)
    seen = []
    run_steps = Engine._run_steps

    def observed(engine, wf):
        other = Turn(path, timeout=0.01)
        seen.append(other.take())            # another writer's turn, while the steps run
        other.close()
        conn = eng.db_engine.raw_connection()     # ... and SQLite's own write lock is free
        try:
            conn.driver_connection.execute("PRAGMA busy_timeout=0")
            conn.driver_connection.execute("BEGIN IMMEDIATE")
            conn.driver_connection.execute("ROLLBACK")
        finally:
            conn.close()
        return run_steps(engine, wf)

    monkeypatch.setattr(Engine, "_run_steps", observed)
    iid = eng.start("claim_review", "OCC-7", {"amount": 10}, TENANT, actor="agent")
    assert seen == [TAKEN]
    assert only_task(eng, iid).name == "Review claim"
    assert_round_trip(eng, iid)


def test_start_form_is_validated_before_anything_is_written(eng, clock):
    """A start without the required amount is refused and leaves no instance behind."""
    deploy(eng, "claim_review.bpmn")
    with pytest.raises(InvalidVariables) as err:
        eng.start("claim_review", "OCC-1", {"amount": "lots"}, TENANT)
    assert err.value.errors == {"amount": "Enter a whole number."}
    assert eng.instances(TENANT) == []


def test_unknown_process_is_not_found(eng):
    """Starting a key that was never deployed names the key."""
    with pytest.raises(NotFound, match="no process 'nope'"):
        eng.start("nope", tenant=TENANT)


def test_complete_follows_the_gateway_and_ends_the_instance(eng, clock):
    """Approving takes the conditional flow, the instance completes, history tells the story."""
    iid = start_claim(eng)
    task = only_task(eng, iid)
    eng.complete(task.id, "agent", {"approved": "true", "note": "fine"}, roles=["back-office"])
    inst = eng.instance(iid)
    assert inst.status == "completed"
    assert inst.variables["approved"] is True
    kinds = [e.kind for e in eng.history(iid)]
    assert kinds == ["instance_started", "task_created", "task_completed", "instance_completed"]
    assert eng.task(task.id).completed_by == "agent"
    assert_round_trip(eng, iid)


def test_invalid_form_values_give_per_field_messages_and_change_nothing(eng, clock):
    """Bad form values are refused field by field; the task and instance are untouched."""
    iid = start_claim(eng)
    task = only_task(eng, iid)
    before = eng.instance(iid).version
    with pytest.raises(InvalidVariables) as err:
        eng.complete(task.id, "agent", {"approved": "perhaps", "note": "x" * 201})
    assert err.value.errors == {"approved": "Enter yes or no.",
                                "note": "Must be at most 200 characters."}
    assert eng.task(task.id).status == "open"
    assert eng.instance(iid).version == before


def test_instance_survives_a_restart_mid_process(eng, restart, clock):
    """A new Engine on the same database (a restarted server) continues the instance."""
    iid = start_claim(eng, amount=5_000)
    task_id = only_task(eng, iid).id
    fresh = restart()
    assert_round_trip(fresh, iid)
    fresh.complete(task_id, "agent", {"approved": False})
    assert restart().instance(iid).status == "completed"
    assert restart().instance(iid).variables["approved"] is False


def test_claim_moves_the_task_from_queue_to_inbox(eng, clock):
    """Claiming removes the task from the role queue and puts it in the claimer's inbox."""
    iid = start_claim(eng)
    task = only_task(eng, iid)
    assert [t.id for t in eng.open_tasks(TENANT, roles=["back-office"])] == [task.id]
    eng.claim(task.id, "agent", roles=["back-office"])
    assert eng.open_tasks(TENANT, roles=["back-office"]) == []
    assert [t.id for t in eng.inbox(TENANT, "agent")] == [task.id]
    eng.unclaim(task.id, "agent")
    assert [t.id for t in eng.open_tasks(TENANT, roles=["back-office"])] == [task.id]
    assert eng.inbox(TENANT, "agent") == []


def test_claim_by_someone_else_is_a_conflict(eng, clock):
    """A task claimed by one user cannot be claimed or completed by another."""
    task = only_task(eng, start_claim(eng))
    eng.claim(task.id, "agent")
    with pytest.raises(TaskConflict, match="already claimed by agent"):
        eng.claim(task.id, "other")
    with pytest.raises(TaskConflict, match="claimed by agent"):
        eng.complete(task.id, "other", {"approved": True})


def test_wrong_role_may_not_claim(eng, clock):
    """A user without the task's candidate group is refused."""
    task = only_task(eng, start_claim(eng))
    with pytest.raises(NotAllowed):
        eng.claim(task.id, "designer", roles=["designer"])


def test_assign_reassigns_and_back_to_queue(eng, clock):
    """A supervisor reassigns a task; assigning to nobody returns it to the queue."""
    task = only_task(eng, start_claim(eng))
    eng.claim(task.id, "agent")
    eng.assign(task.id, "bob", actor="supervisor")
    assert eng.task(task.id).assignee == "bob"
    eng.assign(task.id, None, actor="supervisor")
    assert [t.id for t in eng.open_tasks(TENANT, roles=["back-office"])] == [task.id]
    kinds = [e.kind for e in eng.history(task.instance_id)]
    assert kinds.count("task_assigned") == 2


def test_task_operations_answer_with_the_task_as_it_now_stands(eng, clock):
    """What claim, assign, unclaim and complete return is what a fresh read gives."""
    task = only_task(eng, start_claim(eng))

    def fresh():
        return asdict(eng.task(task.id))

    claimed = eng.claim(task.id, "agent", roles=["back-office"])
    assert claimed.assignee == "agent" and asdict(claimed) == fresh()
    assert asdict(eng.claim(task.id, "agent")) == fresh()        # already hers: unchanged
    assert asdict(eng.assign(task.id, "bob", actor="supervisor")) == fresh()
    returned = eng.unclaim(task.id, "bob")
    assert returned.assignee is None and asdict(returned) == fresh()
    clock.shift(timedelta(minutes=5))
    done = eng.complete(task.id, "agent", {"approved": True})
    assert (done.status, done.completed_by, done.completed_at) == ("completed", "agent",
                                                                    T0 + timedelta(minutes=5))
    assert asdict(done) == fresh()


def test_completing_twice_completes_once(eng, clock):
    """The second completion of a task is a conflict with a clear message."""
    task = only_task(eng, start_claim(eng))
    eng.complete(task.id, "agent", {"approved": True})
    with pytest.raises(TaskConflict, match="already completed"):
        eng.complete(task.id, "agent", {"approved": True})


def test_two_threads_completing_one_task_exactly_one_wins(eng, restart, clock):
    """Two users completing the same task at once: one succeeds, the other gets a conflict."""
    task = only_task(eng, start_claim(eng))
    engines = [restart(), restart()]
    barrier = threading.Barrier(2)
    outcomes = []

    def work(engine, user):
        barrier.wait()
        try:
            engine.complete(task.id, user, {"approved": True})
            outcomes.append("ok")
        except (TaskConflict, StaleInstance) as exc:
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=work, args=(e, u)) for e, u in zip(engines, "ab")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads)
    assert sorted(outcomes) in (["TaskConflict", "ok"], ["StaleInstance", "ok"])
    assert eng.instance(task.instance_id).status == "completed"
    assert [e.kind for e in eng.history(task.instance_id)].count("task_completed") == 1


def test_stale_write_is_refused_whole(eng, clock):
    """A write based on an old read of the instance raises StaleInstance and writes nothing."""
    iid = start_claim(eng)
    stale = eng.instance(iid)                      # read at version 1, then detached
    task = only_task(eng, iid)
    eng.complete(task.id, "agent", {"approved": True})   # someone else moves the instance on
    with pytest.raises(StaleInstance, match="changed by someone else"):
        with eng.transaction() as session:
            session.add(stale)
            stale.business_key = "OCC-STALE"
    assert eng.instance(iid).business_key == "OCC-0042"
    assert eng.instance(iid).status == "completed"


def test_cancel_closes_tasks_and_timers(eng, clock):
    """Cancelling an instance cancels its open tasks and drops its timers."""
    iid = start_claim(eng)
    task = only_task(eng, iid)
    eng.cancel(iid, "supervisor")
    assert eng.instance(iid).status == "cancelled"
    assert eng.task(task.id).status == "cancelled"
    with eng.reading() as session:
        from engine.store import PendingTimer
        assert session.scalars(select(PendingTimer)).all() == []
    with pytest.raises(TaskConflict):
        eng.complete(task.id, "agent", {"approved": True})


def test_other_tenant_sees_nothing(eng, clock):
    """Ids of another tenant's tasks behave as if they did not exist."""
    task = only_task(eng, start_claim(eng))
    with pytest.raises(NotFound):
        eng.claim(task.id, "agent", tenant="other")
    assert eng.task(task.id, tenant="other") is None
    assert eng.open_tasks("other", roles=["back-office"]) == []


def test_lanes_become_candidate_groups(eng, clock):
    """Tasks in a lane named 'Back Office' go to the role 'back-office'."""
    deploy(eng, "escalation.bpmn")
    iid = eng.start("escalation", "C-1", tenant=TENANT)
    clock.shift(timedelta(minutes=10))
    assert eng.fire_due_timers() == 1
    task = only_task(eng, iid)
    assert task.candidate_groups == ["back-office"]
    assert task.due_at == T0 + timedelta(minutes=10, days=1)


def test_tasks_are_stored_in_their_table(eng, clock):
    """The projection is a real table the basket can query without the engine."""
    iid = start_claim(eng)
    with eng.reading() as session:
        rows = session.scalars(select(HumanTask).where(HumanTask.instance_id == iid)).all()
    assert [r.status for r in rows] == ["open"]
