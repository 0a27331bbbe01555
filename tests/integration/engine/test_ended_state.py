"""An ended instance keeps its final variables, not a task tree, and never runs again."""

import pytest

from engine.errors import InstanceEnded, TaskConflict
from engine.serializer import ended_variables
from engine.store import ProcessInstance

from .conftest import TENANT, deploy, only_task


def stored_state(engine, iid):
    """The state column of the instance row."""
    with engine.reading() as session:
        return session.get(ProcessInstance, iid).state


def test_a_completed_instance_keeps_every_final_variable(eng):
    """Lists and numbers alike: the row keeps what the process ended with."""
    deploy(eng, "claim_review.bpmn")
    iid = eng.start("claim_review", "CL-1", {"amount": 12_000}, TENANT, actor="agent")
    task = only_task(eng, iid)
    eng.complete(task.id, "agent", {"approved": True, "note": "fine"})
    assert eng.instance(iid).status == "completed"
    kept = ended_variables(stored_state(eng, iid))
    assert kept == {"amount": 12_000, "fee": 1_200, "reminders": 0, "approved": True,
                    "note": "fine"}
    assert "tasks" not in stored_state(eng, iid)       # no task tree stored any more


def test_a_running_instance_stores_its_task_tree(eng):
    """Only an ended instance gives its tree up; a running one must be able to resume."""
    deploy(eng, "claim_review.bpmn")
    iid = eng.start("claim_review", "CL-2", {"amount": 500}, TENANT, actor="agent")
    assert ended_variables(stored_state(eng, iid)) is None


def test_a_cancelled_instance_keeps_the_variables_it_had(eng):
    """Cancelled while waiting: the variables at that moment stay readable."""
    deploy(eng, "claim_review.bpmn")
    iid = eng.start("claim_review", "CL-3", {"amount": 800}, TENANT, actor="agent")
    eng.cancel(iid, "supervisor")
    assert ended_variables(stored_state(eng, iid)) == {"amount": 800, "fee": 80,
                                                       "reminders": 0}


def test_an_ended_instance_refuses_to_run_again(eng):
    """Asked to restore its workflow (a bug or a stale job), the engine answers a conflict
    instead of running a half-remembered process."""
    deploy(eng, "claim_review.bpmn")
    iid = eng.start("claim_review", "CL-4", {"amount": 800}, TENANT, actor="agent")
    eng.cancel(iid, "supervisor")
    with eng.reading() as session, pytest.raises(InstanceEnded, match="cancelled"):
        eng._load(session, iid)
    assert issubclass(InstanceEnded, TaskConflict)      # 409 for the web app and the API
    with pytest.raises(TaskConflict):
        eng.cancel(iid, "supervisor")


def test_the_status_and_open_tasks_of_an_instance_read_without_restoring_it(eng):
    """What an API client asks right after starting an instance."""
    deploy(eng, "claim_review.bpmn")
    iid = eng.start("claim_review", "CL-5", {"amount": 800}, TENANT, actor="agent")
    assert eng.instance_status(iid) == "running"
    assert eng.instance_status(iid, tenant="another") is None
    assert eng.instance_status(iid + 1000) is None
    task_ids = eng.open_task_ids(iid)
    assert task_ids == [only_task(eng, iid).id]
    eng.complete(task_ids[0], "agent", {"approved": False})
    assert eng.instance_status(iid) == "completed" and eng.open_task_ids(iid) == []
