"""Read-only queries over the projections; none of them deserializes workflow state."""

from sqlalchemy import func, or_, select

from . import defaults
from .status import TaskStatus
from .store import (AuditEvent, HumanTask, Incident, ProcessDefinition, ProcessInstance,
                    TaskQueueEntry)


def latest_definitions(session, tenant):
    """The newest version of every process key in a tenant, by key."""
    newest = (select(ProcessDefinition.key, func.max(ProcessDefinition.version).label("v"))
              .where(ProcessDefinition.tenant == tenant).group_by(ProcessDefinition.key)
              .subquery())
    return list(session.scalars(
        select(ProcessDefinition).join(newest, (ProcessDefinition.key == newest.c.key)
                                       & (ProcessDefinition.version == newest.c.v))
        .where(ProcessDefinition.tenant == tenant).order_by(ProcessDefinition.key)))


def queue(session, tenant, roles=(), user=None, limit=defaults.PAGE_SIZE, offset=0):
    """Open unassigned tasks that any of `roles` (or `user` by name) may claim, by due date."""
    keys = [("group", r) for r in roles] + ([("user", user)] if user else [])
    if not keys:
        return []
    match = or_(*[(TaskQueueEntry.kind == k) & (TaskQueueEntry.value == v) for k, v in keys])
    ids = (select(TaskQueueEntry.task_id, func.min(TaskQueueEntry.due_key).label("due"))
           .where(TaskQueueEntry.tenant == tenant, match)
           .group_by(TaskQueueEntry.task_id).order_by("due", TaskQueueEntry.task_id)
           .limit(limit).offset(offset))
    ids = [row.task_id for row in session.execute(ids)]
    return _in_order(session, ids)


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


def all_open(session, tenant, limit=defaults.PAGE_SIZE, offset=0):
    """Every open task of the tenant, by due date (admin and CLI view)."""
    return list(session.scalars(
        select(HumanTask).where(HumanTask.tenant == tenant, HumanTask.status == TaskStatus.OPEN)
        .order_by(HumanTask.due_key, HumanTask.id).limit(limit).offset(offset)))


def _in_order(session, ids):
    if not ids:
        return []
    rows = {t.id: t for t in session.scalars(select(HumanTask).where(HumanTask.id.in_(ids)))}
    return [rows[i] for i in ids if i in rows]


class QueryMixin:
    """Read methods of the Engine; each uses its own short read session."""

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

    def instance(self, instance_id, tenant=None):
        """One instance row (no workflow state is restored), or None."""
        with self.reading() as session:
            inst = session.get(ProcessInstance, instance_id)
            return inst if inst is not None and tenant in (None, inst.tenant) else None

    def instances(self, tenant, status=None, limit=defaults.PAGE_SIZE):
        """Instances of a tenant, newest first, optionally of one status."""
        query = select(ProcessInstance).where(ProcessInstance.tenant == tenant)
        if status:
            query = query.where(ProcessInstance.status == status)
        with self.reading() as session:
            return list(session.scalars(query.order_by(ProcessInstance.id.desc()).limit(limit)))

    def open_tasks(self, tenant, roles=None, user=None, limit=defaults.PAGE_SIZE, offset=0):
        """Claimable tasks for roles/user; with neither, every open task of the tenant."""
        with self.reading() as session:
            if roles is None and user is None:
                return all_open(session, tenant, limit, offset)
            return queue(session, tenant, roles or (), user, limit, offset)

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
        """One task row, or None (also when it belongs to another tenant)."""
        with self.reading() as session:
            row = session.get(HumanTask, str(task_id))
            return row if row is not None and tenant in (None, row.tenant) else None

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
