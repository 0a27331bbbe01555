"""ParkOps' task-tree walks (engine.workflow) find what SpiffWorkflow's iterators find.

Every diagram of the test data and of the library is run twice, by SpiffWorkflow's own
BpmnWorkflow and by ParkOpsWorkflow, with the same form answers: after every step both hold
the same tasks in the same states with the same data, and at every step the walk lists the
same tasks in the same order as TaskIterator/BpmnTaskIterator for every state mask. The two
runs also change task states each its own way (SpiffWorkflow's Task._set_state with its log
line, ParkOps' without it while nobody listens).
"""
import logging
from pathlib import Path

import pytest
import time_machine
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.util.task import BpmnTaskIterator
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskIterator, TaskState

from engine import DefinitionError
from engine.parsing import HandlerServiceTask, parse_files
from engine.sandbox import make_script_engine
from engine.serializer import dump_state, load_state
from engine.workflow import ParkOpsSubWorkflow, ParkOpsWorkflow, walk_tasks

ROOT = Path(__file__).resolve().parents[2]
DIAGRAMS = sorted([*(ROOT / "tests" / "data" / "bpmn").glob("*.bpmn"),
                   *(ROOT / "library").glob("*.bpmn")])
MASKS = [TaskState.READY, TaskState.WAITING, TaskState.FUTURE, TaskState.STARTED,
         TaskState.COMPLETED, TaskState.MAYBE | TaskState.LIKELY, TaskState.NOT_FINISHED_MASK,
         TaskState.FINISHED_MASK, TaskState.ANY_MASK, TaskState.READY | TaskState.STARTED]
# What the diagrams read before their first form (the values their own tests start with).
START = {"amount": 12_000, "rounds": 0, "limit": 3, "plate": "WX 1234A", "fee": 50,
         "bays": ["A1", "A2", "B7"], "urgent": True, "damage_reported": True, "office": "Kraków",
         "eligible": True, "place_available": True, "retries_left": 2, "retry_delay": "PT1H",
         "deadline": "2026-03-09T09:00:00+00:00", "run_at": "2026-03-03T02:00:00+00:00",
         "no_show_at": "2026-03-02T10:00:00+00:00"}
STEPS = 30


def processes():
    """(file name, process key, parsed process) of every diagram the engine accepts."""
    found = []
    for path in DIAGRAMS:
        try:
            bundle = parse_files([(path.name, path.read_bytes())])
        except DefinitionError:
            continue                  # the refused files of the test data
        found += [(path.name, key, parsed) for key, parsed in sorted(bundle.processes.items())]
    return found


PROCESSES = processes()


def answers(task, step):
    """Form values for a user task: every field filled, booleans alternating by step."""
    fields = (getattr(task.task_spec, "parkops", None) or {}).get("form", {}).get("fields", [])
    values = {}
    for field in fields:
        kind = field["type"]
        if kind == "boolean":
            values[field["id"]] = step % 2 == 0
        elif kind == "long":
            values[field["id"]] = 1 + step
        elif kind == "enum":
            values[field["id"]] = field["options"][step % len(field["options"])]["id"]
        elif kind == "date":
            values[field["id"]] = "2026-03-02"
        else:
            values[field["id"]] = f"answer {step}"
    return values


def snapshot(wf):
    """Every task of a workflow and its subprocesses as SpiffWorkflow's own iterator sees
    them: spec name, state and data (as text: NaN is not equal to itself), in tree order
    (task ids differ between two runs)."""
    return [(t.task_spec.name, TaskState.get_name(t.state), repr(t.data))
            for t in BpmnTaskIterator(wf.task_tree)]


def drive(wf):
    """Run the workflow as the engine would for STEPS steps; yields after each step.

    A step runs the engine steps, then completes the first READY manual task with answers,
    or the first STARTED service task (what a job does). Failures are part of the outcome.
    """
    for step in range(STEPS):
        try:
            wf.do_engine_steps()
        except Exception as exc:          # a script or condition failing on these answers
            yield f"{type(exc).__name__}: {exc}"
            return
        yield None
        ready = [t for t in wf.get_tasks(state=TaskState.READY) if t.task_spec.manual]
        jobs = [t for t in wf.get_tasks(state=TaskState.STARTED)
                if isinstance(t.task_spec, HandlerServiceTask)]
        if ready:
            ready[0].data.update(answers(ready[0], step))
            ready[0].run()
        elif jobs:
            jobs[0].complete()
        else:
            return


def new(cls, parsed):
    wf = cls(parsed.spec, parsed.subprocess_specs, script_engine=make_script_engine())
    for task in wf.get_tasks(state=TaskState.READY):
        task.data.update(START)
    return wf


def check_walks(wf):
    """At this moment every walk equals SpiffWorkflow's iterator over the same tree."""
    for flow in (wf, *wf.subprocesses.values()):
        for mask in MASKS:
            assert list(walk_tasks(flow.task_tree, mask, wf.subprocesses)) == \
                list(BpmnTaskIterator(flow.task_tree, state=mask)), (flow.spec.name, mask)
            assert list(walk_tasks(flow.task_tree, mask)) == \
                list(TaskIterator(flow.task_tree, state=mask)), (flow.spec.name, mask)
        for name in {t.task_spec.name for t in flow.tasks.values()}:
            assert list(walk_tasks(flow.task_tree, TaskState.ANY_MASK, wf.subprocesses,
                                   spec_name=name)) == \
                list(BpmnTaskIterator(flow.task_tree, spec_name=name))


@pytest.mark.parametrize("filename,key,parsed", PROCESSES,
                         ids=[f"{f}:{k}" for f, k, _ in PROCESSES])
def test_parkops_workflow_runs_every_diagram_as_spiffworkflow_does(filename, key, parsed):
    stock, ours = new(BpmnWorkflow, parsed), new(ParkOpsWorkflow, parsed)
    steps = 0
    for stock_failure, our_failure in zip(drive(stock), drive(ours), strict=True):
        steps += 1
        assert our_failure == stock_failure
        assert snapshot(ours) == snapshot(stock), f"step {steps}"
        assert ours.completed == stock.completed
        assert len(ours.subprocesses) == len(stock.subprocesses)
        check_walks(ours)
    assert steps >= 1
    assert all(isinstance(sp, ParkOpsSubWorkflow) for sp in ours.subprocesses.values())


def test_the_diagrams_cover_subprocesses_waiting_tasks_and_finished_runs():
    # The comparison above means something only if the runs reach these situations.
    reached = {"subprocess": False, "waiting": False, "completed": False}
    for _, _, parsed in PROCESSES:
        wf = new(ParkOpsWorkflow, parsed)
        for _ in drive(wf):
            reached["subprocess"] |= bool(wf.subprocesses)
            reached["waiting"] |= bool(wf.get_tasks(state=TaskState.WAITING))
        reached["completed"] |= wf.completed
    assert reached == {"subprocess": True, "waiting": True, "completed": True}


def test_a_task_tree_deeper_than_spiffworkflows_walks_still_runs_and_round_trips():
    parsed = parse_files([("deep_loop.bpmn",
                           (ROOT / "tests" / "data" / "bpmn" / "deep_loop.bpmn").read_bytes())
                          ]).processes["deep_loop"]
    wf = new(ParkOpsWorkflow, parsed)
    for task in wf.get_tasks(state=TaskState.READY):
        task.data.update(rounds=0, limit=600)
    wf.do_engine_steps()
    check, = [t for t in wf.get_tasks(state=TaskState.READY) if t.task_spec.manual]
    assert check.task_spec.name == "check" and check.data["rounds"] == 600
    assert check.depth > 1000       # TaskIterator stops descending at 1,000 levels
    restored = load_state(dump_state(wf), parsed.spec, parsed.subprocess_specs,
                          make_script_engine())
    assert isinstance(restored, ParkOpsWorkflow)
    check, = [t for t in restored.get_tasks(state=TaskState.READY) if t.task_spec.manual]
    check.run()
    restored.do_engine_steps()
    assert restored.completed


def test_stored_states_restore_as_parkops_workflows_under_spiffworkflows_type_names():
    parsed = next(p for f, _, p in PROCESSES if f == "towing_subprocess.bpmn")
    stock = new(BpmnWorkflow, parsed)
    stock.do_engine_steps()
    text = dump_state(stock)         # a state written by plain SpiffWorkflow classes
    restored = load_state(text, parsed.spec, parsed.subprocess_specs, make_script_engine())
    assert type(restored) is ParkOpsWorkflow
    assert dump_state(restored) == text


def claim_review():
    return next(parsed for name, key, parsed in PROCESSES if name == "claim_review.bpmn")


def test_task_state_log_lines_are_built_only_when_the_logger_listens(caplog, monkeypatch):
    """While `spiff.task` drops INFO lines, tasks of ParkOps' workflows change state without
    building SpiffWorkflow's log line; plain BpmnWorkflow tasks still build it; once the
    logger listens, ParkOps' tasks log every change as SpiffWorkflow does."""
    built = []
    collect = Task.collect_log_extras
    monkeypatch.setattr(Task, "collect_log_extras", lambda task, dct=None: (
        built.append(type(task.workflow)), collect(task, dct))[1])
    caplog.set_level(logging.WARNING, logger="spiff.task")
    new(ParkOpsWorkflow, claim_review()).do_engine_steps()
    assert built == []
    new(BpmnWorkflow, claim_review()).do_engine_steps()
    assert set(built) == {BpmnWorkflow}

    caplog.set_level(logging.INFO, logger="spiff.task")
    new(ParkOpsWorkflow, claim_review()).do_engine_steps()
    changes = [r for r in caplog.records if r.getMessage().startswith("State changed to ")]
    assert ParkOpsWorkflow in built and changes
    assert {"task_spec", "state", "elapsed"} <= set(vars(changes[-1]))


def test_a_state_change_is_timed_and_the_same_state_again_is_not():
    """last_state_change moves when a task's state changes, as SpiffWorkflow's method does."""
    wf = new(ParkOpsWorkflow, claim_review())
    wf.do_engine_steps()
    task = wf.get_next_task(state=TaskState.READY)
    before = task.last_state_change
    with time_machine.travel(1_900_000_000, tick=False):
        task._set_state(TaskState.READY)
        assert (task.state, task.last_state_change) == (TaskState.READY, before)
        task._set_state(TaskState.WAITING)
        assert (task.state, task.last_state_change) == (TaskState.WAITING, 1_900_000_000)
