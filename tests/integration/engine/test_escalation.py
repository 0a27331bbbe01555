"""Deadlines: a task past its due time is escalated once, offered to supervisors, notified."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.store import Job

from .conftest import T0, TENANT, deploy, only_task


@pytest.fixture
def notices(services):
    """Registers the `task_overdue` notification handler; records what it was told."""
    seen = {"calls": [], "fail": 0}

    def task_overdue(call):
        seen["calls"].append(call.variables)
        if seen["fail"]:
            seen["fail"] -= 1
            raise ConnectionRefusedError("SMTP server down")
    services.add("task_overdue", task_overdue)
    return seen


def start_review(eng):
    deploy(eng, "claim_review.bpmn")                  # review due after P2D
    return eng.start("claim_review", "OCC-77", {"amount": 5}, TENANT)


def test_task_is_escalated_once_when_its_due_time_passes(eng, notices, clock):
    """Not before due, once at due: flagged, audited, in Escalated, supervisors may claim it."""
    iid = start_review(eng)
    task = only_task(eng, iid)
    clock.move_to(T0 + timedelta(days=2) - timedelta(seconds=1))
    assert eng.escalate_overdue() == 0
    assert eng.escalated(TENANT) == []
    clock.move_to(T0 + timedelta(days=2))
    assert eng.escalate_overdue() == 1
    assert eng.escalate_overdue() == 0
    assert eng.task(task.id).overdue is True
    assert [t.id for t in eng.escalated(TENANT)] == [task.id]
    assert [t.id for t in eng.open_tasks(TENANT, roles=["supervisor"])] == [task.id]
    assert [e.kind for e in eng.history(iid)].count("task_escalated") == 1
    eng.claim(task.id, "supervisor", roles=["supervisor"])      # supervisor takes it over
    assert eng.task(task.id).assignee == "supervisor"


def test_escalation_queues_a_notification_for_the_handler(eng, notices, clock):
    """The notification job carries the task, its assignee and the escalation group."""
    task = only_task(eng, start_review(eng))
    eng.claim(task.id, "agent")
    clock.shift(timedelta(days=3))
    eng.escalate_overdue()
    eng.run_due_jobs()
    [told] = notices["calls"]
    assert (told["task_name"], told["assignee"], told["escalated_to"]) == (
        "Review claim", "agent", "supervisor")
    assert told["business_key"] == "OCC-77"
    assert "notification_sent" in [e.kind for e in eng.history(task.instance_id)]


def test_failing_notification_is_retried_then_an_incident(eng, notices, clock):
    """An unreachable mail server costs attempts with back-off, then shows as an incident."""
    notices["fail"] = 3
    task = only_task(eng, start_review(eng))
    clock.shift(timedelta(days=3))
    eng.escalate_overdue()
    for wait in (0, 5, 30):
        clock.shift(timedelta(seconds=wait))
        assert eng.run_due_jobs() == 1
    [incident] = eng.incidents(TENANT)
    assert "SMTP server down" in incident.message and incident.task_id == task.id
    eng.retry_incident(incident.id, "admin")
    assert eng.run_due_jobs() == 1
    assert len(notices["calls"]) == 4


def test_task_completed_in_time_is_never_escalated(eng, notices, clock):
    """Completing before the deadline leaves nothing to escalate later."""
    task = only_task(eng, start_review(eng))
    eng.complete(task.id, "agent", {"approved": True})
    clock.shift(timedelta(days=10))
    assert eng.escalate_overdue() == 0
    with eng.reading() as session:
        assert session.scalars(select(Job).where(Job.kind == "notify")).all() == []
