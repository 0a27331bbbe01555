"""Event-based gateway races: only the event that happened first takes its path.

Regression: a message delivered while the gateway's timer was already due (the runner had not
fired it yet) used to run BOTH outgoing paths, so the case got two tasks.
"""
from datetime import timedelta

from .conftest import TENANT, assert_round_trip, deploy


def open_names(eng, iid):
    """Names of the instance's open tasks."""
    return sorted(t.name for t in eng.instance_tasks(iid) if t.status == "open")


def test_a_message_arriving_after_the_overdue_timer_is_refused_and_the_timer_path_runs_once(
        eng, restart, clock):
    """Deadline passed but not yet fired, then the payment arrives: one reminder, no booking."""
    deploy(eng, "fine_payment_race.bpmn")
    iid = eng.start("fine_payment", "FINE-2026-0400", tenant=TENANT)
    clock.shift(timedelta(days=60))                 # the runner was down for two months
    eng = restart()
    assert eng.correlate_message("fine-paid", "FINE-2026-0400", {"amount_paid": 4500},
                                 TENANT) == 0
    assert open_names(eng, iid) == []               # the timer is still the runner's to fire
    assert eng.fire_due_timers() == 1
    assert open_names(eng, iid) == ["Send payment reminder"]
    assert "amount_paid" not in eng.instance(iid).variables
    assert_round_trip(eng, iid)


def test_the_same_gateway_reached_again_races_afresh(eng, clock):
    """Before its deadline the message still wins, with exactly one task."""
    deploy(eng, "fine_payment_race.bpmn")
    iid = eng.start("fine_payment", "FINE-2026-0401", tenant=TENANT)
    clock.shift(timedelta(days=14) - timedelta(seconds=1))
    assert eng.correlate_message("fine-paid", "FINE-2026-0401", tenant=TENANT) == 1
    clock.shift(timedelta(days=1))
    assert eng.fire_due_timers() == 0
    assert open_names(eng, iid) == ["Book payment"]
    assert_round_trip(eng, iid)
