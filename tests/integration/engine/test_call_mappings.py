"""Call activities pass variables as their camunda:in / camunda:out mappings say (Camunda's
rules); without any mapping the called process shares every variable with its caller."""

import pytest
from SpiffWorkflow.util.task import TaskState

from engine import DefinitionError

from .conftest import TENANT, assert_round_trip, only_task

DIAGRAM = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Defs_application"
                  targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="credit_check" name="Credit check" isExecutable="true">
    <bpmn:startEvent id="CheckStart"><bpmn:outgoing>C1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="C1" sourceRef="CheckStart" targetRef="Score" />
    <bpmn:userTask id="Score" name="Score applicant" camunda:candidateGroups="finance">
      <bpmn:incoming>C1</bpmn:incoming><bpmn:outgoing>C2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="C2" sourceRef="Score" targetRef="CheckEnd" />
    <bpmn:endEvent id="CheckEnd"><bpmn:incoming>C2</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
  <bpmn:process id="season_application" name="Season application" isExecutable="true">
    <bpmn:startEvent id="AppStart"><bpmn:outgoing>A1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="A1" sourceRef="AppStart" targetRef="Check" />
    <bpmn:callActivity id="Check" name="Check credit" calledElement="credit_check">
      <bpmn:extensionElements>{mappings}</bpmn:extensionElements>
      <bpmn:incoming>A1</bpmn:incoming><bpmn:outgoing>A2</bpmn:outgoing>
    </bpmn:callActivity>
    <bpmn:sequenceFlow id="A2" sourceRef="Check" targetRef="Decide" />
    <bpmn:userTask id="Decide" name="Decide application" camunda:candidateGroups="back-office">
      <bpmn:incoming>A2</bpmn:incoming><bpmn:outgoing>A3</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="A3" sourceRef="Decide" targetRef="AppEnd" />
    <bpmn:endEvent id="AppEnd"><bpmn:incoming>A3</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>
"""
MAPPINGS_LINE = 19       # the line of the first mapping element (inside extensionElements)
START = {"customer": "ACME", "amount": 300, "iban": "PL61109010140000071219812874"}
RENAMED = """
        <camunda:in source="customer" target="applicant" />
        <camunda:in sourceExpression="${amount * 2}" target="limit" />
        <camunda:out source="score" target="credit_score" />
        <camunda:out sourceExpression="${score &gt;= 600}" target="approved" />"""


def deploy_with(eng, mappings):
    return eng.deploy(DIAGRAM.format(mappings=mappings).encode(), "application.bpmn", TENANT,
                      actor="designer")


def data_of(eng, iid, spec_name):
    """The data of the instance's open task `spec_name`, read back from the store."""
    wf = assert_round_trip(eng, iid)
    found = [t for t in wf.get_tasks(state=TaskState.READY) if t.task_spec.name == spec_name]
    assert len(found) == 1, [t.task_spec.name for t in wf.get_tasks(state=TaskState.READY)]
    return dict(found[0].data)


def score(eng, iid, variables):
    """Complete the called process's task; the caller's "Decide application" opens."""
    task = only_task(eng, iid)
    assert task.name == "Score applicant"
    eng.complete(task.id, "fiona", variables, roles=["finance"])
    assert only_task(eng, iid).name == "Decide application"


def test_mapped_call_passes_only_what_the_mappings_name(eng, restart, clock):
    """The credit check sees the applicant and the limit, not the customer's IBAN; back come
    the score and the verdict under the caller's names, and nothing else of the check."""
    deploy_with(eng, RENAMED)
    iid = eng.start("season_application", "SEA-1", START, TENANT)
    assert data_of(eng, iid, "Score") == {"applicant": "ACME", "limit": 600}

    eng = restart()
    score(eng, iid, {"score": 650, "analyst_note": "stable revenue"})
    assert data_of(eng, iid, "Decide") == {**START, "credit_score": 650, "approved": True}


def test_unmapped_call_shares_every_variable_both_ways(eng, clock):
    deploy_with(eng, "")
    iid = eng.start("season_application", "SEA-2", START, TENANT)
    assert data_of(eng, iid, "Score") == START
    score(eng, iid, {"score": 420})
    assert data_of(eng, iid, "Decide") == {**START, "score": 420}


def test_all_in_and_one_named_out(eng, clock):
    deploy_with(eng, '<camunda:in variables="all" />'
                     '<camunda:out source="score" target="credit_score" />')
    iid = eng.start("season_application", "SEA-3", START, TENANT)
    assert data_of(eng, iid, "Score") == START
    score(eng, iid, {"score": 710, "analyst_note": "ok"})
    assert data_of(eng, iid, "Decide") == {**START, "credit_score": 710}


def test_inputs_only_bring_nothing_back_and_a_missing_source_is_null(eng, clock):
    deploy_with(eng, '<camunda:in source="customer" target="applicant" />'
                     '<camunda:in source="nickname" target="alias" />')
    iid = eng.start("season_application", "SEA-4", START, TENANT)
    assert data_of(eng, iid, "Score") == {"applicant": "ACME", "alias": None}
    score(eng, iid, {"score": 500})
    assert data_of(eng, iid, "Decide") == START


def test_a_failing_input_expression_is_an_incident_and_retry_maps_again(eng, restart, clock):
    """Nothing of the call is made before its inputs are known: after the repair, Retry
    starts the called process with every mapped input."""
    deploy_with(eng, '<camunda:in source="customer" target="applicant" />'
                     '<camunda:in sourceExpression="${amount / divisor}" target="limit" />')
    iid = eng.start("season_application", "SEA-5", {**START, "divisor": 0}, TENANT)
    incident, = eng.incidents(TENANT, instance_id=iid)
    assert incident.task_name == "Check credit"
    assert "division by zero" in incident.message
    assert [t for t in eng.instance_tasks(iid) if t.status == "open"] == []

    eng = restart()
    eng.set_variables(iid, {"divisor": 2}, "sam")
    eng.retry_incident(incident.id, "sam")
    assert eng.incidents(TENANT, instance_id=iid) == []
    assert data_of(eng, iid, "Score") == {"applicant": "ACME", "limit": 150}


def test_a_failing_output_expression_is_an_incident_and_retry_maps_again(eng, restart, clock):
    deploy_with(eng, '<camunda:out sourceExpression="${score / weight}" target="weighted" />')
    iid = eng.start("season_application", "SEA-6", START, TENANT)
    task = only_task(eng, iid)
    eng.complete(task.id, "fiona", {"score": 600, "weight": 0}, roles=["finance"])
    incident, = eng.incidents(TENANT, instance_id=iid)
    assert (incident.task_name, "division by zero" in incident.message) == ("Check credit", True)

    eng = restart()
    eng.retry_incident(incident.id, "sam")            # still zero: fails again, nothing moved
    incident, = eng.incidents(TENANT, instance_id=iid)
    assert [t for t in eng.instance_tasks(iid) if t.status == "open"] == []
@pytest.mark.parametrize("mapping, message", [
    ('<camunda:in source="customer" />',
     "call activity 'Check credit': camunda:in needs a target and either a source or a "
     "sourceExpression"),
    ('<camunda:out source="score" sourceExpression="${score}" target="s" />',
     "call activity 'Check credit': camunda:out needs a target and either a source or a "
     "sourceExpression"),
    ('<camunda:in source="customer" target="_customer" />',
     "call activity 'Check credit': camunda:in target=\"_customer\" is not a variable name"),
    ('<camunda:out variables="some" />',
     "call activity 'Check credit': camunda:out variables=\"some\": only variables=\"all\" is "
     "known"),
    ('<camunda:in sourceExpression="${().__class__}" target="x" />',
     "camunda:in expression refused"),
])
def test_mapping_that_cannot_work_is_refused_at_its_line(eng, mapping, message):
    with pytest.raises(DefinitionError) as err:
        deploy_with(eng, "\n        " + mapping)
    assert str(err.value).startswith(f"application.bpmn:{MAPPINGS_LINE}: {message}")
    assert eng.definitions(TENANT) == []
