"""Timers with a frozen clock: not before due, once at due, never again."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import DefinitionError
from engine.store import PendingTimer

from .conftest import T0, TENANT, assert_round_trip, bpmn, deploy, only_task


def pending(eng):
    with eng.reading() as session:
        return [(t.name, t.due_at) for t in session.scalars(select(PendingTimer))]


def test_intermediate_timer_fires_once_at_due_time(eng, clock):
    """A bare `PT10M` timer is stored with its due time and fires exactly once."""
    deploy(eng, "escalation.bpmn")
    iid = eng.start("escalation", "C-7", tenant=TENANT)
    assert pending(eng) == [("Ten minutes", T0 + timedelta(minutes=10))]
    clock.shift(timedelta(minutes=9, seconds=59))
    assert eng.fire_due_timers() == 0
    assert eng.instance_tasks(iid) == []
    clock.shift(timedelta(seconds=1))
    assert eng.fire_due_timers() == 1
    assert only_task(eng, iid).name == "Answer complaint"
    assert eng.fire_due_timers() == 0
    clock.shift(timedelta(hours=1))
    assert eng.fire_due_timers() == 0
    assert [e.kind for e in eng.history(iid)].count("timer_fired") == 1
    assert_round_trip(eng, iid)


def test_timers_survive_a_restart(eng, restart, clock):
    """A timer set before a restart fires after it, from the database alone."""
    deploy(eng, "escalation.bpmn")
    iid = eng.start("escalation", "C-8", tenant=TENANT)
    clock.shift(timedelta(minutes=10))
    assert restart().fire_due_timers() == 1
    assert only_task(restart(), iid).name == "Answer complaint"


def test_interrupting_boundary_timer_hands_work_to_supervisor(eng, clock):
    """When the SLA boundary timer fires, the agent's task is cancelled and a supervisor's opens."""
    deploy(eng, "escalation.bpmn")
    iid = eng.start("escalation", "C-9", tenant=TENANT)
    clock.shift(timedelta(minutes=10))
    eng.fire_due_timers()
    answer = only_task(eng, iid)
    clock.shift(timedelta(days=1))
    assert eng.fire_due_timers() == 1
    assert eng.task(answer.id).status == "cancelled"
    takeover = only_task(eng, iid)
    assert (takeover.name, takeover.candidate_groups) == ("Supervisor answers", ["supervisor"])
    assert pending(eng) == []
    assert_round_trip(eng, iid)


def test_non_interrupting_timer_keeps_the_task(eng, clock):
    """The hourly reminder fires once and the review task stays open and claimable."""
    deploy(eng, "claim_review.bpmn")
    iid = eng.start("claim_review", "OCC-5", {"amount": 1}, TENANT)
    task = only_task(eng, iid)
    assert pending(eng) == [("Hourly reminder", T0 + timedelta(hours=1))]
    clock.shift(timedelta(hours=1))
    assert eng.fire_due_timers() == 1
    assert only_task(eng, iid).id == task.id
    assert pending(eng) == []
    eng.complete(task.id, "agent", {"approved": True})
    assert eng.instance(iid).status == "completed"


def test_completing_before_the_timer_removes_it(eng, clock):
    """A task completed before its boundary timer leaves no timer behind."""
    deploy(eng, "claim_review.bpmn")
    iid = eng.start("claim_review", "OCC-6", {"amount": 1}, TENANT)
    eng.complete(only_task(eng, iid).id, "agent", {"approved": False})
    assert pending(eng) == []
    clock.shift(timedelta(days=3))
    assert eng.fire_due_timers() == 0


def test_process_sla_sets_the_deadline_of_tasks_without_their_own(eng, clock):
    """With no dueDate and no boundary timer, a task is due after the process's `sla` property."""
    deploy(eng, "escalation.bpmn")
    [definition] = eng.definitions(TENANT)
    assert (definition.sla_seconds, definition.basket_columns) == (8 * 3600, ["customer", "category"])
    iid = eng.start("escalation", "C-10", tenant=TENANT)
    clock.shift(timedelta(minutes=10))
    eng.fire_due_timers()
    assert only_task(eng, iid).due_at == T0 + timedelta(minutes=10, days=1)   # boundary wins
    clock.shift(timedelta(days=1))
    eng.fire_due_timers()
    takeover = only_task(eng, iid)
    assert takeover.due_at == T0 + timedelta(minutes=10, days=1, hours=8)


def test_a_bad_sla_property_is_refused_at_deploy(eng):
    """An sla that is not an ISO duration is refused with the process's line."""
    xml = bpmn("escalation.bpmn").replace(b'value="PT8H"', b'value="8 hours"')
    with pytest.raises(DefinitionError, match="not an ISO-8601 duration"):
        eng.deploy(xml, "escalation.bpmn", TENANT)


def test_timer_start_event_starts_the_process_at_its_date(eng, restart, clock):
    """Deploying a process with a fixed-date timer start event schedules it: nothing runs
    before 22:00, one instance opens its first task at 22:00 (Camunda's behaviour)."""
    deploy(eng, "nightly_check.bpmn")
    night = T0.replace(hour=22)
    clock.move_to(night - timedelta(seconds=1))
    assert restart().start_scheduled() == 0
    assert eng.instances(TENANT) == []
    clock.move_to(night)
    assert restart().start_scheduled() == 1
    inst, = eng.instances(TENANT)
    assert only_task(eng, inst.id).candidate_groups == ["night-shift"]
    assert pending(eng) == []
    assert_round_trip(eng, inst.id)


def test_started_by_hand_a_timer_started_process_runs_at_once(eng, clock):
    """Started by hand (the designer's Start button) it does not wait for, and then run again
    at, the time the engine starts it anyway."""
    deploy(eng, "nightly_check.bpmn")
    iid = eng.start("nightly_check", "NIGHT-1", tenant=TENANT)
    assert only_task(eng, iid).candidate_groups == ["night-shift"]
    assert pending(eng) == []