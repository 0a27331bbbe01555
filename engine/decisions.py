"""DMN decision tables evaluated as Camunda 7 evaluates them, and what a business-rule task
keeps of the result.

SpiffWorkflow stops a UNIQUE table at its first matching rule, treats ANY and RULE ORDER as
FIRST and knows no COLLECT aggregation. Diagrams drawn in Camunda Modeler expect Camunda's
rules, so ParkOps evaluates every rule of the table and then applies them:

- UNIQUE: at most one rule may match (two matching rules are an error, not the first one);
- FIRST: the first matching rule, in table order;
- ANY: every matching rule must give the same outputs; that output;
- RULE ORDER: every matching rule, in table order;
- COLLECT: every matching rule; with an aggregation (SUM, MIN, MAX, COUNT) of the table's one
  output column, a single value (COUNT of nothing is 0; SUM, MIN, MAX of nothing, no result).

A business-rule task with `camunda:resultVariable` stores the result under that name, shaped
by `camunda:mapDecisionResult`: `singleEntry` (the one output value), `singleResult` (the one
matching rule's outputs), `collectEntries` (the one output column of every matching rule) or
`resultList` (the outputs of every matching rule, Camunda's default). Without it, the outputs
are merged into the process variables (SpiffWorkflow's convention, which the ParkOps library
follows): those of the matching rule, or per output the list of them for RULE ORDER and an
unaggregated COLLECT.

Errors of the table or the mapping (two matches in a UNIQUE table...) are DecisionErrors: the
task fails, the instance gets an incident, no variable changes.
"""

from SpiffWorkflow.camunda.specs.business_rule_task import BusinessRuleTask
from SpiffWorkflow.dmn.engine.DMNEngine import DMNEngine
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.util.deep_merge import DeepMerge

HIT_POLICIES = ("UNIQUE", "FIRST", "ANY", "RULE ORDER", "COLLECT")
AGGREGATIONS = ("SUM", "MIN", "MAX", "COUNT")
MAPPINGS = ("singleEntry", "singleResult", "collectEntries", "resultList")
DEFAULT_MAPPING = "resultList"
# Mappings that take the one output column of the table.
ONE_COLUMN_MAPPINGS = ("singleEntry", "collectEntries")


class DecisionError(Exception):
    """A decision table or its result mapping cannot give a result for these inputs."""


def table_problem(hit_policy, aggregation, outputs):
    """Why a decision table cannot run here (a sentence), or None.

    `hit_policy` and `aggregation` as written in the DMN (None when absent), `outputs` the
    names of its output columns (None for a column with neither name nor label).
    """
    policy = (hit_policy or "UNIQUE").upper()
    if None in outputs:
        return "an output column has no name: give it the name of the variable it sets"
    if policy not in HIT_POLICIES:
        return (f"hit policy {hit_policy} is not supported; use one of "
                f"{', '.join(HIT_POLICIES)}")
    if aggregation is None:
        return None
    if policy != "COLLECT":
        return f"aggregation {aggregation} needs hit policy COLLECT, not {policy}"
    if aggregation.upper() not in AGGREGATIONS:
        return (f"aggregation {aggregation} is not supported; use one of "
                f"{', '.join(AGGREGATIONS)}")
    if len(outputs) != 1:
        return (f"aggregation {aggregation} needs exactly one output column; this table has "
                f"{len(outputs)}")
    return None


def mapping_problem(result_variable, mapping, outputs):
    """Why a business-rule task's result mapping cannot work (a sentence), or None.

    `outputs` are the output column names of the decision it calls, or None when the decision
    is not at hand (then only what the task itself says is checked).
    """
    if mapping is not None and mapping not in MAPPINGS:
        return (f"camunda:mapDecisionResult=\"{mapping}\" is not one of "
                f"{', '.join(MAPPINGS)}")
    if mapping is not None and result_variable is None:
        return "camunda:mapDecisionResult needs a camunda:resultVariable to store the result in"
    if result_variable is not None and not _is_variable_name(result_variable):
        return (f"camunda:resultVariable=\"{result_variable}\" is not a variable name "
                "(letters, digits and _, not starting with a digit or _)")
    if mapping in ONE_COLUMN_MAPPINGS and outputs is not None and len(outputs) != 1:
        return (f"camunda:mapDecisionResult=\"{mapping}\" takes one output column; the decision "
                f"has {len(outputs)} ({', '.join(outputs)})")
    return None


def _is_variable_name(name):
    return name.isidentifier() and not name.startswith("_")


class CamundaDecision(DMNEngine):
    """A decision table with Camunda's hit policies and COLLECT aggregations."""

    def __init__(self, decision_table, aggregation=None):
        super().__init__(decision_table)
        self.aggregation = aggregation.upper() if aggregation else None

    @property
    def policy(self):
        """The table's hit policy, upper case (UNIQUE when the DMN names none)."""
        return (self.decision_table.hit_policy or "UNIQUE").upper()

    @property
    def outputs(self):
        """Names of the output columns, in table order."""
        return [output_name(o) for o in self.decision_table.outputs]

    def decide(self, task):
        """Every matching rule, in table order (whatever the hit policy)."""
        # SpiffWorkflow's own decide() stops a UNIQUE table at the first match; the rule check
        # is its name-mangled private method (pinned SpiffWorkflow; tests cover it).
        check = self._DMNEngine__check_rule
        return [rule for rule in self.decision_table.rules if check(rule, task)]

    def results(self, task):
        """The decision result: the outputs (a dict) of each rule the hit policy keeps."""
        matched = self.decide(task)
        outputs = [_rule_outputs(rule, task) for rule in matched]
        policy = self.policy
        if policy == "UNIQUE" and len(matched) > 1:
            raise DecisionError(
                f"rules {_rows(matched)} all match, but hit policy UNIQUE allows one "
                f"({_inputs(self.decision_table, task)})")
        if policy == "ANY" and any(o != outputs[0] for o in outputs[1:]):
            raise DecisionError(
                f"rules {_rows(matched)} match with different outputs, but hit policy ANY needs "
                f"them to agree ({_inputs(self.decision_table, task)})")
        if policy in ("UNIQUE", "FIRST", "ANY"):
            return outputs[:1]
        if policy == "COLLECT" and self.aggregation:
            return self._aggregate(outputs)
        return outputs

    def _aggregate(self, outputs):
        name, = self.outputs
        values = [o[name] for o in outputs if o.get(name) is not None]
        if self.aggregation == "COUNT":
            return [{name: len(values)}]
        if not values:
            return []
        try:
            total = {"SUM": sum, "MIN": min, "MAX": max}[self.aggregation](values)
        except TypeError as exc:
            raise DecisionError(
                f"cannot take the {self.aggregation} of {values!r}: {exc}") from None
        return [{name: total}]

    def result(self, task):
        """What SpiffWorkflow merges into the task data: the outputs of the one result, or per
        output the list of them when the table keeps several rules."""
        found = self.results(task)
        if self.policy in ("RULE ORDER", "COLLECT") and not self.aggregation:
            merged = {}
            for outputs in found:
                for key, value in outputs.items():
                    merged.setdefault(key, []).append(value)
            return merged
        return found[0] if found else {}


def output_name(output):
    """The variable an output column writes: its name, else its label (deploy refuses a
    column with neither)."""
    return output.name or output.label


def _rule_outputs(rule, task):
    """A matching rule's outputs; an empty output cell gives no entry (as in Camunda), so
    aggregations and mappings skip it."""
    empty = {output_name(entry.output) for entry in rule.outputEntries
             if not (getattr(entry, "text", None) or "").strip()}
    return {key: value for key, value in rule.output_as_dict(task).items() if key not in empty}


def merge_outputs(data, outputs):
    """`data` with the decision's outputs set: each output replaces the variable (a list from
    RULE ORDER or COLLECT included); dotted output names fill nested dicts."""
    merged = dict(data)
    for key, value in outputs.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = DeepMerge.merge(dict(merged[key]), value)
        else:
            merged[key] = value
    return merged


def map_result(results, mapping):
    """The value a resultVariable receives from `results` (a list of output dicts)."""
    mapping = mapping or DEFAULT_MAPPING
    if mapping == "resultList":
        return [dict(r) for r in results]
    if mapping == "collectEntries":
        return [_single_entry(r, mapping) for r in results]
    if len(results) > 1:
        raise DecisionError(f"camunda:mapDecisionResult=\"{mapping}\" takes one matching rule; "
                            f"{len(results)} matched")
    if not results:
        return None
    if mapping == "singleResult":
        return dict(results[0])
    return _single_entry(results[0], mapping)


def _single_entry(outputs, mapping):
    if len(outputs) != 1:
        raise DecisionError(f"camunda:mapDecisionResult=\"{mapping}\" takes one output per rule; "
                            f"got {len(outputs)} ({', '.join(outputs)})")
    return next(iter(outputs.values()))


def _rows(rules):
    return ", ".join(str(rule.row_number) for rule in rules)


def _inputs(table, task):
    shown = []
    for column in table.inputs:
        expression = column.expression or ""
        if expression.isidentifier():
            shown.append(f"{expression}={task.data.get(expression)!r}")
    return ", ".join(shown) or "for these inputs"


class DecisionTask(BusinessRuleTask):
    """A business-rule task: its decision's result merged into the variables, or stored in
    `result_variable` shaped by `mapping` (camunda:resultVariable / mapDecisionResult)."""

    def __init__(self, wf_spec, name, dmnEngine, result_variable=None, mapping=None, **kwargs):
        super().__init__(wf_spec, name, dmnEngine, **kwargs)
        self.result_variable = result_variable
        self.mapping = mapping

    def _run_hook(self, my_task):
        try:
            if self.result_variable is None:
                data = merge_outputs(my_task.data, self.dmnEngine.result(my_task))
            else:
                value = map_result(self.dmnEngine.results(my_task), self.mapping)
                data = {**my_task.data, self.result_variable: value}
        except SpiffWorkflowException as exc:
            exc.add_note(f"Business Rule Task '{my_task.task_spec.bpmn_name}'.")
            raise
        except DecisionError as exc:
            error = WorkflowTaskException(f"decision failed: {exc}", task=my_task)
            error.add_note(f"Business Rule Task '{my_task.task_spec.bpmn_name}'.")
            raise error from None
        except Exception as exc:    # an output cell that fails to evaluate, as SpiffWorkflow
            error = WorkflowTaskException(str(exc), task=my_task, exception=exc)
            error.add_note(f"Business Rule Task '{my_task.task_spec.bpmn_name}'.")
            raise error from exc
        my_task.data = data
        return True
