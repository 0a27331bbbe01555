"""The occurrence_lifecycle process drives the work: triage/assign -> investigate -> resolve ->
close, tasks with the OCC code in the right role's queue, the SLA as a boundary timer that
escalates to the supervisor role, and the status kept in step with the process."""
from datetime import timedelta

import pytest

from engine import Engine, Job, ServiceCall
from engine import clock as engine_clock
from processes.occurrences import activity, services

from .conftest import AGENT, SUPERVISOR, damage, status_id, type_id


@pytest.fixture
def reported(domain_eng, domain_place):
    """A Damage reported by the agent, its lifecycle started."""
    return services.report(domain_eng, AGENT,
                           {**damage(domain_place), "type_id": type_id(domain_eng, "Damage")})


def open_tasks(eng, occurrence):
    """Open tasks of the occurrence's current process instance."""
    current = services.load(eng, "demo", occurrence.id)
    return [t for t in eng.instance_tasks(current.instance_id) if t.status == "open"]


def work(eng, occurrence, actor, variables):
    """Complete the single open task, then run the service jobs it queued."""
    (task,) = open_tasks(eng, occurrence)
    eng.complete(task.id, actor, variables, roles=None)
    eng.run_due_jobs()
    return task


def test_reporting_starts_the_lifecycle_with_the_occ_code_as_business_key(domain_eng, reported):
    """The triage task waits in the back-office queue under OCC-0001, due at the deadline."""
    (task,) = open_tasks(domain_eng, reported)
    assert (task.name, task.business_key) == ("Triage and assign", "OCC-0001")
    assert task.candidate_groups == ["back-office"]
    assert task.due_at == reported.deadline_at
    queue = domain_eng.open_tasks("demo", roles=["back-office"])
    assert [t.business_key for t in queue] == ["OCC-0001"]


def test_completing_the_tasks_moves_the_status_created_pending_resolved_closed(domain_eng,
                                                                               reported):
    """Triage -> Pending (and assigned), investigate, resolve -> Resolved, close -> Closed."""
    triage = work(domain_eng, reported, "agent", {"assignee": "agent", "triage_note": "on it"})
    now = services.load(domain_eng, "demo", reported.id)
    assert (now.status.name, now.assignee) == ("Pending", "agent")
    (investigate,) = open_tasks(domain_eng, reported)
    assert (investigate.name, investigate.assignee) == ("Investigate", "agent")
    work(domain_eng, reported, "agent", {"findings": "Camera shows a pillar scrape"})
    work(domain_eng, reported, "agent", {"resolution": "Customer accepted the evidence"})
    assert services.load(domain_eng, "demo", reported.id).status.name == "Resolved"
    (close,) = open_tasks(domain_eng, reported)
    assert (close.name, close.candidate_groups) == ("Close", ["supervisor"])
    work(domain_eng, reported, "supervisor", {"close_note": ""})
    final = services.load(domain_eng, "demo", reported.id)
    assert final.status.name == "Closed" and final.ended_at is not None
    assert domain_eng.instance(final.instance_id, tenant="demo").status == "completed"
    bodies = [c.body for c in services.page(domain_eng, AGENT, reported.id, engine_clock.now()).comments]
    assert bodies == ["on it", "Camera shows a pillar scrape", "Customer accepted the evidence"]
    assert triage.business_key == "OCC-0001"


def test_a_service_step_run_twice_changes_the_occurrence_once(domain_eng, reported):
    """Handlers are idempotent per job: a repeated job writes no second comment."""
    (task,) = open_tasks(domain_eng, reported)
    domain_eng.complete(task.id, "agent", {"triage_note": "once"})
    with domain_eng.reading() as session:
        job = session.query(Job).filter_by(instance_id=reported.instance_id,
                                           handler="occurrence_triaged").one()
    handler = domain_eng.services.get("occurrence_triaged")
    call = ServiceCall(job.id, 1, "demo", reported.instance_id, "OCC-0001",
                       "occurrence_triaged", {"triage_note": "once"})
    handler(call)
    handler(call)
    page = services.page(domain_eng, AGENT, reported.id, engine_clock.now())
    assert [c.body for c in page.comments] == ["once"]


def test_the_sla_boundary_timer_escalates_overdue_occurrences_to_the_supervisor(domain_eng,
                                                                               reported, clock):
    """At the deadline the breach is logged and the open task goes to the supervisor role."""
    clock.shift(timedelta(hours=48) - timedelta(seconds=1))
    assert domain_eng.fire_due_timers() == 0
    clock.shift(timedelta(seconds=1))
    assert domain_eng.fire_due_timers() == 1
    domain_eng.run_due_jobs()
    assert domain_eng.escalate_overdue() == 1
    escalated = domain_eng.open_tasks("demo", roles=["supervisor"])
    assert [t.business_key for t in escalated] == ["OCC-0001"]
    page = services.page(domain_eng, SUPERVISOR, reported.id, engine_clock.now())
    assert page.overdue and page.occurrence.escalated_at == engine_clock.now()
    assert [a.kind for a in page.activity][-1] == activity.ESCALATED
    (task,) = open_tasks(domain_eng, reported)
    assert task.name == "Triage and assign"    # non-interrupting: the work goes on


def test_ending_an_occurrence_by_hand_stops_its_process(domain_eng, reported):
    """Closed on its page: the handling is interrupted, no task is left in the basket."""
    services.change(domain_eng, AGENT, reported.id, {"status_id": status_id(domain_eng,
                                                                            "Closed")})
    assert domain_eng.instance(reported.instance_id, tenant="demo").status == "completed"
    assert domain_eng.open_tasks("demo", roles=["back-office", "supervisor"]) == []


def test_reopening_starts_a_fresh_lifecycle_at_triage(domain_eng, reported):
    """Back from Closed: a new instance (same OCC business key) waits for triage."""
    services.change(domain_eng, AGENT, reported.id, {"status_id": status_id(domain_eng,
                                                                            "Closed")})
    reopened = services.change(domain_eng, SUPERVISOR, reported.id,
                               {"status_id": status_id(domain_eng, "Pending"),
                                "reason": "Customer sent new photos"})
    assert reopened.instance_id != reported.instance_id
    (task,) = open_tasks(domain_eng, reopened)
    assert (task.name, task.business_key) == ("Triage and assign", "OCC-0001")


def test_reopening_while_the_close_task_waits_cancels_the_old_process(domain_eng, reported):
    """Resolved by the process, then reopened: the old Close task disappears."""
    work(domain_eng, reported, "agent", {})
    work(domain_eng, reported, "agent", {"findings": "seen"})
    work(domain_eng, reported, "agent", {"resolution": "done"})
    services.change(domain_eng, SUPERVISOR, reported.id,
                    {"status_id": status_id(domain_eng, "Pending"), "reason": "Not fixed"})
    assert domain_eng.instance(reported.instance_id, tenant="demo").status == "cancelled"
    assert [t.name for t in open_tasks(domain_eng, reported)] == ["Triage and assign"]


def test_assigning_on_the_page_hands_the_open_task_to_the_assignee(domain_eng, reported):
    """The open back-office task moves to the new assignee's inbox."""
    services.change(domain_eng, SUPERVISOR, reported.id, {"assignee": "agent"})
    (task,) = open_tasks(domain_eng, reported)
    assert task.assignee == "agent"


def test_triage_naming_a_non_staff_user_leaves_it_unassigned(domain_eng, reported):
    """The triage form's assignee must be staff; otherwise it is logged and ignored."""
    work(domain_eng, reported, "agent", {"assignee": "designer"})
    page = services.page(domain_eng, AGENT, reported.id, engine_clock.now())
    assert page.occurrence.assignee is None
    assert activity.ASSIGN_REFUSED in [a.kind for a in page.activity]


def test_the_lifecycle_survives_a_restart(domain_eng, reported):
    """A new engine on the same database (nothing cached) carries the instance on."""
    work(domain_eng, reported, "agent", {})
    restarted = Engine(domain_eng.db_engine, services=domain_eng.services)
    work(restarted, reported, "agent", {"findings": "after restart"})
    assert [t.name for t in open_tasks(restarted, reported)] == ["Resolve"]


def test_everyone_sees_the_full_history_who_reported_what_changed_when_resolved(domain_eng,
                                                                                reported,
                                                                                clock):
    """The activity log names who reported it, who moved it on (the people who did the
    tasks, not "the process") and when it was resolved."""
    work(domain_eng, reported, "agent", {"assignee": "agent"})
    work(domain_eng, reported, "agent", {"findings": "seen"})
    clock.shift(timedelta(hours=3))
    work(domain_eng, reported, "agent", {"resolution": "paid the repair"})
    page = services.page(domain_eng, SUPERVISOR, reported.id, engine_clock.now())
    moves = [(a.kind, a.actor, a.old, a.new) for a in page.activity
             if a.kind in ("created", "status_changed")]
    assert moves == [("created", "agent", None, "Created"),
                     ("status_changed", "agent", "Created", "Pending"),
                     ("status_changed", "agent", "Pending", "Resolved")]
    resolved = [a for a in page.activity if a.new == "Resolved"][0]
    assert resolved.at == engine_clock.now()
