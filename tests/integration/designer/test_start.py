"""Starting an instance by hand with the definition's start form."""
import re

import pytest

from .conftest import data_file

ALL_TYPES = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">
  <bpmn:process id="towing" name="Towing request" isExecutable="true">
    <bpmn:startEvent id="s">
      <bpmn:extensionElements>
        <camunda:formData>
          <camunda:formField id="plate" label="Plate" type="string">
            <camunda:validation><camunda:constraint name="required" />
              <camunda:constraint name="maxlength" config="8" /></camunda:validation>
          </camunda:formField>
          <camunda:formField id="bays" label="Bays blocked" type="long">
            <camunda:validation><camunda:constraint name="min" config="1" />
              <camunda:constraint name="max" config="4" /></camunda:validation>
          </camunda:formField>
          <camunda:formField id="urgent" label="Urgent?" type="boolean" defaultValue="false" />
          <camunda:formField id="seen_on" label="Seen on" type="date" />
          <camunda:formField id="zone" label="Zone" type="enum">
            <camunda:value id="north" name="North car park" />
            <camunda:value id="south" name="South car park" />
          </camunda:formField>
        </camunda:formData>
      </bpmn:extensionElements>
      <bpmn:outgoing>a</bpmn:outgoing>
    </bpmn:startEvent>
    <bpmn:userTask id="t" name="Dispatch tow" camunda:candidateGroups="back-office">
      <bpmn:incoming>a</bpmn:incoming><bpmn:outgoing>b</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="e"><bpmn:incoming>b</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="a" sourceRef="s" targetRef="t" />
    <bpmn:sequenceFlow id="b" sourceRef="t" targetRef="e" />
  </bpmn:process>
</bpmn:definitions>
"""


def _page(response):
    return response.get_data(as_text=True)


@pytest.fixture
def towing(login_as, upload):
    """The towing diagram (one start-form field of each type) deployed; designer logged in."""
    login_as("designer")
    assert upload("towing.bpmn", ALL_TYPES).status_code == 302


def test_start_form_renders_every_field_type(client, towing):
    """The page shows text, number, check box, date and choice inputs with their constraints."""
    page = _page(client.get("/designer/definitions/towing/start"))
    assert 'name="business_key"' in page
    assert re.search(r'<input [^>]*maxlength="8" name="field_plate" required type="text"', page)
    assert re.search(r'<input [^>]*max="4" min="1" name="field_bays" step="1" type="number"',
                     page)
    assert re.search(r'<input [^>]*name="field_urgent" type="checkbox"', page)
    assert re.search(r'<input [^>]*name="field_seen_on" type="date"', page)
    assert '<option value="north">North car park</option>' in page


def test_invalid_values_answer_422_with_a_message_per_field_and_keep_the_input(
        client, towing, eng):
    """Engine validation messages land on their fields; typed values stay; nothing starts."""
    response = client.post("/designer/definitions/towing/start", data={
        "business_key": "TOW-7", "field_plate": "", "field_bays": "9",
        "field_seen_on": "yesterday", "field_zone": "east", "field_urgent": "y"})
    page = _page(response)
    assert response.status_code == 422
    assert "This field is required." in page
    assert "Must be at most 4." in page
    assert "Enter a date as YYYY-MM-DD." in page
    assert "Choose one of: north, south." in page
    assert 'value="TOW-7"' in page and 'value="9"' in page
    assert eng.instances("demo") == []


def test_valid_start_redirects_to_the_monitor_instance_page(client, towing, eng):
    """A valid form starts the instance with coerced variables and opens its monitor page."""
    response = client.post("/designer/definitions/towing/start", data={
        "business_key": " TOW-8 ", "field_plate": "1-ABC-12", "field_bays": "2",
        "field_seen_on": "2026-03-01", "field_zone": "north", "field_urgent": "y"})
    [inst] = eng.instances("demo")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/monitor/instances/{inst.id}"
    assert inst.business_key == "TOW-8"
    assert inst.started_by == "designer"
    assert inst.variables == {"plate": "1-ABC-12", "bays": 2, "urgent": True,
                              "seen_on": "2026-03-01", "zone": "north"}
    follow = client.get(response.headers["Location"])
    assert f"Started towing v1 as instance #{inst.id}." in _page(follow)


def test_claim_review_amount_must_be_a_whole_number(client, login_as, upload, eng):
    """claim_review's required long field refuses text with the engine's message."""
    login_as("designer")
    upload("claim_review.bpmn", data_file("bpmn", "claim_review.bpmn"))
    response = client.post("/designer/definitions/claim_review/start",
                           data={"field_amount": "lots"})
    assert response.status_code == 422
    assert "Enter a whole number." in _page(response)
    assert eng.instances("demo") == []


def test_process_without_start_form_starts_with_a_business_key_only(client, login_as, upload,
                                                                    eng):
    """A diagram with no start form shows only the business key and starts on submit."""
    login_as("designer")
    upload("minimal.bpmn", data_file("bpmn", "minimal.bpmn"))
    assert "declares no start form" in _page(client.get("/designer/definitions/minimal/start"))
    response = client.post("/designer/definitions/minimal/start", data={"business_key": "M-1"})
    assert response.status_code == 302
    assert [i.business_key for i in eng.instances("demo")] == ["M-1"]


def test_decisions_cannot_be_started(client, login_as, upload):
    """A DMN decision has a versions page but no start link, and its start page is 404."""
    login_as("designer")
    upload("overstay_penalty.dmn", data_file("dmn", "overstay_penalty.dmn"))
    detail = client.get("/designer/definitions/overstay_penalty")
    assert detail.status_code == 200
    assert "Start an instance" not in _page(detail)
    assert client.get("/designer/definitions/overstay_penalty/start").status_code == 404
