"""Append-only audit events, written in the transaction of the change they describe."""

from . import clock
from .store import AuditEvent


def record(session, tenant, kind, instance_id=None, task_id=None, actor=None, **payload):
    """Add one audit event (who, what, when, payload) to the session."""
    session.add(AuditEvent(tenant=tenant, kind=kind, instance_id=instance_id, task_id=task_id,
                           actor=actor, at=clock.now(), payload=_jsonable(payload)))


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)
