"""Basket list actions: saved filters, bulk claim and bulk reassign, reported task by task."""
import re
from html import unescape

import pytest
from sqlalchemy import select

from processes.basket import defaults as basket_defaults
from processes.basket.models import SavedFilter

from .conftest import flashes, listed


def saved_links(response):
    """(name, href) of the saved-filter quick links on a page."""
    found = re.search(r'<ul class="saved-list">(.*?)</ul>', response.get_data(as_text=True), re.S)
    links = re.findall(r'<a href="([^"]*)">([^<]*)</a>', found.group(1)) if found else []
    return [(name, unescape(href)) for href, name in links]


def test_saved_filter_becomes_a_quick_link_that_reopens_it(work, client_for):
    """Saving the page's filter lists it as a link that reopens the same filtered view."""
    agent = client_for("agent")
    response = agent.post("/basket/queue/filters?process=claim_review&sort=priority&order=desc",
                          data={"name": "  Claims   first "})
    assert response.status_code == 303
    page = agent.get(response.headers["Location"])
    assert "Filter 'Claims first' saved." in flashes(page)
    assert saved_links(page) == [
        ("Claims first", "/basket/queue?process=claim_review&sort=priority&order=desc")]
    assert listed(agent.get(saved_links(page)[0][1])) == ["OCC-0001", "OCC-0002", "OCC-0003"]


def test_saved_filters_are_per_user(work, client_for):
    """Another user does not see my saved filters."""
    client_for("agent").post("/basket/queue/filters?due=week", data={"name": "This week"})
    assert saved_links(client_for("agent").get("/basket/inbox")) == [
        ("This week", "/basket/queue?due=week")]
    assert saved_links(client_for("bob").get("/basket/queue")) == []


def test_saving_under_an_existing_name_replaces_it(work, client_for, db):
    """A second save with the same name updates that filter instead of adding one."""
    agent = client_for("agent")
    agent.post("/basket/queue/filters?due=week", data={"name": "Mine"})
    agent.post("/basket/inbox/filters?due=overdue", data={"name": "Mine"})
    assert saved_links(agent.get("/basket/queue")) == [("Mine", "/basket/inbox?due=overdue")]
    assert len(db.scalars(select(SavedFilter)).all()) == 1


@pytest.mark.parametrize("name, message", [
    ("", "Give the filter a name."),
    ("x" * 61, "Field cannot be longer than 60 characters."),
])
def test_saving_without_a_good_name_is_a_422(work, client_for, name, message):
    """An empty or too long name comes back as 422 with the message at the name field."""
    response = client_for("agent").post("/basket/queue/filters?due=week", data={"name": name})
    assert response.status_code == 422
    assert f'<p class="field-error" id="name-error">{message}</p>' in response.get_data(
        as_text=True)


def test_saving_past_the_limit_is_refused(work, client_for, monkeypatch):
    """Past the per-user limit a new name is refused with a message; renaming still works."""
    monkeypatch.setattr(basket_defaults, "MAX_SAVED_FILTERS", 1)
    agent = client_for("agent")
    assert agent.post("/basket/queue/filters", data={"name": "One"}).status_code == 303
    response = agent.post("/basket/queue/filters", data={"name": "Two"})
    assert response.status_code == 422
    assert "delete one first" in response.get_data(as_text=True)
    assert agent.post("/basket/queue/filters?due=week", data={"name": "One"}).status_code == 303


def test_delete_saved_filter(work, client_for, db):
    """Deleting a saved filter removes its link and returns to the view it was deleted from."""
    agent = client_for("agent")
    agent.post("/basket/queue/filters?due=week", data={"name": "Week"})
    filter_id = db.scalar(select(SavedFilter.id))
    response = agent.post(f"/basket/filters/{filter_id}/delete?view=inbox")
    assert (response.status_code, response.headers["Location"]) == (303, "/basket/inbox")
    assert saved_links(agent.get("/basket/queue")) == []


def test_deleting_someone_elses_saved_filter_is_not_found(work, client_for, db):
    """Another user's filter id answers 404 and the filter stays."""
    client_for("agent").post("/basket/queue/filters?due=week", data={"name": "Week"})
    filter_id = db.scalar(select(SavedFilter.id))
    assert client_for("bob").post(f"/basket/filters/{filter_id}/delete").status_code == 404
    assert client_for("olga", tenant="other").post(
        f"/basket/filters/{filter_id}/delete").status_code == 404
    assert db.get(SavedFilter, filter_id) is not None


def test_bulk_claim_claims_every_ticked_task(work, eng, client_for):
    """Claim selected puts every ticked task in my Inbox and says how many."""
    agent = client_for("agent")
    ids = [work["OCC-0001"], work["PRM-0001"]]
    response = agent.post("/basket/queue/claim?sort=priority", data={"task_ids": ids})
    assert (response.status_code, response.headers["Location"]) == (
        303, "/basket/queue?sort=priority")
    assert flashes(agent.get(response.headers["Location"])) == ["2 claimed."]
    assert [eng.task(i).assignee for i in ids] == ["agent", "agent"]


def test_bulk_claim_reports_each_conflict_and_claims_the_rest(work, eng, client_for):
    """A task bob claimed first is reported by name; the others are claimed all the same."""
    eng.claim(work["OCC-0002"], "bob", tenant="demo")
    agent = client_for("agent")
    ids = [work["OCC-0001"], work["OCC-0002"], work["OCC-0003"]]
    response = agent.post("/basket/queue/claim", data={"task_ids": ids})
    assert flashes(agent.get(response.headers["Location"])) == [
        "2 claimed, 1 already claimed by bob."]
    assert [eng.task(i).assignee for i in ids] == ["agent", "bob", "agent"]


def test_bulk_claim_of_another_tenants_task_is_not_found_and_untouched(work, eng, client_for):
    """Ids of another tenant's tasks are reported not found and never changed."""
    agent = client_for("agent")
    response = agent.post("/basket/queue/claim",
                          data={"task_ids": [work["OCC-0999"], "no-such-task", work["CMP-0001"]]})
    assert flashes(agent.get(response.headers["Location"])) == ["1 claimed, 2 not found."]
    assert eng.task(work["OCC-0999"]).assignee is None
    assert eng.task(work["CMP-0001"]).assignee == "agent"


def test_bulk_claim_refuses_tasks_not_offered_to_me(work, eng, client_for):
    """A task offered to the agent by name cannot be claimed by bob in bulk."""
    bob = client_for("bob")
    response = bob.post("/basket/queue/claim", data={"task_ids": [work["PRM-0001"]]})
    assert flashes(bob.get(response.headers["Location"])) == [
        "0 claimed, 1 not offered to your roles."]
    assert eng.task(work["PRM-0001"]).assignee is None


def test_bulk_claim_with_nothing_ticked_is_a_422(work, client_for):
    """Claim with no task ticked re-renders the list with 422 and a message."""
    response = client_for("agent").post("/basket/queue/claim", data={})
    assert response.status_code == 422
    assert "Select at least one task." in response.get_data(as_text=True)


def test_bulk_claim_of_too_many_tasks_is_a_422_and_changes_nothing(work, eng, client_for,
                                                                   monkeypatch):
    """More ticked tasks than the bulk limit are refused as a whole."""
    monkeypatch.setattr(basket_defaults, "MAX_BULK_TASKS", 1)
    ids = [work["OCC-0001"], work["OCC-0002"]]
    response = client_for("agent").post("/basket/queue/claim", data={"task_ids": ids})
    assert response.status_code == 422
    assert "Select at most 1 tasks at a time." in response.get_data(as_text=True)
    assert [eng.task(i).assignee for i in ids] == [None, None]


def test_supervisor_bulk_reassigns_to_a_user(work, eng, client_for):
    """A supervisor gives ticked tasks, claimed or not, to bob; they land in bob's Inbox."""
    eng.claim(work["OCC-0001"], "agent", tenant="demo")
    ids = [work["OCC-0001"], work["CMP-0001"], work["OCC-0999"]]
    supervisor = client_for("supervisor")
    response = supervisor.post("/basket/queue/reassign", data={"task_ids": ids, "user": "bob"})
    assert response.status_code == 303
    assert flashes(supervisor.get(response.headers["Location"])) == [
        "2 reassigned to bob, 1 not found."]
    assert listed(client_for("bob").get("/basket/inbox")) == ["CMP-0001", "OCC-0001"]
    assert eng.task(work["OCC-0999"]).assignee is None


@pytest.mark.parametrize("user, message", [
    ("", "Name the user to give the tasks to."),
    ("nobody", "There is no active user &#39;nobody&#39; here."),
    ("olga", "There is no active user &#39;olga&#39; here."),
])
def test_bulk_reassign_to_an_unknown_user_is_a_422_and_changes_nothing(work, eng, client_for,
                                                                       user, message):
    """Reassigning to a user who is not in this tenant is refused at the user field."""
    response = client_for("supervisor").post(
        "/basket/queue/reassign", data={"task_ids": [work["OCC-0001"]], "user": user})
    assert response.status_code == 422
    assert f'<p class="field-error" id="user-error">{message}</p>' in response.get_data(
        as_text=True)
    assert eng.task(work["OCC-0001"]).assignee is None


def test_completed_task_in_a_bulk_claim_is_reported_as_completed(work, eng, client_for):
    """A task completed meanwhile is reported as such, never reopened."""
    eng.complete(work["OCC-0001"], "bob", {"approved": True}, tenant="demo")
    agent = client_for("agent")
    response = agent.post("/basket/queue/claim", data={"task_ids": [work["OCC-0001"]]})
    assert flashes(agent.get(response.headers["Location"])) == ["0 claimed, 1 already completed."]
    assert eng.task(work["OCC-0001"]).completed_by == "bob"
