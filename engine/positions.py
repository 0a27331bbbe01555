"""Where a running instance stands on its diagram: the BPMN element ids of its open steps.

The monitor draws the instance's diagram and highlights these. Unlike engine.monitoring this
loads the workflow (one instance, on a detail page), because only the workflow knows which
diagram element each waiting step is.
"""
from dataclasses import dataclass, field

from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from .status import InstanceStatus
from .store import Incident

OPEN = TaskState.READY | TaskState.STARTED | TaskState.WAITING | TaskState.ERROR


@dataclass(frozen=True)
class Positions:
    """BPMN element ids: `active` (work to do now), `waiting` (for a timer, a message or a
    subprocess), `failed` (an open incident)."""

    active: list = field(default_factory=list)
    waiting: list = field(default_factory=list)
    failed: list = field(default_factory=list)


def positions(engine, instance):
    """The Positions of `instance` (a ProcessInstance row); empty once it has ended."""
    if instance.status != InstanceStatus.RUNNING:
        return Positions()
    with engine.reading() as session:
        _, wf = engine._load(session, instance.id)
        broken = set(session.scalars(select(Incident.task_id).where(
            Incident.instance_id == instance.id, Incident.resolved_at.is_(None))))
    found = Positions()
    for task in wf.get_tasks(state=OPEN):
        element = getattr(task.task_spec, "bpmn_id", None)
        if not element:
            continue         # the engine's own bookkeeping steps (start, end, root)
        if str(task.id) in broken or task.has_state(TaskState.ERROR):
            bucket = found.failed
        elif task.has_state(TaskState.WAITING) or isinstance(task.task_spec, SubWorkflowTask):
            bucket = found.waiting
        else:
            bucket = found.active
        if element not in bucket:
            bucket.append(element)
    return found
