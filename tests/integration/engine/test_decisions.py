"""Decision tables as Camunda Modeler users expect them: hit policies, COLLECT aggregations,
camunda:resultVariable with camunda:mapDecisionResult, and deploy refusing what cannot run."""

import pytest
from SpiffWorkflow.util.task import TaskState

from engine import DefinitionError

from .conftest import TENANT, assert_round_trip, only_task

DMN_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/"
             id="Definitions_fees" name="Fees" namespace="http://camunda.org/schema/1.0/dmn">
  <decision id="{decision}" name="Parking fee">
    <decisionTable id="Table_{decision}"{attrs}>
      <input id="Input_hours" label="Hours parked">
        <inputExpression id="Expr_hours" typeRef="integer"><text>hours</text></inputExpression>
      </input>
"""
BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Defs_fee_case"
                  targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="fee_case" name="Fee case" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1"><bpmn:outgoing>F1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="F1" sourceRef="StartEvent_1" targetRef="Decide" />
    <bpmn:businessRuleTask id="Decide" name="Decide fee" camunda:decisionRef="{decision}"{attrs}>
      <bpmn:incoming>F1</bpmn:incoming><bpmn:outgoing>F2</bpmn:outgoing>
    </bpmn:businessRuleTask>
    <bpmn:sequenceFlow id="F2" sourceRef="Decide" targetRef="Review" />
    <bpmn:userTask id="Review" name="Review fee" camunda:candidateGroups="back-office">
      <bpmn:incoming>F2</bpmn:incoming><bpmn:outgoing>F3</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="F3" sourceRef="Review" targetRef="EndEvent_1" />
    <bpmn:endEvent id="EndEvent_1"><bpmn:incoming>F3</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>
"""
BUSINESS_RULE_LINE = 8
TABLE_LINE = 5

# Rules of the tables below: (input entry for `hours`, {output: output entry}).
BANDS = [("< 2", {"band": '"short"', "fee": "300"}),
         ("< 8", {"band": '"day"', "fee": "900"}),
         ("", {"band": '"any"', "fee": "1500"})]
SURCHARGES = [("> 1", {"surcharge": "100"}),
              ("> 4", {"surcharge": "250"}),
              ("> 20", {"surcharge": "2000"})]


def dmn(rules, outputs, decision="fees", hit_policy=None, aggregation=None):
    """A DMN file with one decision table over `hours`."""
    attrs = "".join(f' {name}="{value}"' for name, value in
                    (("hitPolicy", hit_policy), ("aggregation", aggregation)) if value)
    parts = [DMN_HEAD.format(decision=decision, attrs=attrs)]
    parts += [f'      <output id="Out_{name}" name="{name}" typeRef="string" />\n'
              for name in outputs]
    for n, (entry, values) in enumerate(rules, start=1):
        cells = "".join(f'<outputEntry id="R{n}_{name}"><text>{values[name]}</text></outputEntry>'
                        for name in outputs)
        parts.append(f'      <rule id="Rule_{n}"><inputEntry id="R{n}_in"><text>'
                     f'{entry.replace("<", "&lt;").replace(">", "&gt;")}</text></inputEntry>'
                     f'{cells}</rule>\n')
    parts.append("    </decisionTable>\n  </decision>\n</definitions>\n")
    return "".join(parts).encode()


def bpmn(decision="fees", result_variable=None, mapping=None):
    """The fee_case process: start -> business-rule task -> "Review fee" user task -> end."""
    attrs = "".join(f' camunda:{name}="{value}"' for name, value in
                    (("resultVariable", result_variable), ("mapDecisionResult", mapping))
                    if value is not None)
    return BPMN.format(decision=decision, attrs=attrs).encode()


def deploy_pair(eng, table, process):
    eng.deploy(table, "fees.dmn", TENANT, actor="designer")
    eng.deploy(process, "fee_case.bpmn", TENANT, actor="designer")


def run(eng, hours):
    """Start a fee case for `hours`; (instance id, its variables, its open incidents)."""
    iid = eng.start("fee_case", f"FEE-{hours}", {"hours": hours}, TENANT)
    return iid, variables_of(eng, iid), eng.incidents(TENANT, instance_id=iid)


def variables_of(eng, iid):
    """Every variable (lists and dicts too) as the instance stands, read back from the store:
    those the review task sees, or, when the decision failed, those it will run with again."""
    wf = assert_round_trip(eng, iid)
    waiting = [t for t in wf.get_tasks() if t.task_spec.name in ("Review", "Decide")
               and t.state in (TaskState.READY, TaskState.ERROR)]
    assert len(waiting) == 1, waiting
    return dict(waiting[0].data)


# -- camunda:resultVariable and camunda:mapDecisionResult -------------------------------------

@pytest.mark.parametrize("hit_policy, mapping, hours, expected", [
    # Camunda's default mapping: the outputs of every rule the hit policy keeps.
    ("RULE ORDER", None, 5, [{"band": "day", "fee": 900}, {"band": "any", "fee": 1500}]),
    ("RULE ORDER", "resultList", 1, [{"band": "short", "fee": 300}, {"band": "day", "fee": 900},
                                     {"band": "any", "fee": 1500}]),
    ("FIRST", "singleResult", 5, {"band": "day", "fee": 900}),
    ("FIRST", "resultList", 30, [{"band": "any", "fee": 1500}]),
])
def test_result_variable_holds_the_mapped_result_and_nothing_else(
        eng, restart, clock, hit_policy, mapping, hours, expected):
    """The decision's result lands in the one variable named by the task, shaped as asked;
    its output columns do not spill into the process variables."""
    deploy_pair(eng, dmn(BANDS, ["band", "fee"], hit_policy=hit_policy),
                bpmn(result_variable="tariff", mapping=mapping))
    iid, variables, incidents = run(eng, hours)
    assert incidents == []
    assert variables == {"hours": hours, "tariff": expected}

    eng = restart()
    eng.complete(only_task(eng, iid).id, "pat", roles=["back-office"])
    assert eng.instance(iid).status == "completed"


@pytest.mark.parametrize("hours, expected", [(5, 900), (30, 1500)])
def test_single_entry_is_the_plain_value_an_expression_can_use(eng, clock, hours, expected):
    """singleEntry of a one-output table: the number itself (what `${fee > 1000}` compares)."""
    fee_only = [(entry, {"fee": values["fee"]}) for entry, values in BANDS]
    deploy_pair(eng, dmn(fee_only, ["fee"], hit_policy="FIRST"),
                bpmn(result_variable="fee", mapping="singleEntry"))
    _, variables, _ = run(eng, hours)
    assert variables["fee"] == expected


def test_collect_entries_lists_the_one_output_of_every_matching_rule(eng, clock):
    deploy_pair(eng, dmn(SURCHARGES, ["surcharge"], hit_policy="COLLECT"),
                bpmn(result_variable="surcharges", mapping="collectEntries"))
    _, variables, _ = run(eng, 6)
    assert variables["surcharges"] == [100, 250]


@pytest.mark.parametrize("mapping, expected", [
    ("singleEntry", None), ("singleResult", None), ("collectEntries", []), ("resultList", [])])
def test_no_matching_rule_gives_an_empty_result(eng, clock, mapping, expected):
    one_column = [(entry, {"surcharge": v["surcharge"]}) for entry, v in SURCHARGES]
    deploy_pair(eng, dmn(one_column, ["surcharge"], hit_policy="FIRST"),
                bpmn(result_variable="surcharge", mapping=mapping))
    iid, variables, incidents = run(eng, 1)
    assert incidents == []
    assert variables == {"hours": 1, "surcharge": expected}
    assert only_task(eng, iid).name == "Review fee"


def test_single_result_with_several_rules_is_an_incident_and_changes_nothing(eng, clock):
    """A COLLECT table mapped to singleResult: Camunda refuses two results, so does ParkOps."""
    deploy_pair(eng, dmn(SURCHARGES, ["surcharge"], hit_policy="COLLECT"),
                bpmn(result_variable="surcharge", mapping="singleResult"))
    iid, variables, incidents = run(eng, 6)
    assert variables == {"hours": 6}
    assert len(incidents) == 1
    assert 'mapDecisionResult="singleResult" takes one matching rule; 2 matched' in (
        incidents[0].message)
    assert incidents[0].task_name == "Decide fee"


# -- hit policies and aggregations (outputs merged into the variables) -------------------------

@pytest.mark.parametrize("hit_policy, hours, expected", [
    ("UNIQUE", 30, {"band": "any", "fee": 1500}),
    ("FIRST", 1, {"band": "short", "fee": 300}),
    ("RULE ORDER", 5, {"band": ["day", "any"], "fee": [900, 1500]}),
    ("COLLECT", 1, {"band": ["short", "day", "any"], "fee": [300, 900, 1500]}),
])
def test_hit_policy_decides_which_rules_count(eng, clock, hit_policy, hours, expected):
    deploy_pair(eng, dmn(BANDS, ["band", "fee"], hit_policy=hit_policy), bpmn())
    _, variables, incidents = run(eng, hours)
    assert incidents == []
    assert variables == {"hours": hours, **expected}


def test_two_matching_rules_in_a_unique_table_are_an_incident_not_the_first(
        eng, restart, clock):
    """UNIQUE means one rule: overlapping rules are a mistake in the table, shown as an
    incident naming them; after the input is repaired, Retry decides again."""
    deploy_pair(eng, dmn(BANDS, ["band", "fee"]), bpmn())
    iid, variables, incidents = run(eng, 5)
    assert variables == {"hours": 5}
    incident, = incidents
    assert "rules 2, 3 all match, but hit policy UNIQUE allows one (hours=5)" in incident.message

    eng = restart()
    eng.set_variables(iid, {"hours": 30}, "sam")
    eng.retry_incident(incident.id, "sam")
    assert eng.incidents(TENANT, instance_id=iid) == []
    assert variables_of(eng, iid) == {"hours": 30, "band": "any", "fee": 1500}
    assert only_task(eng, iid).name == "Review fee"


@pytest.mark.parametrize("day_fee, expect_incident", [("1500", False), ("900", True)])
def test_any_needs_the_matching_rules_to_agree(eng, clock, day_fee, expect_incident):
    rules = [("< 8", {"fee": day_fee}), ("", {"fee": "1500"})]
    deploy_pair(eng, dmn(rules, ["fee"], hit_policy="ANY"), bpmn())
    _, variables, incidents = run(eng, 5)
    if expect_incident:
        assert "match with different outputs, but hit policy ANY" in incidents[0].message
        assert "fee" not in variables
    else:
        assert incidents == [] and variables["fee"] == 1500


@pytest.mark.parametrize("aggregation, hours, expected", [
    ("SUM", 25, 2350), ("MIN", 25, 100), ("MAX", 25, 2000), ("COUNT", 25, 3),
    ("COUNT", 1, 0), ("SUM", 3, 100),
])
def test_collect_aggregates_the_one_output(eng, clock, aggregation, hours, expected):
    deploy_pair(eng, dmn(SURCHARGES, ["surcharge"], hit_policy="COLLECT",
                         aggregation=aggregation), bpmn(result_variable="total",
                                                        mapping="singleEntry"))
    _, variables, _ = run(eng, hours)
    assert variables["total"] == expected


def test_sum_of_no_matching_rule_is_no_result(eng, clock):
    deploy_pair(eng, dmn(SURCHARGES, ["surcharge"], hit_policy="COLLECT", aggregation="SUM"),
                bpmn())
    _, variables, incidents = run(eng, 1)
    assert incidents == [] and variables == {"hours": 1}


# -- deploy refuses what cannot run, at its line ----------------------------------------------

@pytest.mark.parametrize("hit_policy, aggregation, outputs, message", [
    ("PRIORITY", None, ["fee"], "hit policy PRIORITY is not supported; use one of UNIQUE, "
                                "FIRST, ANY, RULE ORDER, COLLECT"),
    ("FIRST", "SUM", ["fee"], "aggregation SUM needs hit policy COLLECT, not FIRST"),
    ("COLLECT", "AVG", ["fee"], "aggregation AVG is not supported; use one of SUM, MIN, MAX, "
                                "COUNT"),
    ("COLLECT", "SUM", ["band", "fee"], "aggregation SUM needs exactly one output column; "
                                        "this table has 2"),
])
def test_decision_table_that_cannot_run_is_refused_at_its_line(
        eng, hit_policy, aggregation, outputs, message):
    table = dmn(BANDS, outputs, hit_policy=hit_policy, aggregation=aggregation)
    with pytest.raises(DefinitionError) as err:
        eng.deploy(table, "fees.dmn", TENANT, actor="designer")
    assert str(err.value) == f"fees.dmn:{TABLE_LINE}: decision table 'Parking fee': {message}"
    assert eng.definitions(TENANT) == []


@pytest.mark.parametrize("result_variable, mapping, message", [
    ("fee", "singleEntry", 'camunda:mapDecisionResult="singleEntry" takes one output column; '
                           "the decision has 2 (band, fee)"),
    ("fee", "collectEntries", 'camunda:mapDecisionResult="collectEntries" takes one output '
                              "column; the decision has 2 (band, fee)"),
    ("fee", "firstResult", 'camunda:mapDecisionResult="firstResult" is not one of '
                           "singleEntry, singleResult, collectEntries, resultList"),
    (None, "singleResult", "camunda:mapDecisionResult needs a camunda:resultVariable to store "
                           "the result in"),
    ("_fee", None, 'camunda:resultVariable="_fee" is not a variable name'),
    ("fee total", None, 'camunda:resultVariable="fee total" is not a variable name'),
])
def test_business_rule_task_with_an_impossible_mapping_is_refused_at_its_line(
        eng, result_variable, mapping, message):
    eng.deploy(dmn(BANDS, ["band", "fee"]), "fees.dmn", TENANT, actor="designer")
    with pytest.raises(DefinitionError) as err:
        eng.deploy(bpmn(result_variable=result_variable, mapping=mapping), "fee_case.bpmn",
                   TENANT, actor="designer")
    text = str(err.value)
    assert text.startswith(f"fee_case.bpmn:{BUSINESS_RULE_LINE}: business-rule task "
                           f"'Decide fee': {message}")
    assert [d.key for d in eng.definitions(TENANT)] == ["fees"]


def test_a_second_decision_replaces_the_lists_of_the_first(eng, clock):
    """RULE ORDER outputs replace the variables they name, even lists holding equal values."""
    deploy_pair(eng, dmn(BANDS, ["band", "fee"], hit_policy="RULE ORDER"), bpmn())
    iid = eng.start("fee_case", "FEE-L", {"hours": 5, "fee": [1500, 7], "band": "old"}, TENANT)
    assert variables_of(eng, iid) == {"hours": 5, "band": ["day", "any"], "fee": [900, 1500]}


def test_empty_output_cells_give_no_value(eng, clock):
    """As in Camunda: an empty cell is no output, so COUNT and SUM skip it."""
    rules = [("> 1", {"surcharge": "100"}), ("> 4", {"surcharge": ""}),
             ("> 20", {"surcharge": "2000"})]
    deploy_pair(eng, dmn(rules, ["surcharge"], hit_policy="COLLECT", aggregation="COUNT",
                         decision="counted"),
                bpmn(decision="counted", result_variable="count", mapping="singleEntry"))
    _, variables, incidents = run(eng, 25)
    assert incidents == [] and variables["count"] == 2


def test_output_column_without_a_name_is_refused(eng):
    table = dmn(BANDS, ["band", "fee"]).replace(b' name="fee"', b"")
    with pytest.raises(DefinitionError) as err:
        eng.deploy(table, "fees.dmn", TENANT, actor="designer")
    assert str(err.value) == (f"fees.dmn:{TABLE_LINE}: decision table 'Parking fee': an output "
                              "column has no name: give it the name of the variable it sets")
