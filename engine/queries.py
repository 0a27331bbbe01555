"""Read-only queries over the projections; none of them deserializes workflow state."""

from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import datetime
from functools import lru_cache

from sqlalchemy import bindparam, func, select, union_all
from sqlalchemy.orm import configure_mappers, make_transient_to_detached
from sqlalchemy.orm.attributes import manager_of_class

from . import defaults
from .operation import DriverConnection
from .prepared import Prepared
from .status import TaskStatus
from .store import (AuditEvent, HumanTask, Incident, ProcessDefinition, ProcessInstance,
                    StartTimer, TaskQueueEntry)

TASKS, QUEUE = HumanTask.__table__, TaskQueueEntry.__table__
INSTANCES, DEFINITIONS = ProcessInstance.__table__, ProcessDefinition.__table__


@dataclass(eq=False)
class ListedTask:
    """A task as lists show it (basket pages, the API's task lists), read without the ORM:
    HumanTask's columns but those only the task's own page needs, the form definition (a few
    hundred characters of JSON) above all. Every column costs the driver and the loader a
    value per listed row, and a page lists up to fifty: leaving these five out takes a
    seventh of what reading and answering a row costs."""

    id: str
    instance_id: int
    name: str
    process_key: str
    business_key: str | None
    status: str
    candidate_groups: list
    candidate_users: list
    assignee: str | None
    due_at: datetime | None
    priority: int
    created_at: datetime
    completed_at: datetime | None
    completed_by: str | None
    overdue: bool


@dataclass(eq=False)
class TaskView(ListedTask):
    """A whole task row, read without the ORM: what a task's page and the task endpoints
    show, with the form to fill in."""

    tenant: str
    task_spec: str
    due_key: datetime
    follow_up_at: datetime | None
    form: dict


# The task table's columns in the order of the fields above: rows of these selects are the
# arguments of ListedTask / TaskView.
LISTED_COLUMNS = tuple(TASKS.c[f.name] for f in fields(ListedTask))
TASK_COLUMNS = tuple(TASKS.c[f.name] for f in fields(TaskView))


def latest_definitions(session, tenant):
    """The newest version of every process key in a tenant, by key."""
    newest = (select(ProcessDefinition.key, func.max(ProcessDefinition.version).label("v"))
              .where(ProcessDefinition.tenant == tenant).group_by(ProcessDefinition.key)
              .subquery())
    return list(session.scalars(
        select(ProcessDefinition).join(newest, (ProcessDefinition.key == newest.c.key)
                                       & (ProcessDefinition.version == newest.c.v))
        .where(ProcessDefinition.tenant == tenant).order_by(ProcessDefinition.key)))


@dataclass(frozen=True)
class PageDetails:
    """What a basket row shows beside its task: the process's name and the instance's
    variables the process chose to list (`basket_columns`)."""

    process_name: str | None
    process_key: str | None
    basket_columns: list | None
    variables: dict | None


def queue(conn, tenant, roles=(), user=None, limit=defaults.PAGE_SIZE, offset=0):
    """Open unassigned tasks that any of `roles` (or `user` by name) may claim, by due date.

    One index range scan per role, each stopped after offset+limit rows (ORDER BY/LIMIT inside
    every branch), then only those candidates are merged and joined to their task rows: the
    cost follows the page, not the number of open tasks. A task offered to two of the user's
    roles appears once. `conn` is what prepared statements run on (a Connection or an
    engine.operation.DriverConnection).
    """
    return [TaskView(*row) for row in _queue_rows(conn, tenant, roles, user, limit, offset)]


def queue_page(conn, tenant, roles=(), user=None, limit=defaults.PAGE_SIZE, offset=0):
    """queue() as a basket page shows it: (ListedTask, PageDetails) pairs, all from the same
    statement (each task's instance and definition joined by primary key)."""
    width = len(LISTED_COLUMNS)
    return [(ListedTask(*row[:width]), PageDetails(*row[width:]))
            for row in _queue_rows(conn, tenant, roles, user, limit, offset, details=True)]


def _queue_rows(conn, tenant, roles, user, limit, offset, details=False):
    keys = [("group", r) for r in roles] + ([("user", user)] if user else [])
    if not keys:
        return []
    params = {"tenant": tenant, "depth": offset + limit, "limit": limit, "offset": offset}
    for n, (kind, value) in enumerate(keys):
        params[f"kind_{n}"], params[f"value_{n}"] = kind, value
    return _queue_statement(len(keys), details).all(conn, params)


@lru_cache(maxsize=32)
def _queue_statement(branches, details=False):
    """The queue page for `branches` (role or user) keys, built and compiled once per count;
    with `details`, the rows are ListedTask columns followed by their PageDetails columns."""
    parts = [
        select(QUEUE.c.task_id, QUEUE.c.due_key)
        .where(QUEUE.c.tenant == bindparam("tenant"), QUEUE.c.kind == bindparam(f"kind_{n}"),
               QUEUE.c.value == bindparam(f"value_{n}"))
        .order_by(QUEUE.c.due_key, QUEUE.c.task_id).limit(bindparam("depth")).subquery()
        for n in range(branches)]
    candidates = union_all(*[select(p.c.task_id, p.c.due_key) for p in parts]).subquery()
    page = (select(candidates.c.task_id, func.min(candidates.c.due_key).label("due"))
            .group_by(candidates.c.task_id).order_by("due", candidates.c.task_id)
            .limit(bindparam("limit")).offset(bindparam("offset")).subquery())
    columns = LISTED_COLUMNS if details else TASK_COLUMNS
    query = select(*columns).join_from(page, TASKS, TASKS.c.id == page.c.task_id)
    if details:
        query = (query.add_columns(DEFINITIONS.c.name, DEFINITIONS.c.key,
                                   DEFINITIONS.c.basket_columns, INSTANCES.c.variables)
                 .outerjoin(INSTANCES, INSTANCES.c.id == TASKS.c.instance_id)
                 .outerjoin(DEFINITIONS, DEFINITIONS.c.id == INSTANCES.c.definition_id))
    return Prepared(query.order_by(page.c.due, page.c.task_id))


def inbox(session, tenant, user, limit=defaults.PAGE_SIZE, offset=0):
    """Open tasks assigned to `user`, by due date."""
    return list(session.scalars(
        select(HumanTask).where(HumanTask.tenant == tenant, HumanTask.assignee == user,
                                HumanTask.status == TaskStatus.OPEN)
        .order_by(HumanTask.due_key, HumanTask.id).limit(limit).offset(offset)))


def escalated(session, tenant, limit=defaults.PAGE_SIZE, offset=0):
    """Open tasks past their deadline, most overdue first (the supervisors' view)."""
    return list(session.scalars(
        select(HumanTask).where(HumanTask.tenant == tenant, HumanTask.status == TaskStatus.OPEN,
                                HumanTask.overdue.is_(True))
        .order_by(HumanTask.due_key, HumanTask.id).limit(limit).offset(offset)))


def done(session, tenant, user, limit=defaults.PAGE_SIZE, offset=0):
    """Tasks `user` completed, most recent first."""
    return list(session.scalars(
        select(HumanTask).where(HumanTask.tenant == tenant, HumanTask.completed_by == user)
        .order_by(HumanTask.completed_at.desc(), HumanTask.id).limit(limit).offset(offset)))


def all_open(conn, tenant, limit=defaults.PAGE_SIZE, offset=0):
    """Every open task of the tenant, by due date (admin and CLI view)."""
    rows = _ALL_OPEN.all(conn, {"tenant": tenant, "limit": limit, "offset": offset})
    return [TaskView(*row) for row in rows]


_ALL_OPEN = Prepared(
    select(*TASK_COLUMNS).where(TASKS.c.tenant == bindparam("tenant"),
                                TASKS.c.status == TaskStatus.OPEN)
    .order_by(TASKS.c.due_key, TASKS.c.id).limit(bindparam("limit")).offset(bindparam("offset")))


TASK_BY_ID = Prepared(select(*TASK_COLUMNS).where(TASKS.c.id == bindparam("task_id")))
_OPEN_TASK_IDS = Prepared(
    select(TASKS.c.id).where(TASKS.c.instance_id == bindparam("instance_id"),
                             TASKS.c.status == TaskStatus.OPEN)
    .order_by(TASKS.c.created_at, TASKS.c.id))
_INSTANCE_STATUS = Prepared(
    select(INSTANCES.c.status, INSTANCES.c.tenant)
    .where(INSTANCES.c.id == bindparam("instance_id")))
_INSTANCE_BY_ID = Prepared(
    select(*INSTANCES.c).where(INSTANCES.c.id == bindparam("instance_id")))


def _detached(model, table, row):
    """A detached ORM object of `model` built from a full Core row, as if a session loaded it.

    Far cheaper than Session.get on the hot API paths, and the same thing to callers: readable
    after any session closed, and attachable to a session later (the version lock applies).
    The values go straight into the instance's dict, as the ORM's own loader puts them.
    """
    configure_mappers()
    obj = manager_of_class(model).new_instance()
    obj.__dict__.update(zip(table.columns.keys(), row))
    make_transient_to_detached(obj)
    return obj


class QueryMixin:
    """Read methods of the Engine; each uses its own short read session."""

    @contextmanager
    def bare_read(self):
        """A pooled connection for one prepared SELECT (atomic on its own: no BEGIN needed)."""
        with DriverConnection(self.db_engine) as conn:
            yield conn

    def definitions(self, tenant):
        """Latest version of each deployed process and decision."""
        with self.reading() as session:
            return latest_definitions(session, tenant)

    def definition_versions(self, tenant, key):
        """Every version of one key, newest first."""
        with self.reading() as session:
            return list(session.scalars(select(ProcessDefinition).where(
                ProcessDefinition.tenant == tenant, ProcessDefinition.key == key)
                .order_by(ProcessDefinition.version.desc())))

    def start_schedules(self, tenant, key):
        """The scheduled starts of a key's timer start events (StartTimer rows), soonest
        first; empty when the engine does not start it by itself."""
        with self.reading() as session:
            return list(session.scalars(select(StartTimer).where(
                StartTimer.tenant == tenant, StartTimer.process_key == key)
                .order_by(StartTimer.due_at, StartTimer.id)))

    def instance(self, instance_id, tenant=None):
        """One instance row (no workflow state is restored), or None."""
        with self.bare_read() as conn:
            row = _INSTANCE_BY_ID.first(conn, {"instance_id": instance_id})
        inst = None if row is None else _detached(ProcessInstance, INSTANCES, row)
        return inst if inst is not None and tenant in (None, inst.tenant) else None

    def instance_status(self, instance_id, tenant=None):
        """The status of one instance ("running", "completed"...), or None when there is no
        such instance (in `tenant`): one indexed column, for answers that need no more."""
        with self.bare_read() as conn:
            row = _INSTANCE_STATUS.first(conn, {"instance_id": instance_id})
        return row[0] if row is not None and tenant in (None, row[1]) else None

    def instances(self, tenant, status=None, limit=defaults.PAGE_SIZE):
        """Instances of a tenant, newest first, optionally of one status."""
        query = select(ProcessInstance).where(ProcessInstance.tenant == tenant)
        if status:
            query = query.where(ProcessInstance.status == status)
        with self.reading() as session:
            return list(session.scalars(query.order_by(ProcessInstance.id.desc()).limit(limit)))

    def open_tasks(self, tenant, roles=None, user=None, limit=defaults.PAGE_SIZE, offset=0):
        """Claimable tasks for roles/user; with neither, every open task of the tenant."""
        with self.bare_read() as conn:
            if roles is None and user is None:
                return all_open(conn, tenant, limit, offset)
            return queue(conn, tenant, roles or (), user, limit, offset)

    def inbox(self, tenant, user, limit=defaults.PAGE_SIZE, offset=0):
        """Open tasks assigned to `user`."""
        with self.reading() as session:
            return inbox(session, tenant, user, limit, offset)

    def escalated(self, tenant, limit=defaults.PAGE_SIZE, offset=0):
        """Open tasks past their deadline."""
        with self.reading() as session:
            return escalated(session, tenant, limit, offset)

    def done(self, tenant, user, limit=defaults.PAGE_SIZE, offset=0):
        """Tasks `user` completed."""
        with self.reading() as session:
            return done(session, tenant, user, limit, offset)

    def task(self, task_id, tenant=None):
        """One task row as a TaskView, or None (also when it belongs to another tenant)."""
        with self.bare_read() as conn:
            row = TASK_BY_ID.first(conn, {"task_id": str(task_id)})
        task = None if row is None else TaskView(*row)
        return task if task is not None and tenant in (None, task.tenant) else None

    def open_task_ids(self, instance_id):
        """Ids of the instance's open human tasks, oldest first: what a client that has just
        started (or moved) an instance asks next, answered by one indexed statement."""
        with self.bare_read() as conn:
            return [row[0] for row in _OPEN_TASK_IDS.all(conn, {"instance_id": instance_id})]

    def instance_tasks(self, instance_id):
        """Every task row of an instance, oldest first."""
        with self.reading() as session:
            return list(session.scalars(select(HumanTask).where(
                HumanTask.instance_id == instance_id).order_by(HumanTask.created_at)))

    def incidents(self, tenant, open_only=True, instance_id=None):
        """Incidents of a tenant (open ones by default), newest first."""
        query = select(Incident).where(Incident.tenant == tenant)
        if open_only:
            query = query.where(Incident.resolved_at.is_(None))
        if instance_id is not None:
            query = query.where(Incident.instance_id == instance_id)
        with self.reading() as session:
            return list(session.scalars(query.order_by(Incident.id.desc())))

    def history(self, instance_id):
        """The audit trail of an instance, oldest first."""
        with self.reading() as session:
            return list(session.scalars(select(AuditEvent).where(
                AuditEvent.instance_id == instance_id).order_by(AuditEvent.id)))
