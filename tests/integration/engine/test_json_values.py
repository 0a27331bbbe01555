"""What the JSON codec (engine.jsontext) means for instances: NaN/Infinity stored as null the same
way from the cache and from the database, old rows the json module wrote still running, and
the basket's role filter matching group names in old and new candidate_groups text."""

import json
import math
from enum import Enum, IntEnum, StrEnum
from uuid import UUID

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import text

from engine import basket
from engine.basket import Filters, View, Viewer
from engine.parsing import parse_files
from engine.sandbox import make_script_engine
from engine.serializer import dump_state, load_state

from .conftest import T0, TENANT, assert_round_trip, bpmn, deploy, only_task

AGENT = Viewer(TENANT, "agent", ("back-office",), "Europe/Brussels")
NULLS = ("x_null", "low_null", "gap_null", "big_null", "last_null")


def reject(constant):
    raise ValueError(f"{constant} is not JSON")


def stored_state(engine, iid):
    with engine.reading() as session:
        return session.execute(text("SELECT state FROM engine_instance WHERE id = :id"),
                               {"id": iid}).scalar()


def cached_state(engine, iid):
    entry = engine.workflows._entries.get(iid)
    return None if entry is None else dump_state(entry[1])


@pytest.mark.parametrize("warm", [True, False], ids=["cached", "restored"])
def test_overflowing_floats_become_null_from_the_cache_as_from_the_database(
        eng, restart, clock, warm):
    """A script's Infinity/NaN (alone, in a dict, in a list) is null to the next script, whether
    the instance goes on from the engine's cache or from its row."""
    deploy(eng, "script_overflow.bpmn")
    iid = eng.start("script_overflow", "OVF-1", tenant=TENANT)
    state = stored_state(eng, iid)
    json.loads(state, parse_constant=reject)        # strict JSON: no NaN, no Infinity
    assert cached_state(eng, iid) == state
    runner = eng if warm else restart()
    runner.complete(only_task(runner, iid).id, "clerk")
    assert eng.incidents(TENANT) == []
    variables = eng.instance(iid).variables
    assert {name: variables[name] for name in NULLS} == dict.fromkeys(NULLS, True)
    assert variables["fine"] == 2.5 and variables["x"] is None
    assert_round_trip(eng, iid)


def test_an_instance_the_json_module_saved_with_nan_carries_on(eng, restart, clock):
    """A row written before the codec, holding NaN and Infinity, restores and runs; its next
    save is strict JSON."""
    deploy(eng, "script_overflow.bpmn")
    iid = eng.start("script_overflow", "OVF-2", tenant=TENANT)
    old = (stored_state(eng, iid).replace('"x":null', '"x":Infinity')
           .replace('"gap":null', '"gap":NaN'))
    assert "Infinity" in old and "NaN" in old
    with eng.transaction() as session:
        session.execute(text("UPDATE engine_instance SET state = :state WHERE id = :id"),
                        {"state": old, "id": iid})
    fresh = restart()
    fresh.complete(only_task(fresh, iid).id, "clerk")
    assert only_task(fresh, iid).name == "Numbers used"
    variables = fresh.instance(iid).variables
    assert variables["x_null"] is False and variables["gap_null"] is False  # the old values
    json.loads(stored_state(fresh, iid), parse_constant=reject)
    assert_round_trip(fresh, iid)


def test_role_filter_matches_group_names_in_old_and_new_rows(eng, clock):
    """A group name outside ASCII (with LIKE wildcards in it) is found in rows the json module
    wrote (\\u escapes) and in rows the codec writes (UTF-8); a near miss is not."""
    deploy(eng, "unicode_groups.bpmn")
    tasks = {}
    for key, office in (("OLD-1", True), ("NEW-1", True), ("NEAR-1", False)):
        iid = eng.start("unicode_groups", key, {"office": office}, TENANT)
        tasks[key] = only_task(eng, iid).id
        eng.claim(tasks[key], "agent", roles=["back-office"], tenant=TENANT)
    with eng.transaction() as session:
        stored = session.execute(text("SELECT candidate_groups FROM engine_human_task "
                                      "WHERE id = :id"), {"id": tasks["NEW-1"]}).scalar()
        assert "Büro_%" in stored
        session.execute(text("UPDATE engine_human_task SET candidate_groups = :groups "
                             "WHERE id = :id"),
                        {"groups": json.dumps(["Büro_%", "back-office"]), "id": tasks["OLD-1"]})

    def listed(role):
        page = basket.fetch(eng, View.INBOX, AGENT, Filters(role=role))
        return sorted(row.task.business_key for row in page.rows)
    assert listed("Büro_%") == ["NEW-1", "OLD-1"]
    assert listed("BüroX%") == ["NEAR-1"]
    assert listed("Büro") == []
    assert listed("back-office") == ["NEAR-1", "NEW-1", "OLD-1"]


class Kind(str, Enum):
    BAY = "bay"


class Colour(StrEnum):
    RED = "red"


class Level(IntEnum):
    HIGH = 3


class Lane(Enum):
    ONE = 1


TAG = UUID(int=7)
# A value put in task data -> what both the cached workflow and a restored one then hold.
SETTLED = {
    "infinity": (math.inf, None),
    "nan in a list": ([1.5, math.nan], [1.5, None]),
    "nan in a dict": ({"a": -math.inf}, {"a": None}),
    "text enum": (Kind.BAY, "bay"),
    "str enum": (Colour.RED, "red"),
    "int enum": ({"level": Level.HIGH}, {"level": 3}),
    "plain enum": (Lane.ONE, 1),
    "uuid": (TAG, str(TAG)),
    "tuple": ((1, (2, 3)), [1, [2, 3]]),
    "int, bool and None keys": ({1: "a", False: "b", None: "c"},
                                {"1": "a", "false": "b", "null": "c"}),
    "enum key": ({Kind.BAY: 1}, {"bay": 1}),
    "nan key": ({math.nan: 1}, {"null": 1}),
    "big int": (2**70, 2**70),
    "datetime": (T0, T0),
}


@pytest.fixture(scope="module")
def claim_review():
    return parse_files([("claim_review.bpmn", bpmn("claim_review.bpmn"))]).processes[
        "claim_review"]


@pytest.mark.parametrize("value, held", SETTLED.values(), ids=SETTLED.keys())
def test_a_saved_workflow_holds_what_its_restored_copy_holds(claim_review, value, held):
    """After a save, a value in task data is what a restore of the saved text gives back."""
    wf = BpmnWorkflow(claim_review.spec, claim_review.subprocess_specs,
                      script_engine=make_script_engine())
    wf.get_tasks(state=TaskState.READY)[0].data["amount"] = 100
    wf.do_engine_steps()
    review, = wf.get_tasks(state=TaskState.READY)
    review.data["v"] = value
    text = dump_state(wf)
    restored = load_state(text, claim_review.spec, claim_review.subprocess_specs,
                          make_script_engine())
    again, = restored.get_tasks(state=TaskState.READY)
    assert review.data["v"] == again.data["v"] == held
    assert type(review.data["v"]) is type(again.data["v"]) is type(held)
    assert dump_state(restored) == text
