"""GET /api/v1/tasks and the task actions: claim, unclaim, assign, complete."""
import threading
from datetime import timedelta

import pytest

from engine import defaults as engine_defaults

from .conftest import PREFIX, T0

TASKS = f"{PREFIX}/tasks"


def view(name, page=None):
    """URL of one basket view (and page)."""
    return f"{TASKS}?view={name}" + (f"&page={page}" if page else "")


@pytest.fixture
def agent(api):
    """The agent's token (back-office)."""
    return api.login("agent")


@pytest.fixture
def agent2(api, add_user):
    """A second back-office user's token."""
    add_user("agent2", ["back-office"])
    return api.login("agent2")


@pytest.fixture
def supervisor(api):
    """The supervisor's token (back-office + supervisor)."""
    return api.login("supervisor")


def action(task_id, name):
    """URL of a task action."""
    return f"{TASKS}/{task_id}/{name}"


def test_queue_lists_claimable_tasks_with_their_fields(api, agent, claim_task):
    """Queue items carry id, name, process, instance, business key, due in UTC, priority..."""
    task = claim_task("OCC-0042")
    body = api.get(view("queue"), agent).get_json()
    assert (body["view"], body["page"], body["next_page"]) == ("queue", 1, None)
    [item] = body["tasks"]
    assert {k: item[k] for k in ("id", "name", "process_key", "process_name", "instance_id",
                                 "business_key", "due", "priority", "assignee", "overdue")} == {
        "id": task.id, "name": "Review claim", "process_key": "claim_review",
        "process_name": "Claim review", "instance_id": task.instance_id,
        "business_key": "OCC-0042", "due": "2026-03-04T09:00:00Z", "priority": 70,
        "assignee": None, "overdue": False}


def test_queue_shows_the_process_basket_columns(api, agent, engine, diagrams, clock):
    """The variables a process names in basketColumns come with each listed task."""
    engine.start("escalation", "CMP-1", {"customer": "Ms Peeters", "category": "billing",
                                         "internal": "x"}, tenant="demo")
    clock.shift(timedelta(minutes=10))
    engine.fire_due_timers()
    [item] = api.get(view("queue"), agent).get_json()["tasks"]
    assert item["variables"] == {"customer": "Ms Peeters", "category": "billing"}
    assert item["due"] == "2026-03-03T09:10:00Z"   # its boundary timer of one day


def test_queue_is_per_role(api, claim_task):
    """A designer holds no back-office role, so the back-office task is not in their queue."""
    claim_task()
    assert api.get(view("queue"), api.login("designer")).get_json()["tasks"] == []


def test_views_are_paged(api, agent, claim_task):
    """Pages hold PAGE_SIZE tasks; next_page points on until the last page, where it is null."""
    for n in range(engine_defaults.PAGE_SIZE + 1):
        claim_task(f"OCC-{n:04d}")
    first = api.get(view("queue", 1), agent).get_json()
    assert (len(first["tasks"]), first["next_page"]) == (engine_defaults.PAGE_SIZE, 2)
    second = api.get(view("queue", 2), agent).get_json()
    assert (len(second["tasks"]), second["next_page"]) == (1, None)
    assert not {t["id"] for t in first["tasks"]} & {t["id"] for t in second["tasks"]}


@pytest.mark.parametrize("query, field", [("view=later", "view"), ("page=0", "page"),
                                          ("page=two", "page"), ("page=999999999", "page")])
def test_bad_view_or_page_is_422(api, agent, query, field):
    """An unknown view or a page that is not a positive number is refused per field."""
    response = api.get(f"{TASKS}?{query}", agent)
    assert response.status_code == 422
    assert field in response.get_json()["fields"]


def test_claim_moves_the_task_to_the_inbox(api, agent, claim_task):
    """Claiming answers the task with the user as assignee; it leaves the queue for the inbox."""
    task = claim_task()
    response = api.post(action(task.id, "claim"), agent)
    assert response.status_code == 200
    assert response.get_json()["assignee"] == "agent"
    assert api.get(view("queue"), agent).get_json()["tasks"] == []
    assert [t["id"] for t in api.get(view("inbox"), agent).get_json()["tasks"]] == [task.id]


def test_claim_of_a_task_someone_else_claimed_is_409(api, agent, agent2, claim_task):
    """The second claimer gets 409 naming who has it; the first keeps it. Reclaiming is harmless."""
    task = claim_task()
    api.post(action(task.id, "claim"), agent)
    response = api.post(action(task.id, "claim"), agent2)
    assert response.status_code == 409
    assert "already claimed by agent" in response.get_json()["error"]
    again = api.post(action(task.id, "claim"), agent)
    assert (again.status_code, again.get_json()["assignee"]) == (200, "agent")


def test_unclaim_returns_the_task_to_the_queue(api, agent, claim_task):
    """The assignee's unclaim empties the assignee and puts the task back in the queue."""
    task = claim_task()
    api.post(action(task.id, "claim"), agent)
    response = api.post(action(task.id, "unclaim"), agent)
    assert (response.status_code, response.get_json()["assignee"]) == (200, None)
    assert [t["id"] for t in api.get(view("queue"), agent).get_json()["tasks"]] == [task.id]


def test_unclaim_of_someone_elses_task_is_409(api, agent, agent2, claim_task):
    """Only the assignee may unclaim; anyone else gets 409 and the task stays theirs."""
    task = claim_task()
    api.post(action(task.id, "claim"), agent)
    response = api.post(action(task.id, "unclaim"), agent2)
    assert response.status_code == 409
    assert api.get(f"{TASKS}/{task.id}", agent).get_json()["assignee"] == "agent"


def test_supervisor_assigns_and_returns_to_queue(api, agent, supervisor, claim_task):
    """A supervisor hands a task to an agent, then back to the queue with user null."""
    task = claim_task()
    response = api.post(action(task.id, "assign"), supervisor, json={"user": "agent"})
    assert (response.status_code, response.get_json()["assignee"]) == (200, "agent")
    assert [t["id"] for t in api.get(view("inbox"), agent).get_json()["tasks"]] == [task.id]
    back = api.post(action(task.id, "assign"), supervisor, json={"user": None})
    assert (back.status_code, back.get_json()["assignee"]) == (200, None)


def test_assignee_may_hand_their_task_on(api, agent, agent2, claim_task):
    """The assignee may give their own task to a colleague who may work on it."""
    task = claim_task()
    api.post(action(task.id, "claim"), agent)
    response = api.post(action(task.id, "assign"), agent, json={"user": "agent2"})
    assert (response.status_code, response.get_json()["assignee"]) == (200, "agent2")


def test_agent_cannot_assign_a_task_that_is_not_theirs(api, agent, claim_task):
    """Assigning a queue task is for supervisors: 403 for an agent."""
    task = claim_task()
    response = api.post(action(task.id, "assign"), agent, json={"user": "agent"})
    assert response.status_code == 403


@pytest.mark.parametrize("target, message", [
    ("ghost", "no active user"), ("designer", "cannot work on")])
def test_assign_to_someone_unfit_is_422(api, supervisor, claim_task, target, message):
    """The new assignee must be an active user allowed to work on the task."""
    task = claim_task()
    response = api.post(action(task.id, "assign"), supervisor, json={"user": target})
    assert response.status_code == 422
    assert message in response.get_json()["fields"]["user"].lower()


def test_assign_body_needs_the_user_field(api, supervisor, claim_task):
    """An assign without "user" answers 422 naming the field."""
    task = claim_task()
    response = api.post(action(task.id, "assign"), supervisor, json={})
    assert response.get_json()["fields"] == {"user": "This field is required."}


def test_complete_with_valid_form_completes_once(api, agent, agent2, claim_task, engine):
    """A valid form completes the task (200, completed); a second completion by anyone is 409."""
    task = claim_task()
    response = api.post(action(task.id, "complete"), agent,
                        json={"variables": {"approved": True, "note": "ok"}})
    assert response.status_code == 200
    body = response.get_json()
    assert (body["status"], body["completed_by"]) == ("completed", "agent")
    for token in (agent, agent2):
        again = api.post(action(task.id, "complete"), token, json={"variables": {"approved": 1}})
        assert again.status_code == 409
        assert "already completed" in again.get_json()["error"]
    kinds = [e.kind for e in engine.history(task.instance_id)]
    assert kinds.count("task_completed") == 1
    assert [t["id"] for t in api.get(view("done"), agent).get_json()["tasks"]] == [task.id]


def test_two_simultaneous_completions_complete_once(app, agent, agent2, claim_task, engine):
    """Two users completing the same task at the same moment: one 200, one 409, one event."""
    task = claim_task()
    barrier, statuses = threading.Barrier(2), []

    def finish(token):
        client = app.test_client()
        barrier.wait(timeout=5)
        response = client.post(action(task.id, "complete"), json={"variables": {"approved": True}},
                               headers={"Authorization": f"Bearer {token}"})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=finish, args=(token,)) for token in (agent, agent2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(statuses) == [200, 409]
    kinds = [e.kind for e in engine.history(task.instance_id)]
    assert kinds.count("task_completed") == 1


def test_invalid_form_is_422_per_field_and_changes_nothing(api, agent, claim_task, engine):
    """Missing and too-long values answer a message per field; the task stays open."""
    task = claim_task()
    response = api.post(action(task.id, "complete"), agent,
                        json={"variables": {"note": "x" * 201}})
    assert response.status_code == 422
    fields = response.get_json()["fields"]
    assert set(fields) == {"approved", "note"}
    assert "200" in fields["note"]
    assert engine.task(task.id).status == "open"
    assert "task_completed" not in {e.kind for e in engine.history(task.instance_id)}


def test_complete_without_a_body_checks_the_form(api, agent, claim_task):
    """No body means no values: the required field is reported."""
    task = claim_task()
    response = api.post(action(task.id, "complete"), agent)
    assert response.status_code == 422
    assert response.get_json()["fields"] == {"approved": "This field is required."}


def test_complete_of_a_task_someone_else_claimed_is_409(api, agent, agent2, claim_task):
    """Only the assignee completes a claimed task; others get 409."""
    task = claim_task()
    api.post(action(task.id, "claim"), agent)
    response = api.post(action(task.id, "complete"), agent2, json={"variables": {"approved": True}})
    assert response.status_code == 409
    assert "claimed by agent" in response.get_json()["error"]


def test_escalated_lists_overdue_tasks_for_supervisors(api, agent, supervisor, claim_task,
                                                        engine, clock):
    """Past its due time a task is overdue in Escalated, which supervisors (only) may open."""
    task = claim_task()
    assert api.get(view("escalated"), supervisor).get_json()["tasks"] == []
    clock.shift(timedelta(days=2, minutes=1))
    engine.escalate_overdue()
    [item] = api.get(view("escalated"), supervisor).get_json()["tasks"]
    assert (item["id"], item["overdue"]) == (task.id, True)
    response = api.get(view("escalated"), agent)
    assert response.status_code == 403
    assert "supervisors" in response.get_json()["error"]


def test_supervisor_takes_over_an_escalated_task(api, agent, supervisor, claim_task, engine,
                                                 clock):
    """A supervisor may reassign an overdue task that an agent holds, to themself."""
    task = claim_task()
    api.post(action(task.id, "claim"), agent)
    clock.shift(timedelta(days=3))
    engine.escalate_overdue()
    response = api.post(action(task.id, "assign"), supervisor, json={"user": "supervisor"})
    assert (response.status_code, response.get_json()["assignee"]) == (200, "supervisor")
    done = api.post(action(task.id, "complete"), supervisor,
                    json={"variables": {"approved": False}})
    assert done.status_code == 200


def test_task_shows_its_form(api, agent, claim_task):
    """GET /tasks/{id} carries the form's fields, so a client knows what complete needs."""
    task = claim_task()
    body = api.get(f"{TASKS}/{task.id}", agent).get_json()
    assert body["form"]["key"] == "review"
    assert [(f["id"], f["type"]) for f in body["form"]["fields"]] == [
        ("approved", "boolean"), ("note", "string")]
    assert body["created_at"] == T0.strftime("%Y-%m-%dT%H:%M:%SZ")
