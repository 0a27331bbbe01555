"""The state column: compact task rows now, and states saved in the earlier format still run.

tests/data/states/*_format1.json were written by ParkOps before task trees became compact rows
(SpiffWorkflow's own task dicts): a claim review waiting at its review task, and a towing
request waiting inside its embedded subprocess. An upgraded server must carry such instances
on from where they stood.
"""

import json

import pytest
from SpiffWorkflow.util.task import TaskState

from engine.parsing import parse_files
from engine.sandbox import make_script_engine
from engine.serializer import FORMAT_KEY, FORMAT_VERSION, dump_state, load_state

from .conftest import DATA, bpmn


def restore(diagram, key, text):
    """load_state() of `text` with the spec of process `key` in tests/data/bpmn/`diagram`."""
    parsed = parse_files([(diagram, bpmn(diagram))]).processes[key]
    return load_state(text, parsed.spec, parsed.subprocess_specs, make_script_engine())


def format_1(name):
    text = (DATA / "states" / f"{name}_format1.json").read_text()
    assert json.loads(text)[FORMAT_KEY] == 1
    return text


def ready(wf):
    return {t.task_spec.name: t for t in wf.get_tasks(state=TaskState.READY)}


def test_a_format_1_state_restores_and_runs_to_its_end():
    wf = restore("claim_review.bpmn", "claim_review", format_1("claim_review"))
    review = ready(wf)["review"]
    assert review.data == {"amount": 12_000, "fee": 1_200, "reminders": 0}
    assert len(wf.event_manager.tasks) == 1          # the boundary timer still waits
    review.data.update(approved=True, note="ok")
    review.run()
    wf.do_engine_steps()
    assert wf.completed and wf.data["approved"] is True


def test_a_format_1_state_inside_a_subprocess_restores():
    wf = restore("towing_subprocess.bpmn", "towing_request", format_1("towing_subprocess"))
    assert list(ready(wf)) == ["Activity_dispatch"]
    assert len(wf.subprocesses) == 1


@pytest.mark.parametrize("diagram,key,name", [
    ("claim_review.bpmn", "claim_review", "claim_review"),
    ("towing_subprocess.bpmn", "towing_request", "towing_subprocess"),
])
def test_saved_again_a_state_is_compact_and_restores_to_itself(diagram, key, name):
    old = format_1(name)
    text = dump_state(restore(diagram, key, old))
    assert json.loads(text)[FORMAT_KEY] == FORMAT_VERSION == 2
    assert len(text) < len(old) / 2                 # why the format changed: half the text
    again = restore(diagram, key, text)
    assert dump_state(again) == text
    assert {n: t.data for n, t in ready(again).items()} == {
        n: t.data for n, t in ready(restore(diagram, key, old)).items()}
