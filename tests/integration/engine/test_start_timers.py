"""Timer start events with a fixed date, duration or cycle: the engine starts the instances
itself, exactly once per occurrence, on the version deployed last."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import DefinitionError, Engine, make_db_engine
from engine.store import StartTimer
from tasks.runner import EmbeddedRunner

from .conftest import T0, TENANT, assert_round_trip, only_task

DIAGRAM = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Defs_count"
                  targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="occupancy_count" name="Occupancy count" isExecutable="true">
    <bpmn:startEvent id="Every_morning" name="{label}">
      <bpmn:outgoing>F1</bpmn:outgoing>
      <bpmn:timerEventDefinition id="Timer_def">
        <bpmn:{kind}>{value}</bpmn:{kind}>
      </bpmn:timerEventDefinition>
    </bpmn:startEvent>
    <bpmn:sequenceFlow id="F1" sourceRef="Every_morning" targetRef="Count" />
    <bpmn:userTask id="Count" name="Count parked cars" camunda:candidateGroups="back-office">
      <bpmn:incoming>F1</bpmn:incoming><bpmn:outgoing>F2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="F2" sourceRef="Count" targetRef="Done" />
    <bpmn:endEvent id="Done"><bpmn:incoming>F2</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>
"""
TIMER_LINE = 9


def deploy(eng, kind, value, label="Every morning"):
    return eng.deploy(DIAGRAM.format(kind=kind, value=value, label=label).encode(),
                      "occupancy_count.bpmn", TENANT, actor="designer")


def counts(eng):
    """Ids of the occupancy-count instances, oldest first."""
    return sorted(i.id for i in eng.instances(TENANT) if i.process_key == "occupancy_count")


def schedule_rows(eng):
    with eng.reading() as session:
        return [(r.definition_id, r.due_at, r.remaining) for r in session.scalars(
            select(StartTimer).order_by(StartTimer.id))]


def test_date_starts_one_instance_at_that_time(eng, restart, clock):
    deploy(eng, "timeDate", "2026-03-02T12:00:00Z")
    assert eng.start_scheduled() == 0 and counts(eng) == []

    clock.move_to(T0 + timedelta(hours=2, minutes=59))
    assert eng.start_scheduled() == 0
    clock.move_to(T0 + timedelta(hours=3))                 # 12:00: due, fires at the instant
    eng = restart()
    assert eng.start_scheduled() == 1
    iid, = counts(eng)
    task = only_task(eng, iid)
    assert (task.name, task.candidate_groups) == ("Count parked cars", ["back-office"])
    assert_round_trip(eng, iid)
    started = [e for e in eng.history(iid) if e.kind == "timer_started"]
    assert [e.payload["timer"] for e in started] == ["2026-03-02T12:00:00Z"]
    # Once: the schedule is gone.
    clock.move_to(T0 + timedelta(days=3))
    assert eng.start_scheduled() == 0 and schedule_rows(eng) == []


def test_duration_counts_from_the_deployment(eng, clock):
    deploy(eng, "timeDuration", "PT2H")
    clock.move_to(T0 + timedelta(hours=1))
    assert eng.start_scheduled() == 0
    clock.move_to(T0 + timedelta(hours=2))
    assert eng.start_scheduled() == 1 and len(counts(eng)) == 1


def test_cycle_starts_each_occurrence_and_stops_after_its_repetitions(eng, clock):
    """R3 from 10:00 every hour: 10:00, 11:00, 12:00. Occurrences missed while no runner ran
    start one instance, not a burst."""
    deploy(eng, "timeCycle", "R3/2026-03-02T10:00:00Z/PT1H")
    clock.move_to(T0 + timedelta(hours=1))                 # 10:00
    assert eng.start_scheduled() == 1
    clock.move_to(T0 + timedelta(hours=1, minutes=30))
    assert eng.start_scheduled() == 0
    clock.move_to(T0 + timedelta(hours=2))                 # 11:00
    assert eng.start_scheduled() == 1
    clock.move_to(T0 + timedelta(hours=6))                 # 15:00: 12:00 was missed
    assert eng.start_scheduled() == 1
    assert schedule_rows(eng) == []
    clock.move_to(T0 + timedelta(days=1))
    assert eng.start_scheduled() == 0
    instances = counts(eng)
    assert len(instances) == 3
    for iid in instances:
        assert only_task(eng, iid).name == "Count parked cars"
        assert_round_trip(eng, iid)


def test_endless_cycle_keeps_its_schedule(eng, clock):
    deploy(eng, "timeCycle", "R/PT8H")
    for hours in (8, 16, 24):
        clock.move_to(T0 + timedelta(hours=hours))
        assert eng.start_scheduled() == 1
    (_, due_at, remaining), = schedule_rows(eng)
    assert (due_at, remaining) == (T0 + timedelta(hours=32), None)


def test_new_version_replaces_the_schedule_and_gets_the_starts(eng, clock):
    first, = deploy(eng, "timeCycle", "R/2026-03-02T10:00:00Z/PT1H")
    second, = deploy(eng, "timeCycle", "R/2026-03-02T10:30:00Z/PT1H", label="Half past")
    assert (first.version, second.version) == (1, 2)
    (definition_id, due_at, _), = schedule_rows(eng)
    assert due_at == T0 + timedelta(hours=1, minutes=30)
    clock.move_to(T0 + timedelta(hours=1, minutes=30))
    assert eng.start_scheduled() == 1
    iid, = counts(eng)
    assert eng.instance(iid).definition_id == definition_id
    assert [d.version for d in eng.definitions(TENANT) if d.key == "occupancy_count"] == [2]


def test_monthly_cycle_keeps_to_the_calendar(eng, clock):
    """P1M from 1 March starts on the 1st of each month, not every 31 days."""
    deploy(eng, "timeCycle", "R/2026-04-01T06:00:00Z/P1M")
    for month in (4, 5, 6):
        (_, due_at, _), = schedule_rows(eng)
        assert (due_at.month, due_at.day, due_at.hour) == (month, 1, 6)
        clock.move_to(due_at)
        assert eng.start_scheduled() == 1


def test_cycle_wholly_in_the_past_schedules_nothing(eng, clock):
    deploy(eng, "timeCycle", "R2/2026-03-01T06:00:00Z/PT1H")
    assert schedule_rows(eng) == []


def test_an_outage_skips_missed_occurrences_and_counts_them(eng, clock):
    """R5 hourly from 10:00; the runner is away until 13:30: one start stands for 10:00-13:00,
    the three skipped count, one start is left at 14:00."""
    deploy(eng, "timeCycle", "R5/2026-03-02T10:00:00Z/PT1H")
    clock.move_to(T0 + timedelta(hours=4, minutes=30))
    assert eng.start_scheduled() == 1
    (_, due_at, remaining), = schedule_rows(eng)
    assert (due_at, remaining) == (T0 + timedelta(hours=5), 1)


def test_process_with_a_second_start_event_is_still_scheduled(eng, clock):
    xml = DIAGRAM.format(kind="timeDate", value="2026-03-02T10:00:00Z", label="Every morning")
    xml = xml.replace('<bpmn:sequenceFlow id="F1"', '<bpmn:startEvent id="By_hand">'
                      '<bpmn:outgoing>F0</bpmn:outgoing></bpmn:startEvent>'
                      '<bpmn:sequenceFlow id="F0" sourceRef="By_hand" targetRef="Count" />'
                      '<bpmn:sequenceFlow id="F1"').replace(
        "<bpmn:incoming>F1</bpmn:incoming>", "<bpmn:incoming>F0</bpmn:incoming>"
                                             "<bpmn:incoming>F1</bpmn:incoming>")
    eng.deploy(xml.encode(), "occupancy_count.bpmn", TENANT, actor="designer")
    assert [r[1] for r in schedule_rows(eng)] == [T0 + timedelta(hours=1)]
    clock.move_to(T0 + timedelta(hours=1))
    assert eng.start_scheduled() == 1
    iid, = counts(eng)
    assert only_task(eng, iid).name == "Count parked cars"


def test_timer_reading_variables_is_not_scheduled(eng, clock):
    """`${run_at}` needs an instance: someone starts it, it waits (the library's rounds)."""
    deploy(eng, "timeDate", "${run_at}")
    assert schedule_rows(eng) == []
    iid = eng.start("occupancy_count", "COUNT-1", {"run_at": "2026-03-02T10:00:00Z"}, TENANT)
    assert eng.instance_tasks(iid) == []
    clock.move_to(T0 + timedelta(hours=1))
    eng.fire_due_timers()
    assert only_task(eng, iid).name == "Count parked cars"
    assert eng.start_scheduled() == 0 and counts(eng) == [iid]


def test_two_runners_start_a_due_occurrence_once(eng, db_url, clock):
    deploy(eng, "timeDate", "2026-03-02T09:30:00Z")
    clock.move_to(T0 + timedelta(hours=1))
    engines = [Engine(make_db_engine(db_url)) for _ in range(2)]
    barrier, started = threading.Barrier(2), []

    def run(engine):
        barrier.wait()
        started.append(engine.start_scheduled())
    threads = [threading.Thread(target=run, args=(e,)) for e in engines]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        for engine in engines:
            engine.db_engine.dispose()
    assert sorted(started) == [0, 1]
    assert len(counts(eng)) == 1


def test_embedded_runner_starts_them(eng, clock):
    deploy(eng, "timeDate", "2026-03-02T09:00:00Z")         # due at once
    fired, _ = EmbeddedRunner(eng).run_once()
    assert fired == 1 and len(counts(eng)) == 1


@pytest.mark.parametrize("kind, value, message", [
    ("timeCycle", "R2/PT0S", "'R2/PT0S' is not a cycle the engine can schedule (the period "
                             "must be longer than zero)"),
    ("timeCycle", "R0/PT1H", "'R0/PT1H' is not a cycle the engine can schedule (R0 repeats "
                             "nothing)"),
    ("timeDuration", "P1X", "'P1X' is not a duration the engine can schedule"),
    ("timeDate", "2026-13-45T09:00:00Z", "'2026-13-45T09:00:00Z' is not a date the engine "
                                         "can schedule"),
])
def test_fixed_timer_that_cannot_be_scheduled_is_refused_at_its_line(eng, kind, value, message):
    with pytest.raises(DefinitionError) as err:
        deploy(eng, kind, f"'{value}'")
    assert str(err.value).startswith(
        f"occupancy_count.bpmn:{TIMER_LINE}: timer start event 'Every morning': {message}")
    assert eng.definitions(TENANT) == [] and schedule_rows(eng) == []
