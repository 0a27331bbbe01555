"""Instance rows on the write path: Core statements, the version lock, and the workflow cache.

Operations read and write instance rows with prepared statements (engine.prepared) into plain
objects: no ORM unit of work on the hot path. The optimistic lock is the UPDATE itself,
`... WHERE id = :id AND version = :version`; no row updated means someone else won.
"""

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select

from .errors import StaleInstance
from .prepared import Prepared
from .queries import TASK_BY_ID, TASK_COLUMNS, TaskView
from .status import TaskStatus
from .store import HumanTask, ProcessInstance, TaskQueueEntry

STALE = ("the process instance was changed by someone else at the same time; nothing was "
         "saved, reload and try again")
INSTANCES = ProcessInstance.__table__
TASKS = HumanTask.__table__
_COLUMNS = ("id", "tenant", "definition_id", "process_key", "business_key", "status", "version",
            "started_at", "ended_at", "projection", "state")

SELECT_INSTANCE = Prepared(select(*[INSTANCES.c[name] for name in _COLUMNS]).where(
    INSTANCES.c.id == bindparam("instance_id")))
_TASK_AND_INSTANCE = (
    select(*TASK_COLUMNS,
           *[INSTANCES.c[name].label(f"i_{name}") for name in _COLUMNS])
    .join_from(TASKS, INSTANCES, TASKS.c.instance_id == INSTANCES.c.id)
    .where(TASKS.c.id == bindparam("task_id")))
SELECT_TASK = Prepared(_TASK_AND_INSTANCE)
# Inside a write transaction on PostgreSQL: the instance row stays locked until it ends, so no
# other writer moves the instance meanwhile (SQLite has no row locks: its write transaction
# holds the whole database, and the clause is left out). Instance first, then the task row as
# it is written: the order every writer of both takes (engine.jobs saves the instance first).
SELECT_TASK_LOCKED = Prepared(_TASK_AND_INSTANCE.with_for_update(of=INSTANCES))
# The task row alone, locked the same way (claim, unclaim, assign: they change no instance).
SELECT_TASK_VIEW_LOCKED = Prepared(TASK_BY_ID.statement.with_for_update())
# Compare-and-set of the assignee: only an open task still held by the expected assignee.
_ASSIGN = dict(assignee=bindparam("assignee"))
_OPEN_TASK = (TASKS.c.id == bindparam("b_id"), TASKS.c.status == TaskStatus.OPEN)
ASSIGN_UNCLAIMED = Prepared(TASKS.update().where(*_OPEN_TASK, TASKS.c.assignee.is_(None))
                            .values(**_ASSIGN))
ASSIGN_HELD = Prepared(TASKS.update().where(*_OPEN_TASK,
                                            TASKS.c.assignee == bindparam("b_expected"))
                       .values(**_ASSIGN))
DELETE_QUEUE_ENTRIES = Prepared(TaskQueueEntry.__table__.delete().where(
    TaskQueueEntry.__table__.c.task_id == bindparam("task_id")))
INSERT_INSTANCE = Prepared.insert(INSTANCES, returning=INSTANCES.c.id)
UPDATE_INSTANCE = Prepared(
    INSTANCES.update()
    .where(INSTANCES.c.id == bindparam("b_id"), INSTANCES.c.version == bindparam("b_version"))
    .values(state=bindparam("state"), variables=bindparam("variables"),
            status=bindparam("status"), ended_at=bindparam("ended_at"),
            projection=bindparam("projection"), version=INSTANCES.c.version + 1))


@dataclass
class InstanceRow:
    """The columns of engine_instance an operation works with; plain data, readable anywhere."""

    id: int | None
    tenant: str
    definition_id: int
    process_key: str
    business_key: str | None
    status: str
    version: int
    started_at: datetime
    ended_at: datetime | None = None
    projection: dict | None = None
    state: str | None = None
    started_by: str | None = None


def fetch(conn, instance_id):
    """The instance row, or None."""
    row = SELECT_INSTANCE.first(conn, {"instance_id": instance_id})
    return None if row is None else InstanceRow(*row)


def fetch_task(conn, task_id, lock=False):
    """(TaskView, its InstanceRow) in one statement, or (None, None). With `lock`, in a write
    transaction: the instance row is locked until the transaction ends (SELECT_TASK_LOCKED)."""
    row = (SELECT_TASK_LOCKED if lock else SELECT_TASK).first(conn, {"task_id": task_id})
    if row is None:
        return None, None
    width = len(TASK_COLUMNS)
    return TaskView(*row[:width]), InstanceRow(*row[width:])


def fetch_task_view(conn, task_id, lock=False):
    """Every column of one human task row as a TaskView, or None. With `lock`, in a write
    transaction: the row is locked until the transaction ends."""
    row = (SELECT_TASK_VIEW_LOCKED if lock else TASK_BY_ID).first(conn, {"task_id": str(task_id)})
    return None if row is None else TaskView(*row)


def set_assignee(conn, task_id, user, expected):
    """Give an open task to `user` if its assignee is still `expected`; True when it was.

    Its queue entries go either way the task changes hands (an unassigned task gets them
    back from the caller).
    """
    params = {"b_id": task_id, "assignee": user}
    if expected is None:
        matched = ASSIGN_UNCLAIMED.rowcount(conn, params)
    else:
        matched = ASSIGN_HELD.rowcount(conn, {**params, "b_expected": expected})
    if matched != 1:
        return False
    DELETE_QUEUE_ENTRIES.executemany(conn, [{"task_id": task_id}])
    return True


def insert(conn, inst, state, variables):
    """Insert a new instance at version 1; sets inst.id."""
    inst.version = 1
    inst.id = INSERT_INSTANCE.scalar(conn, dict(
        tenant=inst.tenant, definition_id=inst.definition_id, process_key=inst.process_key,
        business_key=inst.business_key, status=inst.status, state=state, variables=variables,
        version=1, started_at=inst.started_at, started_by=inst.started_by,
        ended_at=inst.ended_at, projection=inst.projection))


def update(conn, inst, state, variables):
    """Write the instance if still at inst.version (then one version on); else StaleInstance."""
    matched = UPDATE_INSTANCE.rowcount(conn, dict(
        b_id=inst.id, b_version=inst.version, state=state, variables=variables,
        status=inst.status, ended_at=inst.ended_at, projection=inst.projection))
    if matched != 1:
        raise StaleInstance(STALE)
    inst.version += 1


class WorkflowCache:
    """Restored workflows by instance id, each exactly as saved at one committed version.

    An operation takes its instance's workflow out (nobody else can touch it meanwhile) and
    the engine puts it back only after its transaction committed, tagged with the version it
    wrote. A version that does not match the row, or a rolled-back operation, means a miss.
    """

    def __init__(self, size):
        self.size = size
        self._entries = OrderedDict()
        self._lock = threading.Lock()

    def take(self, instance_id, version):
        """The workflow of `instance_id` at `version`, removed from the cache, or None."""
        with self._lock:
            entry = self._entries.pop(instance_id, None)
        return entry[1] if entry is not None and entry[0] == version else None

    def put(self, instance_id, version, workflow):
        """Keep the workflow saved (and committed) as `version`; the oldest entries go first."""
        if self.size <= 0:
            return
        with self._lock:
            self._entries[instance_id] = (version, workflow)
            self._entries.move_to_end(instance_id)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def __len__(self):
        return len(self._entries)
