"""Append-only audit events, written in the transaction of the change they describe."""

from . import clock
from .prepared import Prepared
from .store import AuditEvent

INSERT = Prepared.insert(AuditEvent.__table__)
# session.info key of the rows an Engine transaction collects and inserts in one batch at commit.
BUFFER = "parkops_audit_rows"


def record(session, tenant, kind, instance_id=None, task_id=None, actor=None, first=False,
           **payload):
    """Add one audit event (who, what, when, payload) to the session's transaction.

    `first` puts it before the events already recorded in this operation (an instance's start
    is known only after its row exists, but it happened before its first task opened).
    """
    row = dict(tenant=tenant, kind=kind, instance_id=instance_id, task_id=task_id, actor=actor,
               at=clock.now(), payload=_jsonable(payload))
    rows = session.info.get(BUFFER)
    if rows is None:
        # A session an Engine did not open: nothing would insert a buffer, so use the ORM.
        session.add(AuditEvent(**row))
    elif first:
        rows.insert(0, row)
    else:
        rows.append(row)


def start_buffer(session):
    """Collect this session's events until flush(); ids still follow the order of record()."""
    session.info[BUFFER] = []


def flush(session):
    """Insert the collected events with one statement (executemany)."""
    rows = session.info.get(BUFFER)
    if rows:
        INSERT.executemany(session.connection(), rows)
        rows.clear()


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)
