"""Signals are broadcast: a thrown signal reaches every instance of the tenant waiting for it
(catch events, boundary events) and starts the processes with a signal start event for it."""

from sqlalchemy import select

from engine import Engine, jobs, make_db_engine
from engine.status import JobKind, JobStatus
from engine.store import Job
from processes.worknotes import timeline

from .conftest import TENANT, assert_round_trip, deploy, only_task

SIGNAL = "car-park-closed"


def open_names(eng, iid):
    return sorted(t.name for t in eng.instance_tasks(iid) if t.status == "open")


def reports(eng, tenant=TENANT):
    return [i for i in eng.instances(tenant) if i.process_key == "closure_report"]


def test_signal_thrown_by_one_instance_reaches_every_waiting_instance(eng, restart, clock):
    deploy(eng, "car_park_closure_signal.bpmn")
    deploy(eng, "car_park_closed_listeners.bpmn")
    notices = [eng.start("season_notice", f"SEASON-{n}", tenant=TENANT) for n in (1, 2)]
    hold = eng.start("booking_hold", "BK-77", tenant=TENANT)
    closure = eng.start("car_park_closure", "CP-NORTH", tenant=TENANT)
    assert [open_names(eng, iid) for iid in notices] == [[], []]
    assert reports(eng) == []

    eng = restart()
    eng.complete(only_task(eng, closure).id, "erin", roles=["enforcement"])
    # Caught at once inside the thrower; the others hear it after the commit, from the outbox.
    assert open_names(eng, closure) == ["Notify season parkers"]
    assert [open_names(eng, iid) for iid in notices] == [[], []]
    assert eng.run_due_jobs() == 1

    assert [open_names(eng, iid) for iid in notices] == [["Tell parker about the closure"]] * 2
    assert open_names(eng, hold) == ["Refund booking"]
    assert [t.status for t in eng.instance_tasks(hold) if t.name == "Confirm booking"] == [
        "cancelled"]
    report, = reports(eng)
    assert (only_task(eng, report.id).name, only_task(eng, report.id).candidate_groups) == (
        "File closure report", ["supervisor"])
    for iid in (*notices, hold, report.id, closure):
        assert_round_trip(eng, iid)
    sent, = [e for e in eng.history(closure) if e.kind == "signal_sent"]
    assert sent.payload == {"signal": SIGNAL, "received": 4}
    assert [e.kind for e in eng.history(notices[0])].count("signal_received") == 1

    # Delivered once: the job is done, nobody hears it twice.
    assert eng.run_due_jobs() == 0
    assert len(reports(eng)) == 1
    assert open_names(eng, notices[0]) == ["Tell parker about the closure"]


def test_instance_that_starts_waiting_later_does_not_hear_an_old_signal(eng, clock):
    deploy(eng, "car_park_closed_listeners.bpmn")
    assert eng.broadcast_signal(SIGNAL, TENANT) == 1            # only the report starts
    late = eng.start("season_notice", "SEASON-9", tenant=TENANT)
    assert open_names(eng, late) == []
    assert eng.broadcast_signal(SIGNAL, TENANT) == 2
    assert open_names(eng, late) == ["Tell parker about the closure"]
    assert len(reports(eng)) == 2


def test_signal_stays_inside_its_tenant(eng, db_url, clock):
    deploy(eng, "car_park_closed_listeners.bpmn")
    deploy(eng, "car_park_closed_listeners.bpmn", tenant="other")
    ours = eng.start("season_notice", "SEASON-1", tenant=TENANT)
    theirs = eng.start("season_notice", "SEASON-1", tenant="other")
    assert eng.broadcast_signal(SIGNAL, "other") == 2
    assert open_names(eng, theirs) == ["Tell parker about the closure"]
    assert open_names(eng, ours) == []
    assert reports(eng) == [] and len(reports(eng, "other")) == 1


def test_a_signal_nobody_waits_for_is_recorded_as_heard_by_none(eng, clock):
    deploy(eng, "car_park_closure_signal.bpmn")
    closure = eng.start("car_park_closure", "CP-SOUTH", tenant=TENANT)
    eng.complete(only_task(eng, closure).id, "erin", roles=["enforcement"])
    assert eng.run_due_jobs() == 1
    sent, = [e for e in eng.history(closure) if e.kind == "signal_sent"]
    assert sent.payload["received"] == 0


def test_waiting_instances_are_found_after_a_restart(eng, db_url, clock):
    """The subscription is a row: a brand-new engine (another process) finds the listeners."""
    deploy(eng, "car_park_closed_listeners.bpmn")
    notice = eng.start("season_notice", "SEASON-3", tenant=TENANT)
    other = Engine(make_db_engine(db_url))
    try:
        assert other.broadcast_signal(SIGNAL, TENANT) == 2
    finally:
        other.db_engine.dispose()
    assert open_names(eng, notice) == ["Tell parker about the closure"]


def test_case_history_tells_who_heard_the_signal(eng, clock):
    """The case timeline reads the broadcast in plain words, on both sides."""
    deploy(eng, "car_park_closure_signal.bpmn")
    deploy(eng, "car_park_closed_listeners.bpmn")
    notice = eng.start("season_notice", "SEASON-4", tenant=TENANT)
    closure = eng.start("car_park_closure", "CP-EAST", tenant=TENANT)
    eng.complete(only_task(eng, closure).id, "erin", roles=["enforcement"])
    eng.run_due_jobs()
    lines = {e.kind: timeline.describe(e.kind, e.actor, e.payload)
             for iid in (closure, notice) for e in eng.history(iid)}
    assert lines["signal_sent"] == ("Signal “car-park-closed” was broadcast; 2 other case(s) "
                                    "heard it")
    assert lines["signal_received"] == "Signal “car-park-closed” was heard"


def test_a_delivery_run_again_starts_nothing_twice(eng, clock):
    """A worker that died after the starts but before the job was done: the next run
    reaches the listeners that still wait, and starts no second closure report."""
    deploy(eng, "car_park_closure_signal.bpmn")
    deploy(eng, "car_park_closed_listeners.bpmn")
    closure = eng.start("car_park_closure", "CP-WEST", tenant=TENANT)
    eng.complete(only_task(eng, closure).id, "erin", roles=["enforcement"])
    with eng.reading() as session:
        job_id, = session.scalars(select(Job.id).where(Job.kind == JobKind.SIGNAL))
    jobs.deliver_signal(eng, job_id)
    assert len(reports(eng)) == 1
    with eng._operation() as session:           # as if the worker died before the end
        session.get(Job, job_id).status = JobStatus.PENDING
    late = eng.start("season_notice", "SEASON-8", tenant=TENANT)
    jobs.deliver_signal(eng, job_id)
    assert len(reports(eng)) == 1
    assert open_names(eng, late) == ["Tell parker about the closure"]


def test_started_by_hand_a_signal_started_process_runs_at_once(eng, clock):
    deploy(eng, "car_park_closed_listeners.bpmn")
    iid = eng.start("closure_report", "REPORT-1", tenant=TENANT)
    assert open_names(eng, iid) == ["File closure report"]
    assert eng.broadcast_signal(SIGNAL, TENANT) == 1        # a new report; the first one
    assert open_names(eng, iid) == ["File closure report"]  # does not hear it again
