"""Start and complete run the process before their write transaction begins; whatever another
writer commits meanwhile is never overwritten nor ignored (real SQLite file, real writers)."""

import pytest

from engine import Engine, TaskConflict
from engine.writers import TAKEN, Turn, lock_path

from .conftest import TENANT, assert_round_trip, deploy, only_task


@pytest.fixture
def claim(eng, clock):
    """A started claim_review instance and its open task."""
    deploy(eng, "claim_review.bpmn")
    iid = eng.start("claim_review", "OCC-1", {"amount": 12_000}, TENANT, actor="agent")
    return iid, only_task(eng, iid)


@pytest.fixture
def meanwhile(monkeypatch):
    """meanwhile(fn): run fn() once, while the next operation's process runs on (between its
    reads and its writes). Records which kinds of attempt complete made (True: ahead of the
    write transaction, False: inside it from the start)."""
    pending = Meanwhile()
    attempts = pending.attempts
    run_steps, complete = Engine._run_steps, Engine._complete

    def steps(engine, wf):
        while pending:
            pending.pop()()
        return run_steps(engine, wf)

    def recorded(engine, *args, ahead):
        attempts.append(ahead)
        return complete(engine, *args, ahead=ahead)

    monkeypatch.setattr(Engine, "_run_steps", steps)
    monkeypatch.setattr(Engine, "_complete", recorded)
    return pending


class Meanwhile(list):
    """Writes to make while the next operation runs on, and complete's attempts."""

    def __init__(self):
        super().__init__()
        self.attempts = []


def test_other_writers_go_on_while_a_completion_runs_its_process(eng, claim, meanwhile):
    _, task = claim
    free = []

    def other_writer():
        turn = Turn(lock_path(eng.db_engine.url.database), timeout=0.01)
        free.append(turn.take())
        turn.close()

    meanwhile.append(other_writer)
    done = eng.complete(task.id, "agent", {"approved": True})
    assert free == [TAKEN] and done.status == "completed"
    assert meanwhile.attempts == [True]        # nobody wrote meanwhile: no second attempt


def test_a_write_elsewhere_meanwhile_costs_a_check_not_a_second_attempt(eng, claim, meanwhile):
    iid, task = claim
    meanwhile.append(lambda: eng.start("claim_review", "OCC-2", {"amount": 5}, TENANT))
    eng.complete(task.id, "agent", {"approved": True})
    assert meanwhile.attempts == [True]
    assert eng.instance(iid).status == "completed"


def test_a_task_reassigned_meanwhile_is_not_completed_by_the_first_claimant(eng, claim,
                                                                           meanwhile):
    iid, task = claim
    meanwhile.append(lambda: eng.assign(task.id, "bob", actor="supervisor"))
    with pytest.raises(TaskConflict, match="claimed by bob"):
        eng.complete(task.id, "agent", {"approved": True})
    assert meanwhile.attempts == [True, False]     # seen at the check, refused on the retry
    again = eng.task(task.id)
    assert (again.status, again.assignee) == ("open", "bob")
    assert "task_completed" not in [e.kind for e in eng.history(iid)]
    assert_round_trip(eng, iid)


def test_a_completion_overtaken_by_a_change_of_its_instance_keeps_that_change(eng, claim,
                                                                             meanwhile):
    """Variables changed while the completion ran on are not lost: it runs again on them."""
    iid, task = claim
    meanwhile.append(lambda: eng.set_variables(iid, {"memo": "call back"}, actor="supervisor"))
    done = eng.complete(task.id, "agent", {"approved": True})
    assert meanwhile.attempts == [True, False]
    assert done.status == "completed"
    inst = eng.instance(iid)
    assert inst.status == "completed"
    assert inst.variables["memo"] == "call back" and inst.variables["approved"] is True
    kinds = [e.kind for e in eng.history(iid)]
    assert kinds.count("task_completed") == 1 and kinds.count("instance_completed") == 1


def test_a_task_completed_meanwhile_is_a_conflict_once(eng, claim, meanwhile):
    iid, task = claim
    meanwhile.append(lambda: eng.complete(task.id, "bob", {"approved": False}))
    with pytest.raises(TaskConflict, match="already completed"):
        eng.complete(task.id, "agent", {"approved": True})
    assert eng.task(task.id).completed_by == "bob"
    assert [e.kind for e in eng.history(iid)].count("task_completed") == 1
