"""How instances are saved: the workflow cache, the projection fingerprint, the outbox of messages.

The engine keeps restored workflows in memory between operations and diffs projections against
a fingerprint on the instance row; neither may ever make the database and the engine disagree.
"""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from engine import projection
from engine.serializer import dump_state
from engine.store import Job, MessageSubscription, PendingTimer, ProcessInstance

from .conftest import T0, TENANT, assert_round_trip, deploy, only_task

INCIDENT_KEYS = {"Record incident report", "Secure incident scene"}


def open_by_name(engine, iid):
    """Open task rows of an instance by name."""
    return {t.name: t for t in engine.instance_tasks(iid) if t.status == "open"}


def cached_state(engine, iid):
    """(version, serialized workflow) the engine holds in its cache for `iid`, or None."""
    entry = engine.workflows._entries.get(iid)
    return None if entry is None else (entry[0], dump_state(entry[1]))


def stored(engine, iid):
    """(version, state, projection) of the instance row."""
    with engine.reading() as session:
        row = session.get(ProcessInstance, iid)
        return row.version, row.state, row.projection


def waits(engine, iid):
    """Timer task ids, message names and pending service jobs of an instance, from the tables."""
    with engine.reading() as session:
        timers = sorted(session.scalars(select(PendingTimer.task_id).where(
            PendingTimer.instance_id == iid)))
        messages = sorted(session.scalars(select(MessageSubscription.message).where(
            MessageSubscription.instance_id == iid)))
        jobs = sorted(session.scalars(select(Job.task_id).where(
            Job.instance_id == iid, Job.kind == "service", Job.status == "pending")))
    return {"timers": timers, "messages": messages, "jobs": jobs}


def start_incident(engine, services):
    """An incident_response instance: two tasks, a timer, a message and a service job open."""
    services.add("notify_insurer", lambda call: {})
    deploy(engine, "incident_response.bpmn")
    return engine.start("incident_response", "INC-7", tenant=TENANT)


def test_cached_workflow_is_exactly_what_was_saved(eng, services, clock):
    """After every operation the cached workflow serializes to the stored state, same version."""
    iid = start_incident(eng, services)
    assert cached_state(eng, iid) == stored(eng, iid)[:2]
    eng.complete(open_by_name(eng, iid)["Record incident report"].id, "clerk")
    assert cached_state(eng, iid) == stored(eng, iid)[:2]
    assert eng.run_due_jobs() == 1
    assert cached_state(eng, iid) == stored(eng, iid)[:2]
    assert_round_trip(eng, iid)


def test_cache_never_serves_a_version_another_engine_wrote(eng, restart, services, clock):
    """Engine A's cached workflow is dropped once engine B moved the instance on."""
    iid = start_incident(eng, services)
    other = restart()
    other.complete(open_by_name(other, iid)["Record incident report"].id, "clerk")
    assert cached_state(eng, iid)[0] == 1 and stored(eng, iid)[0] == 2
    eng.complete(open_by_name(eng, iid)["Secure incident scene"].id, "agent")
    statuses = {t.name: t.status for t in restart().instance_tasks(iid)}
    assert statuses == {name: "completed" for name in INCIDENT_KEYS}
    assert cached_state(eng, iid) == stored(eng, iid)[:2]
    assert_round_trip(restart(), iid)


def test_a_rolled_back_operation_leaves_the_cache_clean(eng, services, clock, monkeypatch):
    """A failure after the workflow moved in memory rolls back, and nothing of it is cached."""
    iid = start_incident(eng, services)
    before = stored(eng, iid)
    task = open_by_name(eng, iid)["Record incident report"]

    def explode(self, session, inst):
        raise RuntimeError("disk full")
    with monkeypatch.context() as patch:
        patch.setattr(projection.Plan, "apply", explode)
        with pytest.raises(RuntimeError, match="disk full"):
            eng.complete(task.id, "clerk")
    assert stored(eng, iid) == before
    assert cached_state(eng, iid) is None
    eng.complete(task.id, "clerk")
    assert set(open_by_name(eng, iid)) == {"Secure incident scene"}
    assert_round_trip(eng, iid)


def test_instances_saved_without_a_fingerprint_are_diffed_against_their_rows(
        eng, restart, services, clock):
    """A row from before the fingerprint (NULL) is read back once, then carries a fingerprint."""
    iid = start_incident(eng, services)
    with eng.transaction() as session:
        session.execute(update(ProcessInstance).where(ProcessInstance.id == iid)
                        .values(projection=None).execution_options(synchronize_session=False))
    before = waits(eng, iid)
    eng = restart()
    eng.complete(open_by_name(eng, iid)["Secure incident scene"].id, "agent")
    assert set(open_by_name(eng, iid)) == {"Record incident report"}
    after = waits(eng, iid)
    assert after["timers"] == [] and before["timers"] != []
    assert (after["messages"], after["jobs"]) == (before["messages"], before["jobs"])
    fingerprint = stored(eng, iid)[2]
    assert list(fingerprint["tasks"].values()) == ["Record incident report"]
    assert fingerprint["messages"] == ["police-report"] and fingerprint["timers"] == {}


def test_fingerprint_follows_timers_messages_and_jobs(eng, services, clock):
    """The fingerprint names exactly the rows the projection tables hold for the instance."""
    iid = start_incident(eng, services)
    fingerprint, rows = stored(eng, iid)[2], waits(eng, iid)
    assert sorted(fingerprint["timers"]) == rows["timers"]
    assert fingerprint["messages"] == rows["messages"]
    assert sorted(fingerprint["jobs"]) == rows["jobs"]
    assert fingerprint["timers"] == {rows["timers"][0]: (T0 + timedelta(minutes=30)).isoformat()}
    assert eng.run_due_jobs() == 1
    assert stored(eng, iid)[2]["jobs"] == [] and waits(eng, iid)["jobs"] == []


def test_thrown_message_goes_to_the_outbox_once_while_the_instance_goes_on(eng, clock):
    """A message thrown before two later saves is queued once, not again at every save."""
    deploy(eng, "notice_then_review.bpmn")
    iid = eng.start("notice_then_review", "FINE-1", tenant=TENANT)
    eng.complete(only_task(eng, iid).id, "clerk")
    eng.complete(only_task(eng, iid).id, "clerk")
    assert eng.instance(iid).status == "completed"
    with eng.reading() as session:
        sent = session.scalar(select(func.count()).select_from(Job).where(
            Job.instance_id == iid, Job.kind == "message"))
    assert sent == 1


def test_failed_service_job_waits_for_its_incident_while_the_instance_moves(
        eng, services, clock):
    """Saving the instance for another reason does not queue the failed job again; retry does."""
    services.add("notify_insurer", lambda call: (_ for _ in ()).throw(OSError("insurer down")))
    deploy(eng, "incident_response.bpmn")
    iid = eng.start("incident_response", "INC-8", tenant=TENANT)
    for wait in (0, 5, 30):
        clock.shift(timedelta(seconds=wait))
        assert eng.run_due_jobs() == 1
    [incident] = eng.incidents(TENANT)
    eng.complete(open_by_name(eng, iid)["Record incident report"].id, "clerk")
    assert waits(eng, iid)["jobs"] == []
    eng.retry_incident(incident.id, "admin")
    assert len(waits(eng, iid)["jobs"]) == 1


def test_two_threads_of_one_engine_moving_one_instance_both_land(eng, services, clock):
    """Threads sharing an Engine (and its cache) complete two tasks of one instance: both count."""
    iid = start_incident(eng, services)
    tasks = open_by_name(eng, iid)
    barrier = threading.Barrier(2)
    outcomes = []

    def work(name):
        barrier.wait()
        eng.complete(tasks[name].id, "agent")
        outcomes.append(name)

    threads = [threading.Thread(target=work, args=(name,)) for name in INCIDENT_KEYS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    # SQLite writers queue (BEGIN IMMEDIATE), so the second one reads what the first wrote.
    assert sorted(outcomes) == sorted(INCIDENT_KEYS)
    assert {t.name for t in eng.instance_tasks(iid) if t.status == "completed"} == INCIDENT_KEYS
    assert stored(eng, iid)[0] == 3
    assert_round_trip(eng, iid)


@pytest.mark.parametrize("warm", [True, False], ids=["cached", "restored"])
def test_a_cached_workflow_holds_the_values_a_restored_one_would(eng, restart, clock, warm):
    """Sets, tuples and number keys come back from the cache as from the database: as JSON."""
    deploy(eng, "script_shapes.bpmn")
    iid = eng.start("script_shapes", "SHAPES-1", tenant=TENANT)
    runner = eng if warm else restart()
    runner.complete(only_task(runner, iid).id, "clerk")
    assert eng.incidents(TENANT) == []
    variables = eng.instance(iid).variables
    assert (variables["same_pair"], variables["label"], variables["bays"]) == (True, "one", 2)
