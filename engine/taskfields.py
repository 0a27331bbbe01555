"""What a human task row says, read off its SpiffWorkflow task: Camunda attributes and deadlines.

Camunda attributes (`candidateGroups`, `assignee`, `dueDate`, `priority`...) may be plain text
or `${expressions}` over the task's data, which run in the sandbox. Timer due times are the
ones SpiffWorkflow computed for the waiting timer events.
"""

from datetime import datetime, timedelta

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.util.task import TaskState

from . import camunda, clock, sandbox, semantics
from .errors import EngineError


def task_fields(task, sla_seconds, now):
    """The columns of a new human task row that come from the task and its spec."""
    meta = getattr(task.task_spec, "parkops", None) or {}
    data = task.data
    due = (_moment(meta.get("due_date"), data, now) or _boundary_due(task)
           or (now + timedelta(seconds=sla_seconds) if sla_seconds else None))
    return dict(
        id=str(task.id), task_spec=task.task_spec.name,
        name=task.task_spec.bpmn_name or task.task_spec.name,
        candidate_groups=_names(meta.get("candidate_groups"), data),
        candidate_users=_names(meta.get("candidate_users"), data),
        assignee=_text(meta.get("assignee"), data), due_at=due,
        follow_up_at=_moment(meta.get("follow_up_date"), data, now),
        priority=_priority(meta.get("priority"), data), form=meta.get("form") or {})


def _evaluate(text, data):
    """A Camunda attribute value: `${expr}` goes through the sandbox, plain text stays."""
    if text is None:
        return None
    expr = camunda.juel_to_python(text)
    if expr == text.strip():
        return text.strip()
    try:
        return sandbox.evaluate(expr, dict(data))
    except (EngineError, NameError, TypeError, ValueError, ArithmeticError, LookupError):
        return None


def _text(text, data):
    value = _evaluate(text, data)
    return str(value) if value not in (None, "") else None


def _names(values, data):
    names = []
    for item in values or []:
        value = _evaluate(item, data)
        if isinstance(value, (list, tuple)):
            names.extend(str(v) for v in value)
        elif value:
            names.extend(camunda.split_list(str(value)))
    return names


def _priority(text, data):
    value = _evaluate(text, data)
    try:
        return int(value) if value is not None else 50
    except (TypeError, ValueError):
        return 50


def _moment(text, data, now):
    """A due/follow-up date: ISO date-time, ISO duration from now, or an expression for either."""
    value = _evaluate(text, data)
    if value is None or isinstance(value, datetime):
        return _aware(value)
    if isinstance(value, timedelta):
        return now + value
    value = str(value).strip()
    if value.upper().startswith("P"):
        try:
            parsed = TimerEventDefinition.parse_iso_duration(value)
            return now + TimerEventDefinition.get_timedelta_from_start(parsed, now)
        except Exception:  # SpiffWorkflow raises a bare Exception for a bad duration
            return None
    try:
        return TimerEventDefinition.get_datetime(value)
    except ValueError:
        return None


def _aware(value):
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=clock.now().tzinfo)


def _boundary_due(task):
    """Earliest timer boundary event attached to the task: the deadline the diagram shows."""
    parent = task.parent
    if parent is None or not parent.task_spec.name.endswith(".BoundaryEventSplit"):
        return None
    dues = [timer_due(sibling) for sibling in parent.children if sibling is not task]
    dues = [d for d in dues if d is not None]
    return min(dues) if dues else None


def timers_of(task):
    """Timer definitions a waiting task listens to (event-based gateways hold several)."""
    if not task.has_state(TaskState.WAITING):
        return []
    return [e for e in semantics.flatten(getattr(task.task_spec, "event_definition", None))
            if isinstance(e, TimerEventDefinition)]


def timer_due(task):
    """When the earliest timer a waiting task listens to falls due, or None."""
    dues = [_due_of(timer, task) for timer in timers_of(task)]
    dues = [d for d in dues if d is not None]
    return min(dues) if dues else None


def _due_of(timer, task):
    value = timer.details(task).value
    if isinstance(value, str):
        return TimerEventDefinition.get_datetime(value)
    return value if isinstance(value, datetime) else None
