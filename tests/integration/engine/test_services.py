"""Service tasks call named handlers, retry with back-off, then raise incidents; messages correlate."""

from datetime import timedelta

import pytest

from engine import DefinitionError, TaskConflict

from .conftest import TENANT, assert_round_trip, bpmn, deploy, only_task


@pytest.fixture
def calls(services):
    """Registers `charge_card`, failing while `calls['fail']` is positive; records every call."""
    log = {"fail": 0, "seen": []}

    def charge_card(call):
        log["seen"].append((call.job_id, call.attempt, call.business_key))
        if log["fail"] > 0:
            log["fail"] -= 1
            raise ConnectionError("payment provider unreachable")
        return {"charge_id": f"ch_{call.job_id}"}
    services.add("charge_card", charge_card)
    return log


def test_service_task_runs_its_handler_then_waits_for_a_message(eng, calls, clock):
    """The handler's result lands in the data; the message correlated by business key continues."""
    deploy(eng, "service_then_message.bpmn")
    iid = eng.start("charge", "INV-1", tenant=TENANT)
    assert eng.run_due_jobs() == 1
    assert calls["seen"] == [(1, 1, "INV-1")]
    assert eng.instance(iid).variables["charge_id"] == "ch_1"
    assert eng.correlate_message("payment-received", "INV-2", tenant=TENANT) == 0
    assert eng.correlate_message("payment-received", "INV-1", {"amount": 990}, TENANT) == 1
    task = only_task(eng, iid)
    assert task.name == "Check payment"
    assert_round_trip(eng, iid)


def test_a_job_runs_once_even_if_asked_twice(eng, calls, clock):
    """Running the same job id again after it succeeded does nothing."""
    deploy(eng, "service_then_message.bpmn")
    eng.start("charge", "INV-3", tenant=TENANT)
    eng.run_due_jobs()
    eng.run_job(1)
    assert len(calls["seen"]) == 1


def test_failing_handler_is_retried_with_backoff_then_becomes_an_incident(eng, calls, clock):
    """Three attempts spaced by the back-off, then an incident; retry resumes the instance."""
    calls["fail"] = 3
    deploy(eng, "service_then_message.bpmn")
    iid = eng.start("charge", "INV-4", tenant=TENANT)
    assert eng.run_due_jobs() == 1
    assert eng.run_due_jobs() == 0            # back-off: not yet
    clock.shift(timedelta(seconds=5))
    assert eng.run_due_jobs() == 1
    clock.shift(timedelta(seconds=30))
    assert eng.run_due_jobs() == 1
    assert [a for _, a, _ in calls["seen"]] == [1, 2, 3]
    incidents = eng.incidents(TENANT)
    assert len(incidents) == 1
    assert "failed 3 times" in incidents[0].message
    assert "payment provider unreachable" in incidents[0].message
    clock.shift(timedelta(hours=1))
    assert eng.run_due_jobs() == 0            # nothing runs while the incident is open
    eng.retry_incident(incidents[0].id, "admin")
    assert eng.run_due_jobs() == 1
    assert eng.incidents(TENANT) == []
    assert eng.instance(iid).variables["charge_id"].startswith("ch_")
    with pytest.raises(TaskConflict):
        eng.retry_incident(incidents[0].id, "admin")


def test_unknown_handler_is_refused_at_deploy(eng):
    """A diagram calling a handler nobody registered is refused with its line."""
    with pytest.raises(DefinitionError) as err:
        eng.deploy(bpmn("service_then_message.bpmn"), "svc.bpmn", TENANT)
    assert "unknown handler 'charge_card'" in str(err.value)
    assert str(err.value).startswith("svc.bpmn:8:")


def test_hostile_data_turns_a_script_into_an_incident(eng, clock):
    """A script made hostile by its input data is stopped by the sandbox: incident, no result."""
    deploy(eng, "runtime_attack.bpmn")
    iid = eng.start("runtime_attack", "X-1", {"base": 9, "exponent": 9 ** 9, "loops": 1}, TENANT)
    incidents = eng.incidents(TENANT)
    assert len(incidents) == 1 and incidents[0].task_name == "Compute"
    assert "exponent" in incidents[0].message
    assert "result" not in eng.instance(iid).variables
    assert eng.instance_tasks(iid) == []
    assert_round_trip(eng, iid)


def test_endless_loop_is_cut_by_the_time_limit(eng, clock):
    """A loop bounded only by hostile data hits the CPU budget and becomes an incident."""
    deploy(eng, "runtime_attack.bpmn")
    eng.start("runtime_attack", "X-2", {"base": 2, "exponent": 3, "loops": 10 ** 12}, TENANT)
    [incident] = eng.incidents(TENANT)
    assert "time limit" in incident.message


def test_retry_of_a_script_incident_runs_the_script_again(eng, clock):
    """Retry re-runs the failed script; still failing, it opens a fresh incident."""
    deploy(eng, "runtime_attack.bpmn")
    iid = eng.start("runtime_attack", "X-3", {"base": 9, "exponent": 9 ** 9, "loops": 1}, TENANT)
    [first] = eng.incidents(TENANT)
    eng.retry_incident(first.id, "admin")
    [second] = eng.incidents(TENANT)
    assert second.id != first.id
    assert eng.instance(iid).status == "running"


def test_fixing_the_variables_then_retrying_a_script_incident_succeeds(eng, clock):
    """The supervisor repairs the value the script choked on; the retry computes with it."""
    deploy(eng, "runtime_attack.bpmn")
    iid = eng.start("runtime_attack", "X-4", {"base": 9, "exponent": 9 ** 9, "loops": 1}, TENANT)
    [incident] = eng.incidents(TENANT)
    eng.set_variables(iid, {"exponent": 2}, "supervisor", tenant=TENANT)
    assert eng.instance(iid).variables["exponent"] == 2
    eng.retry_incident(incident.id, "supervisor")
    assert eng.incidents(TENANT) == []
    assert eng.instance(iid).variables["result"] == 81
    [event] = [e for e in eng.history(iid) if e.kind == "variables_changed"]
    assert event.actor == "supervisor"
    assert event.payload == {"before": {"exponent": 9 ** 9}, "after": {"exponent": 2}}
    assert_round_trip(eng, iid)


def test_a_retried_service_task_sees_the_repaired_variables(eng, services, clock):
    """A handler refusing a bad value is retried after the fix and gets the new value."""
    seen = []

    def charge_card(call):
        seen.append(call.variables.get("card"))
        if call.variables.get("card") == "expired":
            raise ValueError("card expired")
        return {"charge_id": "ch_ok"}
    services.add("charge_card", charge_card)
    deploy(eng, "service_then_message.bpmn")
    iid = eng.start("charge", "INV-9", {"card": "expired"}, tenant=TENANT)
    for _ in range(3):
        eng.run_due_jobs()
        clock.shift(timedelta(minutes=1))
    [incident] = eng.incidents(TENANT)
    eng.set_variables(iid, {"card": "valid"}, "supervisor", tenant=TENANT)
    eng.retry_incident(incident.id, "supervisor")
    assert eng.run_due_jobs() == 1
    assert seen == ["expired"] * 3 + ["valid"]
    assert eng.instance(iid).variables["charge_id"] == "ch_ok"


@pytest.mark.parametrize("changes, field", [
    ({}, "variables"),
    ({"1st": 1}, "1st"),
    ({"_private": 1}, "_private"),
    ({"amount": float("nan")}, "amount"),
    ({"blob": "x" * 20_000}, "blob"),
])
def test_refused_variable_changes_name_the_variable_and_change_nothing(eng, clock, changes,
                                                                      field):
    """Bad names or values are refused per variable; the instance keeps its data."""
    from engine import InvalidVariables

    deploy(eng, "runtime_attack.bpmn")
    iid = eng.start("runtime_attack", "X-5", {"base": 9, "exponent": 9 ** 9, "loops": 1}, TENANT)
    with pytest.raises(InvalidVariables) as refused:
        eng.set_variables(iid, changes, "supervisor", tenant=TENANT)
    assert field in refused.value.errors
    assert eng.instance(iid).variables["exponent"] == 9 ** 9


def test_a_finished_instance_keeps_its_variables(eng, calls, clock):
    """Only running instances change: a completed or cancelled one answers a conflict."""
    deploy(eng, "service_then_message.bpmn")
    iid = eng.start("charge", "INV-10", tenant=TENANT)
    eng.cancel(iid, "supervisor")
    with pytest.raises(TaskConflict):
        eng.set_variables(iid, {"amount": 1}, "supervisor", tenant=TENANT)
