"""Every BPMN construct SpiffWorkflow runs, driven through the Engine API across restarts.

Each test deploys a Camunda-Modeler-style diagram from tests/data, moves the instance with
the public operations only, builds a fresh Engine on the same database in the middle (nothing
survives but the rows) and checks after every step that the stored state round-trips.
"""

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import DefinitionError
from engine.store import Job, MessageSubscription, PendingTimer

from .conftest import DATA, T0, TENANT, assert_round_trip, deploy, only_task


# -- helpers ----------------------------------------------------------------------------------

def deploy_dmn(engine, name):
    """Deploy a decision table from tests/data/dmn/."""
    return engine.deploy((DATA / "dmn" / name).read_bytes(), name, TENANT, actor="designer")


def open_tasks(engine, iid):
    """Open task rows of one instance, oldest first."""
    return [t for t in engine.instance_tasks(iid) if t.status == "open"]


def open_by_name(engine, iid):
    """Open tasks of one instance by name (names are unique in these diagrams)."""
    tasks = open_tasks(engine, iid)
    named = {t.name: t for t in tasks}
    assert len(named) == len(tasks), [t.name for t in tasks]
    return named


def kinds(engine, iid):
    """History event kinds of an instance, oldest first."""
    return [e.kind for e in engine.history(iid)]


def waits(engine, iid):
    """What the instance still waits on outside human tasks: timers, messages, pending jobs."""
    with engine.reading() as session:
        timers = [(t.name, t.due_at) for t in session.scalars(
            select(PendingTimer).where(PendingTimer.instance_id == iid))]
        messages = [(s.message, s.business_key) for s in session.scalars(
            select(MessageSubscription).where(MessageSubscription.instance_id == iid))]
        jobs = [j.handler for j in session.scalars(
            select(Job).where(Job.instance_id == iid, Job.status == "pending"))]
    return {"timers": timers, "messages": messages, "jobs": jobs}


NOTHING = {"timers": [], "messages": [], "jobs": []}

# -- 1. parallel gateway ----------------------------------------------------------------------

PERMIT_CHECKS = {
    "Check permit": ("back-office", {"permit_ok": True}),
    "Verify vehicle registration": ("enforcement", {"vehicle_ok": True}),
}


@pytest.mark.parametrize("first, second", [
    ("Check permit", "Verify vehicle registration"),
    ("Verify vehicle registration", "Check permit"),
])
def test_parallel_gateway_opens_both_checks_and_joins_in_either_order(
        eng, restart, clock, first, second):
    """Both checks open at once for their own groups; the join waits for the second one."""
    deploy(eng, "permit_parallel.bpmn")
    iid = eng.start("season_permit", "PERMIT-2026-014", tenant=TENANT, actor="clerk")
    tasks = open_by_name(eng, iid)
    assert {n: t.candidate_groups for n, t in tasks.items()} == {
        "Check permit": ["back-office"], "Verify vehicle registration": ["enforcement"]}
    assert [t.name for t in eng.open_tasks(TENANT, roles=["back-office"])] == ["Check permit"]
    assert [t.name for t in eng.open_tasks(TENANT, roles=["enforcement"])] == [
        "Verify vehicle registration"]
    assert_round_trip(eng, iid)

    eng = restart()
    group, form = PERMIT_CHECKS[first]
    eng.claim(tasks[first].id, "alice", roles=[group])
    eng.complete(tasks[first].id, "alice", form, roles=[group])
    assert_round_trip(eng, iid)
    left = open_by_name(eng, iid)
    assert list(left) == [second] and left[second].id == tasks[second].id
    assert eng.instance(iid).status == "running"

    eng = restart()
    group, form = PERMIT_CHECKS[second]
    eng.complete(tasks[second].id, "bob", form, roles=[group])
    assert_round_trip(eng, iid)
    inst = eng.instance(iid)
    assert (inst.status, inst.variables["permit_status"]) == ("completed", "issued")
    assert kinds(eng, iid) == ["instance_started", "task_created", "task_created",
                               "task_claimed", "task_completed", "task_completed",
                               "instance_completed"]


# -- 2. inclusive gateway ---------------------------------------------------------------------

@pytest.mark.parametrize("amount, damage, branches", [
    (1500, False, ["Approve refund"]),
    (0, True, ["Assess damage claim"]),
    (1500, True, ["Approve refund", "Assess damage claim"]),
])
def test_inclusive_gateway_takes_every_branch_whose_condition_holds(
        eng, restart, clock, amount, damage, branches):
    """The start data picks one or two review branches; the join waits for all that were taken."""
    deploy(eng, "refund_inclusive.bpmn")
    iid = eng.start("refund_request", "REF-88", {"amount": amount, "damage_reported": damage},
                    TENANT)
    tasks = open_by_name(eng, iid)
    assert sorted(tasks) == branches
    assert_round_trip(eng, iid)
    for name in branches:
        assert eng.instance(iid).status == "running"
        eng = restart()
        eng.complete(tasks[name].id, "reviewer")
        assert_round_trip(eng, iid)
    assert eng.instance(iid).status == "completed"
    assert kinds(eng, iid).count("task_completed") == len(branches)


def test_inclusive_gateway_default_flow_when_no_condition_holds(eng, clock):
    """Nothing to refund and no damage: the default flow ends the request with no task."""
    deploy(eng, "refund_inclusive.bpmn")
    iid = eng.start("refund_request", "REF-89", {"amount": 0, "damage_reported": False}, TENANT)
    assert_round_trip(eng, iid)
    assert eng.instance(iid).status == "completed"
    assert eng.instance_tasks(iid) == []


# -- 3. event-based gateway -------------------------------------------------------------------

def test_event_gateway_message_wins_and_withdraws_the_timer(eng, restart, clock):
    """A payment before the deadline takes the message path; the 14-day timer is gone for good."""
    deploy(eng, "fine_payment_race.bpmn")
    iid = eng.start("fine_payment", "FINE-2026-0311", tenant=TENANT)
    assert waits(eng, iid) == {"timers": [("Fourteen days", T0 + timedelta(days=14))],
                               "messages": [("fine-paid", "FINE-2026-0311")], "jobs": []}
    assert eng.instance_tasks(iid) == []
    assert_round_trip(eng, iid)

    clock.shift(timedelta(days=3))
    eng = restart()
    assert eng.correlate_message("fine-paid", "FINE-2026-9999", tenant=TENANT) == 0
    assert eng.correlate_message("fine-paid", "FINE-2026-0311", {"amount_paid": 4500},
                                 TENANT) == 1
    assert_round_trip(eng, iid)
    assert waits(eng, iid) == NOTHING
    task = only_task(eng, iid)
    assert (task.name, task.candidate_groups) == ("Book payment", ["finance"])
    assert eng.instance(iid).variables["amount_paid"] == 4500

    clock.shift(timedelta(days=30))
    eng = restart()
    assert eng.fire_due_timers() == 0
    assert eng.correlate_message("fine-paid", "FINE-2026-0311", tenant=TENANT) == 0
    eng.complete(task.id, "accountant", roles=["finance"])
    assert_round_trip(eng, iid)
    assert eng.instance(iid).status == "completed"
    history = kinds(eng, iid)
    assert "message_received" in history and "timer_fired" not in history


def test_event_gateway_timer_wins_and_withdraws_the_subscription(eng, restart, clock):
    """No payment in 14 days: the timer path opens a reminder; the message is no longer awaited."""
    deploy(eng, "fine_payment_race.bpmn")
    iid = eng.start("fine_payment", "FINE-2026-0312", tenant=TENANT)
    assert_round_trip(eng, iid)

    clock.shift(timedelta(days=14))
    eng = restart()
    assert eng.fire_due_timers() == 1
    assert_round_trip(eng, iid)
    assert waits(eng, iid) == NOTHING
    task = only_task(eng, iid)
    assert (task.name, task.candidate_groups) == ("Send payment reminder", ["back-office"])

    eng = restart()
    assert eng.correlate_message("fine-paid", "FINE-2026-0312", {"amount_paid": 4500},
                                 TENANT) == 0
    assert "amount_paid" not in eng.instance(iid).variables
    eng.complete(task.id, "clerk", roles=["back-office"])
    assert_round_trip(eng, iid)
    assert eng.instance(iid).status == "completed"
    history = kinds(eng, iid)
    assert "timer_fired" in history and "message_received" not in history


# -- 4. embedded subprocess with a boundary timer ---------------------------------------------

def test_subprocess_tasks_reach_the_basket_and_finish_the_parent(eng, restart, clock):
    """Subprocess tasks reach their groups' queues; finishing the subprocess ends the case."""
    deploy(eng, "towing_subprocess.bpmn")
    iid = eng.start("towing_request", "TOW-4711", tenant=TENANT)
    assert waits(eng, iid)["timers"] == [("Four hours passed", T0 + timedelta(hours=4))]
    [dispatch] = eng.open_tasks(TENANT, roles=["dispatch"])
    assert (dispatch.name, dispatch.instance_id, dispatch.business_key) == (
        "Dispatch tow truck", iid, "TOW-4711")
    assert_round_trip(eng, iid)

    clock.shift(timedelta(hours=1))
    eng = restart()
    eng.claim(dispatch.id, "dan", roles=["dispatch"])
    assert [t.id for t in eng.inbox(TENANT, "dan")] == [dispatch.id]
    eng.complete(dispatch.id, "dan", roles=["dispatch"])
    assert_round_trip(eng, iid)
    [confirm] = eng.open_tasks(TENANT, roles=["enforcement"])
    assert confirm.name == "Confirm vehicle impounded"

    eng = restart()
    eng.complete(confirm.id, "erin", roles=["enforcement"])
    assert_round_trip(eng, iid)
    assert eng.instance(iid).status == "completed"
    assert waits(eng, iid) == NOTHING
    clock.shift(timedelta(hours=5))
    assert eng.fire_due_timers() == 0


def test_boundary_timer_on_subprocess_cancels_it_and_escalates(eng, restart, clock):
    """Four hours into the subprocess its open task is cancelled and a supervisor task opens."""
    deploy(eng, "towing_subprocess.bpmn")
    iid = eng.start("towing_request", "TOW-4712", tenant=TENANT)
    eng.complete(only_task(eng, iid).id, "dan", roles=["dispatch"])
    confirm = only_task(eng, iid)
    assert confirm.name == "Confirm vehicle impounded"
    assert_round_trip(eng, iid)

    clock.shift(timedelta(hours=3, minutes=59))
    eng = restart()
    assert eng.fire_due_timers() == 0
    clock.shift(timedelta(minutes=1))
    assert eng.fire_due_timers() == 1
    assert_round_trip(eng, iid)
    assert eng.task(confirm.id).status == "cancelled"
    escalation = only_task(eng, iid)
    assert (escalation.name, escalation.candidate_groups) == (
        "Escalate towing delay", ["supervisor"])
    assert waits(eng, iid) == NOTHING

    eng = restart()
    eng.complete(escalation.id, "sam", roles=["supervisor"])
    assert_round_trip(eng, iid)
    assert eng.instance(iid).status == "completed"
    assert kinds(eng, iid).count("task_cancelled") == 1


# -- 5. call activity -------------------------------------------------------------------------

@pytest.mark.parametrize("verified, outcome", [(True, "released"), (False, "refused")])
def test_call_activity_runs_the_deployed_child_and_returns_its_data(
        eng, restart, clock, verified, outcome):
    """The child's task lands in the basket under the parent; its result drives the parent."""
    assert [(d.key, d.created) for d in deploy(eng, "ownership_check.bpmn")] == [
        ("ownership_check", True)]
    assert [(d.key, d.created) for d in deploy(eng, "vehicle_release.bpmn")] == [
        ("vehicle_release", True)]
    iid = eng.start("vehicle_release", "IMP-0077", tenant=TENANT)
    [task] = eng.open_tasks(TENANT, roles=["back-office"])
    assert (task.name, task.instance_id, task.process_key, task.business_key) == (
        "Verify ownership documents", iid, "vehicle_release", "IMP-0077")
    assert [f["id"] for f in task.form["fields"]] == ["owner_verified"]
    assert [i.id for i in eng.instances(TENANT)] == [iid]
    assert_round_trip(eng, iid)

    eng = restart()
    eng.complete(task.id, "clerk", {"owner_verified": verified}, roles=["back-office"])
    assert_round_trip(eng, iid)
    inst = eng.instance(iid)
    assert inst.status == "completed"
    assert (inst.variables["owner_verified"], inst.variables["release_status"]) == (
        verified, outcome)


@pytest.mark.parametrize("filename, line, missing", [
    ("vehicle_release.bpmn", 15, "process 'ownership_check'"),
    ("overstay_penalty.bpmn", 28, "decision 'overstay_penalty'"),
])
def test_callers_are_refused_before_what_they_call_is_deployed(eng, filename, line, missing):
    """A call activity or business-rule task naming nothing deployed is refused at its line."""
    with pytest.raises(DefinitionError) as err:
        deploy(eng, filename)
    assert str(err.value).startswith(f"{filename}:{line}: {missing} is not deployed")
    assert eng.definitions(TENANT) == []


# -- 6. multi-instance ------------------------------------------------------------------------

BAYS = ["A-01", "A-02", "B-07"]


def test_parallel_multi_instance_opens_one_task_per_bay(eng, restart, clock):
    """One "Inspect bay" task per listed bay, all open at once; the round closes after the last."""
    deploy(eng, "bay_inspection.bpmn")
    iid = eng.start("bay_inspection", "ROUND-12", {"bays": BAYS}, TENANT)
    tasks = open_tasks(eng, iid)
    assert [(t.name, t.candidate_groups) for t in tasks] == [
        ("Inspect bay", ["inspectors"])] * 3
    assert len(eng.open_tasks(TENANT, roles=["inspectors"])) == 3
    assert_round_trip(eng, iid)

    for done, task in enumerate(tasks, start=1):
        eng = restart()
        eng.complete(task.id, "ivan", roles=["inspectors"])
        assert_round_trip(eng, iid)
        assert len(open_tasks(eng, iid)) == 3 - done
    inst = eng.instance(iid)
    assert inst.status == "completed"
    assert (inst.variables["bays_inspected"], inst.variables["inspected_list"]) == (
        3, "A-01, A-02, B-07")


def test_sequential_multi_instance_opens_one_bay_at_a_time(eng, restart, clock):
    """Bays are inspected one after the other: each completion opens the next task."""
    deploy(eng, "bay_inspection_sequential.bpmn")
    iid = eng.start("bay_inspection_sequential", "ROUND-13", {"bays": BAYS}, TENANT)
    assert_round_trip(eng, iid)
    seen = []
    for _ in BAYS:
        task = only_task(eng, iid)
        assert (task.name, task.candidate_groups) == ("Inspect bay", ["inspectors"])
        seen.append(task.id)
        eng = restart()
        eng.complete(task.id, "ivan", roles=["inspectors"])
        assert_round_trip(eng, iid)
    assert len(set(seen)) == 3
    inst = eng.instance(iid)
    assert inst.status == "completed"
    assert (inst.variables["bays_inspected"], inst.variables["inspected_list"]) == (
        3, "A-01, A-02, B-07")


def test_multi_instance_without_restart_merges_every_bay(eng, clock):
    """Within one Engine (warm spec cache) the parallel round completes with the list intact."""
    deploy(eng, "bay_inspection.bpmn")
    iid = eng.start("bay_inspection", "ROUND-14", {"bays": BAYS}, TENANT)
    for task in open_tasks(eng, iid):
        eng.complete(task.id, "ivan", roles=["inspectors"])
        assert_round_trip(eng, iid)
    inst = eng.instance(iid)
    assert (inst.status, inst.variables["bays_inspected"]) == ("completed", 3)


def test_collection_written_as_an_expression_works_like_a_name(eng, clock):
    """camunda:collection="${bays}" opens one task per bay, as the bare name does."""
    deploy(eng, "bay_inspection_expression.bpmn")
    iid = eng.start("bay_inspection_expression", "ROUND-15", {"bays": BAYS}, TENANT)
    assert_round_trip(eng, iid)
    assert [t.name for t in open_tasks(eng, iid)] == ["Inspect bay"] * 3


# -- 7. business-rule task with DMN -----------------------------------------------------------

@pytest.mark.parametrize("minutes, repeat, severity, fine, task_name, group", [
    (10, False, "minor", 2500, "Send penalty notice", "back-office"),
    (10, True, "major", 7500, "Review major penalty", "supervisor"),
    (45, False, "major", 10000, "Review major penalty", "supervisor"),
])
def test_decision_table_result_drives_the_gateway(
        eng, restart, clock, minutes, repeat, severity, fine, task_name, group):
    """The DMN table decides severity and fine; the exclusive gateway routes on the severity."""
    assert [(d.key, d.kind) for d in deploy_dmn(eng, "overstay_penalty.dmn")] == [
        ("overstay_penalty", "dmn")]
    deploy(eng, "overstay_penalty.bpmn")
    iid = eng.start("overstay_case", "PEN-301",
                    {"minutes_overstayed": minutes, "repeat_offender": repeat}, TENANT)
    assert_round_trip(eng, iid)
    inst = eng.instance(iid)
    assert (inst.variables["severity"], inst.variables["fine"]) == (severity, fine)
    task = only_task(eng, iid)
    assert (task.name, task.candidate_groups) == (task_name, [group])

    eng = restart()
    eng.complete(task.id, "pat", roles=[group])
    assert_round_trip(eng, iid)
    assert eng.instance(iid).status == "completed"
    assert eng.incidents(TENANT) == []


# -- 8. error and escalation events -----------------------------------------------------------

def test_error_end_event_is_caught_by_the_boundary_on_its_subprocess(eng, restart, clock):
    """A rejected transfer ends the payout in an error; the boundary opens the recovery task."""
    deploy(eng, "refund_payout_error.bpmn")
    iid = eng.start("refund_payout", "REF-90", tenant=TENANT)
    transfer = only_task(eng, iid)
    assert (transfer.name, transfer.candidate_groups) == ("Transfer refund", ["finance"])
    assert_round_trip(eng, iid)

    eng = restart()
    eng.complete(transfer.id, "fiona", {"bank_rejected": True}, roles=["finance"])
    assert_round_trip(eng, iid)
    recovery = only_task(eng, iid)
    assert (recovery.name, recovery.candidate_groups) == (
        "Ask customer for bank details", ["back-office"])
    assert eng.task(transfer.id).status == "completed"
    assert eng.instance(iid).status == "running"
    assert eng.incidents(TENANT) == []

    eng = restart()
    eng.complete(recovery.id, "clerk", roles=["back-office"])
    assert_round_trip(eng, iid)
    assert eng.instance(iid).status == "completed"


def test_no_error_means_no_recovery_task(eng, clock):
    """A transfer the bank accepts ends the subprocess normally and the refund is paid."""
    deploy(eng, "refund_payout_error.bpmn")
    iid = eng.start("refund_payout", "REF-91", tenant=TENANT)
    eng.complete(only_task(eng, iid).id, "fiona", {"bank_rejected": False})
    assert_round_trip(eng, iid)
    assert eng.instance(iid).status == "completed"
    assert [t.name for t in eng.instance_tasks(iid)] == ["Transfer refund"]


@pytest.mark.parametrize("finish_first", ["Supervisor reviews complaint", "Investigate complaint"])
def test_non_interrupting_escalation_opens_a_supervisor_task_beside_the_work(
        eng, restart, clock, finish_first):
    """An escalation thrown in the subprocess opens a supervisor task; the investigation stays."""
    deploy(eng, "complaint_escalation.bpmn")
    iid = eng.start("complaint_handling", "CMP-5", {"urgent": True}, TENANT)
    tasks = open_by_name(eng, iid)
    assert {n: t.candidate_groups for n, t in tasks.items()} == {
        "Investigate complaint": ["back-office"],
        "Supervisor reviews complaint": ["supervisor"]}
    assert_round_trip(eng, iid)

    eng = restart()
    eng.complete(tasks[finish_first].id, "someone")
    assert_round_trip(eng, iid)
    [(left_name, left)] = open_by_name(eng, iid).items()
    assert left.id == tasks[left_name].id and left_name != finish_first
    assert eng.instance(iid).status == "running"

    eng = restart()
    eng.complete(left.id, "someone")
    assert_round_trip(eng, iid)
    assert eng.instance(iid).status == "completed"
    assert "task_cancelled" not in kinds(eng, iid)


def test_no_escalation_for_a_routine_complaint(eng, clock):
    """A routine complaint throws no escalation: only the investigation opens."""
    deploy(eng, "complaint_escalation.bpmn")
    iid = eng.start("complaint_handling", "CMP-6", {"urgent": False}, TENANT)
    assert only_task(eng, iid).name == "Investigate complaint"
    assert_round_trip(eng, iid)


# -- 9. signals -------------------------------------------------------------------------------

def test_signal_thrown_in_one_branch_is_caught_by_another(eng, restart, clock):
    """Closing the gates throws "car-park-closed"; the waiting branch catches it and goes on."""
    deploy(eng, "car_park_closure_signal.bpmn")
    iid = eng.start("car_park_closure", "CP-NORTH", tenant=TENANT)
    gates = only_task(eng, iid)
    assert (gates.name, gates.candidate_groups) == ("Close car park gates", ["enforcement"])
    assert_round_trip(eng, iid)

    eng = restart()
    eng.complete(gates.id, "erin", roles=["enforcement"])
    assert_round_trip(eng, iid)
    notify = only_task(eng, iid)
    assert (notify.name, notify.candidate_groups) == ("Notify season parkers", ["back-office"])

    eng = restart()
    eng.complete(notify.id, "clerk", roles=["back-office"])
    assert_round_trip(eng, iid)
    assert eng.instance(iid).status == "completed"


# -- messages thrown --------------------------------------------------------------------------

def test_message_throw_event_passes_through(eng, restart, clock):
    """Throwing "renewal-confirmed" does not stop the instance: it carries on to its end."""
    deploy(eng, "season_renewal_message.bpmn")
    iid = eng.start("season_renewal", "SEASON-2026-0042", tenant=TENANT)
    task = only_task(eng, iid)
    assert (task.name, task.candidate_groups) == ("Confirm renewal", ["back-office"])
    assert_round_trip(eng, iid)
    eng = restart()
    eng.complete(task.id, "clerk", roles=["back-office"])
    assert_round_trip(eng, iid)
    assert eng.instance(iid).status == "completed"


# -- 10. cancellation -------------------------------------------------------------------------

def test_cancel_withdraws_tasks_timers_subscriptions_and_jobs(eng, restart, services, clock):
    """Cancelling mid-flight closes both tasks and leaves no timer, subscription or pending job."""
    calls = []
    services.add("notify_insurer", lambda call: calls.append(call.business_key) or {})
    deploy(eng, "incident_response.bpmn")
    iid = eng.start("incident_response", "INC-2026-17", tenant=TENANT)
    tasks = open_by_name(eng, iid)
    assert sorted(tasks) == ["Record incident report", "Secure incident scene"]
    assert waits(eng, iid) == {
        "timers": [("Scene still open", T0 + timedelta(minutes=30))],
        "messages": [("police-report", "INC-2026-17")], "jobs": ["notify_insurer"]}
    assert_round_trip(eng, iid)

    eng = restart()
    eng.cancel(iid, "supervisor")
    assert_round_trip(eng, iid)
    assert eng.instance(iid).status == "cancelled"
    assert {t.name: t.status for t in eng.instance_tasks(iid)} == {
        "Record incident report": "cancelled", "Secure incident scene": "cancelled"}
    assert waits(eng, iid) == NOTHING
    assert eng.open_tasks(TENANT) == []

    clock.shift(timedelta(hours=2))
    eng = restart()
    assert eng.fire_due_timers() == 0
    assert eng.correlate_message("police-report", "INC-2026-17", tenant=TENANT) == 0
    assert eng.run_due_jobs() == 0
    assert calls == []
    history = kinds(eng, iid)
    assert (history.count("task_cancelled"), history.count("instance_cancelled")) == (2, 1)


@pytest.mark.parametrize("filename, key, variables", [
    ("towing_subprocess.bpmn", "towing_request", {}),
    ("bay_inspection.bpmn", "bay_inspection", {"bays": BAYS}),
])
def test_cancel_reaches_into_subprocesses_and_multi_instances(
        eng, restart, clock, filename, key, variables):
    """Tasks inside a subprocess or a multi-instance, and the subprocess timer, go with it."""
    deploy(eng, filename)
    iid = eng.start(key, "CXL-1", variables, TENANT)
    assert open_tasks(eng, iid)
    eng = restart()
    eng.cancel(iid, "supervisor")
    assert_round_trip(eng, iid)
    assert {t.status for t in eng.instance_tasks(iid)} == {"cancelled"}
    assert waits(eng, iid) == NOTHING
    clock.shift(timedelta(days=1))
    assert eng.fire_due_timers() == 0


def test_a_loop_deeper_than_spiffworkflows_task_walks_reaches_its_task_and_ends(
        eng, restart, clock):
    # 600 rounds make the task tree ~1,200 levels deep: SpiffWorkflow's own iterator stops at
    # 1,000 and would leave the instance running with nothing to do (engine.workflow).
    deploy(eng, "deep_loop.bpmn")
    iid = eng.start("deep_loop", "LOOP-600", {"rounds": 0, "limit": 600}, TENANT)
    task = only_task(eng, iid)
    assert task.name == "Check the count"
    assert eng.instance(iid).variables["rounds"] == 600
    assert_round_trip(eng, iid)
    later = restart()
    later.complete(task.id, "agent", {}, roles=["back-office"])
    assert later.instance(iid).status == "completed"
