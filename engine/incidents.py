"""Incidents: failures that wait for a person, opened once per failing task."""

from sqlalchemy import select

from . import audit, clock
from .store import Incident


def open_incident(session, inst, task, message, kind):
    """Open an incident on a task of `inst`, unless one is already open there."""
    task_id = str(task.id) if task is not None else None
    exists = session.scalar(select(Incident.id).where(
        Incident.instance_id == inst.id, Incident.task_id == task_id,
        Incident.resolved_at.is_(None)))
    if exists:
        return
    name = (task.task_spec.bpmn_name or task.task_spec.name) if task is not None else None
    session.add(Incident(tenant=inst.tenant, instance_id=inst.id, task_id=task_id,
                         task_name=name, kind=kind, message=message, created_at=clock.now()))
    audit.record(session, inst.tenant, "incident_opened", inst.id, task_id, None,
                 incident_kind=str(kind), message=message)


def failure_message(exc):
    """The designer-facing reason: the sandbox's words when it refused, else the error."""
    cause = exc.__cause__ or getattr(exc, "exception", None)
    text = str(cause) if cause is not None else str(exc)
    kind = type(cause).__name__ if cause is not None else type(exc).__name__
    return f"{kind}: {text}"[:2000]
