"""The occurrences API: report (201 with id and OCC reference), list with filters and counts,
read, change (409 while ended, reopening with role and reason), comment."""
import pytest

from tests.integration.api.conftest import Api

from .conftest import status_id, type_id

URL = "/api/v1/occurrences"


@pytest.fixture
def api(app, place):
    """An API client with tokens for the demo users."""
    client = Api(app)
    for user in ("agent", "supervisor", "admin"):
        client.login(user)
    return client


@pytest.fixture
def reported(api, eng, place):
    """A Damage reported through the API by the agent; its JSON."""
    response = api.post(URL, "agent", json={
        "type_id": type_id(eng, "Damage"), "booking_id": place.booking_id,
        "description": "Scratch on the boot", "values": {"location": ["Rear"],
                                                          "damage_type": "Scratch"}})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_post_reports_an_occurrence_with_its_reference_and_deadline(reported, eng):
    """201 with id, OCC-0001, Created, deadline 48 h on, linked to the booking."""
    assert reported["reference"] == "OCC-0001" and reported["id"]
    assert reported["status"]["name"] == "Created" and reported["booking"]["reference"] == \
        "BK-000001"
    assert (reported["created_at"], reported["deadline_at"]) == ("2026-03-02T09:00:00Z",
                                                                 "2026-03-04T09:00:00Z")
    tasks = [t for t in eng.instance_tasks(reported["instance_id"]) if t.status == "open"]
    assert [t.business_key for t in tasks] == ["OCC-0001"]


def test_post_refuses_bad_fields_with_422_per_field(api, eng, place):
    """Each of the type's fields is checked by its kind; unknown ones are named."""
    response = api.post(URL, "agent", json={
        "type_id": type_id(eng, "Vehicle issue"), "site_id": place.site_id,
        "description": "Car will not start", "values": {"issue_type": "Alien abduction",
                                                        "colour": "red"}})
    assert response.status_code == 422
    assert set(response.get_json()["fields"]) == {"issue_type", "colour"}


def test_get_lists_with_filters_and_counts_per_status(api, eng, reported):
    """The filters narrow the list; counts come per status."""
    body = api.get(f"{URL}?type_id={type_id(eng, 'Damage')}&overdue=0", "agent").get_json()
    assert [o["reference"] for o in body["occurrences"]] == ["OCC-0001"]
    assert {c["status"]: c["count"] for c in body["counts"]}["Created"] == 1
    assert api.get(f"{URL}?overdue=maybe", "agent").status_code == 422


def test_patch_on_an_ended_occurrence_is_409_with_a_clear_message(api, eng, reported):
    """Closed: editing fields answers 409 saying it is read-only until reopened."""
    url = f"{URL}/{reported['id']}"
    closed = api.call("PATCH", url, "agent", json={"status_id": status_id(eng, "Closed")})
    assert closed.get_json()["read_only"] is True
    response = api.call("PATCH", url, "agent", json={"values": {"damage_type": "Dent"}})
    assert response.status_code == 409
    assert "read-only" in response.get_json()["error"]


def test_patch_reopening_requires_the_role_and_a_reason(api, eng, reported):
    """Agent: 403. Supervisor without reason: 422. With a reason: reopened and logged."""
    url = f"{URL}/{reported['id']}"
    api.call("PATCH", url, "agent", json={"status_id": status_id(eng, "Closed")})
    pending = status_id(eng, "Pending")
    assert api.call("PATCH", url, "agent", json={"status_id": pending,
                                                 "reason": "x"}).status_code == 403
    refused = api.call("PATCH", url, "supervisor", json={"status_id": pending})
    assert refused.status_code == 422 and "reason" in refused.get_json()["fields"]
    body = api.call("PATCH", url, "supervisor", json={"status_id": pending,
                                                      "reason": "New evidence"}).get_json()
    assert body["status"]["name"] == "Pending"
    assert body["activity"][-1]["kind"] == "reopened"
    assert body["activity"][-1]["note"] == "New evidence"


def test_patch_assigns_and_edits_fields_with_the_activity_log(api, eng, reported):
    """Assignee and a field change show who changed what from what to what."""
    body = api.call("PATCH", f"{URL}/{reported['id']}", "supervisor", json={
        "assignee": "agent", "values": {"damage_type": "Dent"}}).get_json()
    assert body["assignee"] == "agent" and body["values"]["damage_type"] == "Dent"
    moves = [(a["kind"], a["actor"], a["old"], a["new"]) for a in body["activity"]]
    assert ("field_changed", "supervisor", "Scratch", "Dent") in moves
    assert ("assigned", "supervisor", "", "agent") in moves


def test_post_comment_adds_it(api, reported):
    """201 with the comment; it shows on the occurrence."""
    response = api.post(f"{URL}/{reported['id']}/comments", "agent", json={"body": "Called"})
    assert response.status_code == 201 and response.get_json()["author"] == "agent"
    detail = api.get(f"{URL}/{reported['id']}", "agent").get_json()
    assert [c["body"] for c in detail["comments"]] == ["Called"]


def test_occurrence_types_list_the_fields_clients_must_send(api):
    """Types with their fields and SLA, and the statuses with their colour and ended flag."""
    body = api.get("/api/v1/occurrence-types", "agent").get_json()
    damage = next(t for t in body["types"] if t["name"] == "Damage")
    assert [f["key"] for f in damage["fields"]] == ["location", "damage_type", "pre_existing"]
    assert [s["ended"] for s in body["statuses"]] == [False, False, True, True]
