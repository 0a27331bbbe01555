"""Where ParkOps' event semantics differ from SpiffWorkflow's defaults, swapped onto parsed specs.

Specs are never serialized here (instances store state only), so replacing an event
definition's class after parsing is safe and invisible to stored instances.

Timers fire AT their due time, not one tick after: SpiffWorkflow fires a timer when `due < now`; the store schedules it for `due <= now`. With
a frozen or coarse clock the two disagree exactly at the due instant, and the runner would
pick the row up and leave it unfired. These subclasses make SpiffWorkflow's test half-open
like ours.

Messages: a correlated message's variables become process variables, as in Camunda, instead
of landing under `<task>_Response`.

Signals: a thrown signal reaches every instance waiting for it, as in Camunda, not only the
thrower's own catch events. SpiffWorkflow hands an event to the rest of the world (get_events)
only when nothing inside the workflow caught it; a signal is handed out always, and the engine
broadcasts it to the other instances of the tenant after the transaction commits.

Event-based gateways: the first event to happen takes its path and withdraws the others.
SpiffWorkflow records every event it sees at the gateway and runs the path of each: a message
delivered while the gateway's timer was already due (the runner had not fired it yet) ran both
paths. Here a due timer happened first, so it refuses later messages, and once one event is
recorded no other joins it.

Loops and multi-instance: SpiffWorkflow wires a child's completion to its loop's merge only
when it creates the child or deserializes a spec. Our specs are parsed, never deserialized, so
after a restart (or in another process) children would never be merged; `adapt` wires them.
"""

from datetime import datetime, timedelta

from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import SignalEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (CycleTimerEventDefinition,
                                                              DurationTimerEventDefinition,
                                                              TimeDateEventDefinition,
                                                              TimerEventDefinition)

from SpiffWorkflow.bpmn import BpmnEvent
from SpiffWorkflow.bpmn.specs.data_spec import TaskDataReference
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import EventBasedGateway
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.camunda.specs.event_definitions import (
    MessageEventDefinition as CamundaMessageEventDefinition)

from . import clock


def _mark_if_due(my_task, due):
    if due <= clock.now():
        my_task._set_internal_data(event_fired=True)


class DurationTimer(DurationTimerEventDefinition):
    """`timeDuration` timer that fires when now >= start + duration."""

    def has_fired(self, my_task):
        value = my_task._get_internal_data("event_value")
        if value is not None:
            _mark_if_due(my_task, TimerEventDefinition.get_datetime(value))
        return super().has_fired(my_task)


class DateTimer(TimeDateEventDefinition):
    """`timeDate` timer that fires when now >= the date."""

    def has_fired(self, my_task):
        value = my_task._get_internal_data("event_value")
        if value is not None:
            _mark_if_due(my_task, TimerEventDefinition.parse_time_or_duration(value))
        return super().has_fired(my_task)


class CycleTimer(CycleTimerEventDefinition):
    """`timeCycle` timer (R3/PT1H) whose every occurrence fires when now >= its time."""

    def cycle_complete(self, my_task):
        value = my_task._get_internal_data("event_value")
        if value is None or value["cycles"] == 0:
            return super().cycle_complete(my_task)
        upcoming = datetime.fromisoformat(value["next"])
        if upcoming > clock.now():
            return False
        value["next"] = (upcoming + timedelta(seconds=value["duration"])).isoformat()
        value["cycles"] -= 1
        my_task._set_internal_data(event_value=value)
        return True


class Message(CamundaMessageEventDefinition):
    """Camunda message whose payload dict is merged into the catching task's data."""

    def throw(self, my_task):
        """Send the thrower's data (or its message expression's dict) as the payload."""
        payload = dict(my_task.data)
        if self.expression:
            value = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            payload = value if isinstance(value, dict) else {self.result_var or self.name: value}
        my_task.workflow.top_workflow.catch(BpmnEvent(self, payload=payload))

    def update_internal_data(self, my_task, event):
        my_task.internal_data[self.name] = dict(event.payload or {})

    def update_task_data(self, my_task):
        my_task.data.update(my_task.internal_data.get(self.name) or {})


class Signal(SignalEventDefinition):
    """A signal: caught inside the instance and always handed out for the other instances."""

    def throw(self, my_task):
        event = BpmnEvent(self)
        top = my_task.workflow.top_workflow
        if top.event_manager.catch(event) > 0:
            # Caught inside: SpiffWorkflow keeps it there; other instances must see it too.
            top.bpmn_events.append(event)


class GatewayEvents(MultipleEventDefinition):
    """The events after an event-based gateway: exactly one of them ever fires."""

    def has_fired(self, my_task):
        seen = my_task.internal_data.get("seen_events") or []
        if not seen:
            seen = [BpmnEvent(timer) for timer in self._due_timers(my_task)]
        my_task.internal_data["seen_events"] = seen[:1]
        return bool(seen)

    def catches(self, my_task, event=None):
        if my_task.internal_data.get("seen_events") or self._due_timers(my_task):
            return False       # decided already, or the deadline passed before this event
        return super().catches(my_task, event)

    def _due_timers(self, my_task):
        return [d for d in self.event_definitions
                if isinstance(d, TimerEventDefinition) and d.has_fired(my_task)]


_REPLACEMENTS = {
    DurationTimerEventDefinition: DurationTimer,
    TimeDateEventDefinition: DateTimer,
    CycleTimerEventDefinition: CycleTimer,
    CamundaMessageEventDefinition: Message,
    SignalEventDefinition: Signal,
}


def adapt(*specs):
    """Give these freshly parsed process specs ParkOps' event and loop semantics."""
    for spec in specs:
        for task_spec in spec.task_specs.values():
            if isinstance(task_spec, EventBasedGateway):
                task_spec.event_definition.__class__ = GatewayEvents
            for event in flatten(getattr(task_spec, "event_definition", None)):
                replacement = _REPLACEMENTS.get(type(event))
                if replacement is not None:
                    event.__class__ = replacement
            if isinstance(task_spec, LoopTask):
                _wire_loop(spec, task_spec)


def _wire_loop(spec, loop):
    child = spec.task_specs[loop.task_spec]
    if not child.completed_event.is_connected(loop.merge_child):
        child.completed_event.connect(loop.merge_child)
    # Camunda's collection form sets these on the first run only; a spec parsed in another
    # process would miss them, so set them up front.
    if getattr(loop, "cardinality", 1) is None and getattr(loop, "data_output", None) is not None:
        loop.data_input = TaskDataReference(loop.data_output.bpmn_id)
        if loop.output_item is not None:
            loop.input_item = TaskDataReference(loop.output_item.bpmn_id)


def flatten(definition):
    """The plain event definitions inside a (possibly Multiple) event definition."""
    if definition is None:
        return []
    if isinstance(definition, MultipleEventDefinition):
        return [d for inner in definition.event_definitions for d in flatten(inner)]
    return [definition]
