"""POST /api/v1/instances and GET /api/v1/instances/{id}."""
import pytest

from .conftest import PREFIX, RIVAL, bpmn, open_task

INSTANCES = f"{PREFIX}/instances"


@pytest.fixture
def designer(api, diagrams):
    """The designer's token, with claim_review and escalation deployed."""
    return api.login("designer")


def test_start_answers_201_with_id_and_status(api, designer, engine):
    """A valid start form starts the latest version: 201, id, status and a Location."""
    response = api.post(INSTANCES, designer, json={
        "process_key": "claim_review", "business_key": "OCC-0042", "variables": {"amount": "1200"}})
    assert response.status_code == 201
    body = response.get_json()
    assert body["status"] == "running"
    assert response.headers["Location"] == f"{INSTANCES}/{body['id']}"
    stored = engine.instance(body["id"], tenant="demo")
    assert (stored.business_key, stored.variables["amount"]) == ("OCC-0042", 1200)


STRAIGHT_THROUGH = b"""<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" targetNamespace="t">
  <process id="straight_through" isExecutable="true">
    <startEvent id="start"/>
    <sequenceFlow id="flow" sourceRef="start" targetRef="end"/>
    <endEvent id="end"/>
  </process>
</definitions>"""


def test_start_answers_the_status_the_instance_was_committed_with(api, designer, engine):
    """A process with nothing to wait for has ended by the time start answers."""
    engine.deploy(STRAIGHT_THROUGH, "straight_through.bpmn", "demo", actor="designer")
    response = api.post(INSTANCES, designer, json={"process_key": "straight_through"})
    assert response.status_code == 201
    body = response.get_json()
    assert body["status"] == "completed"
    assert engine.instance_status(body["id"]) == "completed"


def test_bad_start_form_is_422_per_field_and_starts_nothing(api, designer, engine):
    """Start-form values are validated by the engine's form rules; nothing starts on refusal."""
    for value, message in [(None, "required"), ("lots", "whole number"), (-5, "at least 0")]:
        response = api.post(INSTANCES, designer, json={
            "process_key": "claim_review", "variables": {"amount": value}})
        assert response.status_code == 422
        assert message in response.get_json()["fields"]["amount"]
    assert engine.instances("demo") == []


def test_unknown_process_is_404(api, designer):
    """Starting a key that is not deployed in the tenant answers 404."""
    response = api.post(INSTANCES, designer, json={"process_key": "no_such_process"})
    assert response.status_code == 404
    assert "no_such_process" in response.get_json()["error"]


def test_another_tenants_process_cannot_be_started(api, designer, engine):
    """A key deployed only in another tenant is unknown here."""
    engine.deploy(bpmn("payment_notice.bpmn"), "payment_notice.bpmn", RIVAL)
    response = api.post(INSTANCES, designer, json={"process_key": "refund_request"})
    assert response.status_code == 404
    assert engine.instances(RIVAL) == []


def test_start_body_is_checked_per_field(api, designer):
    """Wrong types and unknown fields in the body answer 422 naming each field."""
    response = api.post(INSTANCES, designer, json={
        "process_key": 12, "business_key": ["x"], "variables": "amount=1", "extra": True})
    assert response.status_code == 422
    assert set(response.get_json()["fields"]) == {"process_key", "business_key", "variables",
                                                  "extra"}


def test_instance_shows_status_variables_open_tasks_and_history(api, designer, engine):
    """GET shows the instance's status, variables, its open task and the audit trail."""
    instance_id = api.post(INSTANCES, designer, json={
        "process_key": "claim_review", "business_key": "OCC-7",
        "variables": {"amount": 500}}).get_json()["id"]
    response = api.get(f"{INSTANCES}/{instance_id}", designer)
    assert response.status_code == 200
    body = response.get_json()
    assert (body["status"], body["business_key"], body["process_key"]) == (
        "running", "OCC-7", "claim_review")
    assert body["variables"]["fee"] == 50
    assert [(t["name"], t["due"]) for t in body["open_tasks"]] == [
        ("Review claim", "2026-03-04T09:00:00Z")]
    started = [e for e in body["history"] if e["kind"] == "instance_started"]
    assert [(e["actor"], e["payload"]["business_key"]) for e in started] == [("designer", "OCC-7")]
    assert "task_created" in {e["kind"] for e in body["history"]}


def test_history_follows_the_work(api, designer, engine):
    """After the task is completed the instance shows completed, no open task, and the events."""
    instance_id = api.post(INSTANCES, designer, json={
        "process_key": "claim_review", "variables": {"amount": 500}}).get_json()["id"]
    task = open_task(engine, instance_id)
    engine.complete(task.id, "agent", {"approved": True}, tenant="demo")
    body = api.get(f"{INSTANCES}/{instance_id}", designer).get_json()
    assert body["status"] == "completed" and body["ended_at"] is not None
    assert body["open_tasks"] == []
    kinds = [e["kind"] for e in body["history"]]
    assert {"instance_started", "task_completed", "instance_completed"} <= set(kinds)
    assert kinds.index("task_completed") < kinds.index("instance_completed")


def test_unknown_instance_is_404(api, designer):
    """An id that does not exist answers 404 JSON."""
    assert api.get(f"{INSTANCES}/999999", designer).status_code == 404
