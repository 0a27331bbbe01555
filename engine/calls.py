"""Call activities with Camunda's variable mappings (`camunda:in` / `camunda:out`).

A call activity drawn in Camunda Modeler says which variables the called process gets and
which come back:

    <camunda:in source="customer" target="applicant" />          a variable, renamed
    <camunda:in sourceExpression="${amount * 2}" target="limit" /> an expression's value
    <camunda:in variables="all" />                                every variable
    <camunda:out source="score" target="credit_score" />          and the same way back

With at least one `camunda:in` or `camunda:out`, ParkOps follows Camunda: the called process
starts with the mapped variables only, and only the mapped outputs are set in the caller when
it ends (the caller keeps its other variables). A source variable that does not exist maps to
null. A call activity with no mapping at all shares every variable both ways (SpiffWorkflow's
behaviour, which the ParkOps library relies on). `camunda:in businessKey=...` needs nothing:
the called process runs inside the caller's instance and has its business key.
"""

from copy import deepcopy
from dataclasses import dataclass

from SpiffWorkflow.bpmn.specs.defaults import CallActivity

from .camunda import NS, juel_to_python

ALL = "all"


@dataclass(frozen=True)
class Mapping:
    """One camunda:in/out: every variable (`target` None), a variable or an expression."""

    target: str | None = None
    source: str | None = None
    expression: str | None = None       # sandbox Python (from `${...}`)


def read_mappings(node):
    """(ins, outs) of a callActivity element: lists of Mapping, or (None, None) when it declares
    none; a ValueError (message, element) for a mapping that cannot work."""
    ins, outs = [], []
    declared = False
    for direction, found in (("in", ins), ("out", outs)):
        for element in node.iterfind(f"bpmn:extensionElements/camunda:{direction}", NS):
            declared = True
            mapping = _mapping(element, direction)
            if mapping is not None:
                found.append(mapping)
    return (ins, outs) if declared else (None, None)


def mapping_expressions(node):
    """(kind, expression, line) of every camunda:in/out sourceExpression under `node` (deploy
    checks them like conditions)."""
    for direction in ("in", "out"):
        for element in node.iterfind(f".//bpmn:callActivity/bpmn:extensionElements/"
                                     f"camunda:{direction}", NS):
            text = element.get("sourceExpression")
            if text and text.strip():
                yield f"camunda:{direction} expression", juel_to_python(text), element.sourceline


def _mapping(element, direction):
    where = f"camunda:{direction}"
    if element.get("variables") is not None:
        if element.get("variables") != ALL:
            raise ValueError(f'{where} variables="{element.get("variables")}": only '
                             f'variables="all" is known', element)
        return Mapping()
    if direction == "in" and element.get("businessKey") is not None:
        return None
    target = (element.get("target") or "").strip()
    source = (element.get("source") or "").strip()
    expression = (element.get("sourceExpression") or "").strip()
    if not target or bool(source) == bool(expression):
        raise ValueError(f"{where} needs a target and either a source or a sourceExpression",
                         element)
    if not target.isidentifier() or target.startswith("_"):
        raise ValueError(f'{where} target="{target}" is not a variable name', element)
    return Mapping(target=target, source=source or None,
                   expression=juel_to_python(expression) if expression else None)


def mapped_values(mappings, data, evaluate):
    """The variables `mappings` give, read from `data`; `evaluate(expression)` runs a
    sourceExpression (in the sandbox, over the same variables)."""
    values = {}
    for mapping in mappings:
        if mapping.target is None:
            values.update(data)
        elif mapping.source is not None:
            values[mapping.target] = data.get(mapping.source)
        else:
            values[mapping.target] = evaluate(mapping.expression)
    return deepcopy(values)


_INPUTS, _OUTPUTS = "call_inputs", "call_outputs"     # internal data of the calling task


class MappedCallActivity(CallActivity):
    """A call activity that passes variables as its camunda:in/out say (see the module).

    Inputs are worked out before the called process is created, outputs when the call
    activity itself runs after it ended: a failing expression fails the call activity (an
    incident), and Retry works them out again, without a half-made call left behind."""

    def __init__(self, wf_spec, bpmn_id, subworkflow_spec, ins=None, outs=None, **kwargs):
        super().__init__(wf_spec, bpmn_id, subworkflow_spec, **kwargs)
        self.ins, self.outs = ins, outs

    def start_workflow(self, my_task):
        if self.ins is not None:
            engine = my_task.workflow.script_engine
            my_task.internal_data[_INPUTS] = mapped_values(
                self.ins, my_task.data, lambda expression: engine.evaluate(my_task, expression))
        super().start_workflow(my_task)

    def copy_data(self, my_task, subworkflow):
        if self.ins is None:
            return super().copy_data(my_task, subworkflow)
        start = subworkflow.get_next_task(subworkflow.task_tree, skip_subprocesses=True,
                                          spec_name="Start")
        start.set_data(**my_task.internal_data.pop(_INPUTS, {}))
        return None

    def update_data(self, my_task, subworkflow):
        if self.outs is None:
            return super().update_data(my_task, subworkflow)
        my_task.internal_data[_OUTPUTS] = deepcopy(subworkflow.last_task.data)
        return None

    def _run_hook(self, my_task):
        if self.outs is not None and _OUTPUTS in my_task.internal_data:
            called = my_task.internal_data[_OUTPUTS]
            sandbox = my_task.workflow.script_engine.environment
            values = mapped_values(self.outs, called,
                                   lambda expression: sandbox.evaluate(expression, called))
            my_task.data = {**my_task.data, **values}
            del my_task.internal_data[_OUTPUTS]
        return super()._run_hook(my_task)
