"""Workflow state <-> JSON, without the spec.

SpiffWorkflow's serializer writes the whole process spec into every workflow. Specs are
immutable per definition version and rebuilt from the stored XML, so an instance row holds
only its state; the spec is handed back in when the state is restored. Its task trees are
written as compact rows (engine.tasktree): the same information as SpiffWorkflow's own task
dicts in a third of the text and of the time, on every save of every instance.

An instance that has ended never runs again, so its row keeps what history needs and no
task tree: the final variables (dump_ended). Restoring such a state is refused (InstanceEnded).
"""

from enum import Enum
from math import isfinite
from types import ModuleType
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.util.subworkflow import BpmnSubWorkflow
from SpiffWorkflow.bpmn.serializer.default.workflow import (BpmnSubWorkflowConverter,
                                                             BpmnWorkflowConverter)
from SpiffWorkflow.bpmn.serializer.workflow import VERSION, BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.event_definition import (
    TimerConditionalEventDefinitionConverter)
from SpiffWorkflow.bpmn.serializer.helpers.spec import EventDefinitionConverter
from SpiffWorkflow.camunda.serializer.config import CAMUNDA_CONFIG
from SpiffWorkflow.camunda.serializer.event_definition import (
    MessageEventDefinitionConverter as CamundaMessageConverter)

from . import jsontext, semantics, tasktree
from .tasktree import ATOMS as _ATOMS
from .errors import InstanceEnded
from .workflow import ParkOpsSubWorkflow, ParkOpsWorkflow

FORMAT_KEY = "parkops_state"
FORMAT_VERSION = 2       # 2: task trees as compact rows (engine.tasktree); 1 still loads
ENDED_KEY = "ended"


class StateConverter(BpmnWorkflowConverter):
    """BpmnWorkflow converter that leaves the spec out and takes it back on restore."""

    def to_dict(self, workflow):
        dct = _workflow_fields(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct, spec=None, subprocess_specs=None, script_engine=None):
        workflow = self.target_class(spec, subprocess_specs, script_engine=script_engine,
                                     deserializing=True)
        workflow.tasks = _tasks_from(self, dct["tasks"], workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


class SubWorkflowState(BpmnSubWorkflowConverter):
    """A subprocess (call activity, embedded subprocess) with the same compact task tree."""

    def to_dict(self, workflow):
        dct = _workflow_fields(self, workflow)
        dct["parent_task_id"] = str(workflow.parent_task_id)
        dct["spec"] = workflow.spec.name
        return dct

    def from_dict(self, dct, task, top_workflow):
        spec = top_workflow.subprocess_specs.get(task.task_spec.spec)
        subprocess = self.target_class(spec, task.id, top_workflow, deserializing=True)
        subprocess.tasks = _tasks_from(self, dct["tasks"], subprocess)
        subprocess.task_tree = subprocess.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(subprocess, dct)
        return subprocess


def _workflow_fields(converter, workflow):
    """What SpiffWorkflow's WorkflowConverter writes, with the task tree as compact rows."""
    registry = converter.registry
    return {
        "data": registry.convert(registry.clean(workflow.data)),
        "correlations": workflow.correlations,
        "last_task": str(workflow.last_task.id) if workflow.last_task is not None else None,
        "success": workflow.success,
        "completed": workflow.completed,
        "tasks": tasktree.to_rows(workflow, registry),
        "root": str(workflow.task_tree.id),
    }


def _tasks_from(converter, stored, workflow):
    """{id: Task} from compact rows, or from SpiffWorkflow's own mapping (format 1 rows)."""
    if isinstance(stored, list):
        return tasktree.from_rows(stored, workflow, converter.registry)
    return converter.mapping_from_dict(stored, UUID, workflow=workflow)


def _registry():
    config = dict(CAMUNDA_CONFIG)
    config[BpmnWorkflow] = StateConverter
    config[BpmnSubWorkflow] = SubWorkflowState
    # Event definitions can end up in task data (an event-based gateway remembers the events
    # it saw; thrown messages wait in the workflow), so ParkOps' own classes need converters.
    for cls in (semantics.DurationTimer, semantics.DateTimer, semantics.CycleTimer):
        config[cls] = TimerConditionalEventDefinitionConverter
    config[semantics.Message] = CamundaMessageConverter
    config[semantics.Signal] = EventDefinitionConverter
    registry = BpmnWorkflowSerializer.configure(config)
    # ParkOps' workflow classes under SpiffWorkflow's type names: the stored state stays the
    # same, and every state (stored before them too) restores as them.
    StateConverter(ParkOpsWorkflow, registry, typename=registry.typenames[BpmnWorkflow])
    SubWorkflowState(ParkOpsSubWorkflow, registry, typename=registry.typenames[BpmnSubWorkflow])
    return registry


_REGISTRY = _registry()
_SERIALIZER = BpmnWorkflowSerializer(_REGISTRY, version=VERSION)
# SpiffWorkflow's rules for what JSON cannot hold as it is (datetimes, timedeltas, event
# definitions...: typed dicts), applied by the codec to whatever the registry left in place.
_ENCODE = _SERIALIZER._encoder_cls().default


def dump_state(workflow):
    """Serialize a workflow's state (not its spec) to a JSON string.

    The workflow is settled first (see settle): task data deltas are then worked out on the
    values a restore gives back, so a NaN (never equal to itself, stored as null) cannot make
    a child task's delta differ between this workflow and its restored copy.
    """
    settle(workflow)
    _REGISTRY._encoder_mode = True
    try:
        dct = _REGISTRY.convert(workflow)
    finally:
        _REGISTRY._encoder_mode = False
    dct[FORMAT_KEY] = FORMAT_VERSION
    dct[_SERIALIZER.VERSION_KEY] = _SERIALIZER.VERSION
    return jsontext.dumps(dct, _ENCODE)


def dump_ended(workflow, status):
    """The state an ended instance keeps: its final variables, no task tree to run on.

    A completed workflow's end event copied the last task's data into the workflow's; a
    cancelled one still holds it in its last task.
    """
    last = workflow.last_task
    data = {**(last.data if last is not None else {}), **_clean(workflow.data)}
    _REGISTRY._encoder_mode = True
    try:
        data = _REGISTRY.convert(data)
    finally:
        _REGISTRY._encoder_mode = False
    return jsontext.dumps({FORMAT_KEY: FORMAT_VERSION, ENDED_KEY: status, "data": data},
                          _ENCODE)


def ended_variables(text):
    """The final variables dump_ended() kept, or None when `text` is a running state."""
    dct = jsontext.loads(text)
    if ENDED_KEY not in dct:
        return None
    return _REGISTRY.restore(dct["data"])


def load_state(text, spec, subprocess_specs, script_engine):
    """Rebuild a workflow from dump_state() output and the spec it was started from."""
    dct = jsontext.loads(text)
    if ENDED_KEY in dct:
        raise InstanceEnded(f"this instance is {dct[ENDED_KEY]}: it does not run any more")
    dct.pop(FORMAT_KEY, None)
    _SERIALIZER.migrate(dct)
    converter = _REGISTRY.convert_from_dict[_REGISTRY.typenames[BpmnWorkflow]]
    return converter(dct, spec=spec, subprocess_specs=subprocess_specs,
                     script_engine=script_engine)


def settle(workflow):
    """Give a workflow's data the shapes load_state(dump_state(...)) would give it back.

    JSON keeps no tuples or sets (they come back as lists), only text keys and no NaN or
    ±Infinity (engine.jsontext writes null). A workflow kept in memory between operations must
    behave like one restored from its row, or a script calling `seen.append(...)` would work
    or fail depending on where the instance was loaded.
    """
    for wf in (workflow, *workflow.subprocesses.values()):
        wf.data = _settled(wf.data, clean=True)
        wf.correlations = _settled(wf.correlations)
        for task in wf.tasks.values():
            task.data = _settled(task.data)
            task.internal_data = _settled(task.internal_data, clean=True)


def _settled(data, clean=False):
    """A data dict as JSON gives it back: the very dict when it holds text keys and plain
    values only (most task data), else a converted copy."""
    for key, value in data.items():
        kind = type(value)
        if type(key) is not str or (kind not in _PLAIN and (kind is not float
                                                           or not isfinite(value))):
            return _as_json(_clean(data) if clean else data)
    return data


def _clean(data):
    """What SpiffWorkflow's registry drops from the top of workflow and internal data."""
    return {k: v for k, v in data.items() if not callable(v) and not isinstance(v, ModuleType)}


_PLAIN = frozenset(_ATOMS) - {float}     # floats are plain when finite


def _as_json(value):
    kind = type(value)
    if kind is float:
        return value if isfinite(value) else None
    if kind in _ATOMS:
        return value
    if isinstance(value, dict):
        return {_json_key(k): _as_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_as_json(v) for v in value]
    # Subclasses (enum members among them) as the plain value JSON writes: their content, not
    # their str() (str() of a `class Kind(str, Enum)` member is "Kind.A").
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, int):
        return int.__int__(value)
    if isinstance(value, float):
        return _as_json(float.__float__(value))
    if isinstance(value, Enum):
        return _as_json(value.value)        # the codec writes any enum member as its value
    if isinstance(value, UUID):
        return str(value)                   # ... and a UUID as its text
    if callable(value) or isinstance(value, ModuleType):
        return None                         # SpiffWorkflow's JSON encoder writes null for these
    return value        # datetime, timedelta, event definitions: restored as themselves


def _json_key(key):
    if isinstance(key, str):
        return str.__str__(key)
    # Numbers, booleans, None (and dates, UUIDs, enum members) as the codec writes keys.
    return next(iter(jsontext.loads(jsontext.dumps({key: None}))))
