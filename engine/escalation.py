"""Deadlines: a task whose due time passed is escalated once, in one transaction.

That transaction flags the task overdue, writes the audit event, offers the task to the
escalation group (supervisors may claim it or take it over) and queues a notification job.
Who gets e-mailed, and how, is the registered `task_overdue` handler's business.
"""

import logging

from sqlalchemy import select, update

from . import audit, clock, defaults
from .services import ServiceCall
from .status import JobKind, JobStatus, TaskStatus
from .store import HumanTask, Job, TaskQueueEntry

log = logging.getLogger(__name__)
TASKS = HumanTask.__table__

NOTIFY_HANDLER = "task_overdue"


def escalate_overdue(engine, limit=None):
    """Escalate every open task whose due time has passed; returns how many were escalated."""
    with engine._operation() as session:
        tasks = list(session.scalars(
            select(HumanTask).where(HumanTask.status == TaskStatus.OPEN,
                                    HumanTask.overdue.is_(False),
                                    HumanTask.due_key <= clock.now())
            .order_by(HumanTask.due_key).limit(limit or defaults.TIMER_BATCH)))
        return sum(_escalate(session, task) for task in tasks)


def _escalate(session, task):
    """Escalate one task unless it closed or was escalated meanwhile; True when it was."""
    # Compare-and-set: on PostgreSQL a completion may commit between the SELECT and here.
    flagged = session.connection().execute(
        update(TASKS).where(TASKS.c.id == task.id, TASKS.c.status == TaskStatus.OPEN,
                            TASKS.c.overdue.is_(False)).values(overdue=True))
    if flagged.rowcount != 1:
        return False
    now = clock.now()
    group = defaults.ESCALATION_GROUP
    if task.assignee is None and group not in task.candidate_groups:
        session.add(TaskQueueEntry(task_id=task.id, tenant=task.tenant, kind="group",
                                   value=group, due_key=task.due_key))
    audit.record(session, task.tenant, "task_escalated", task.instance_id, task.id,
                 name=task.name, due_at=task.due_at.isoformat(), assignee=task.assignee,
                 escalated_to=group)
    session.add(Job(tenant=task.tenant, instance_id=task.instance_id, task_id=task.id,
                    kind=JobKind.NOTIFY, handler=NOTIFY_HANDLER, status=JobStatus.PENDING,
                    attempts=0, run_after=now, created_at=now, payload=_payload(task, group)))
    return True


def _payload(task, group):
    return {"task_id": task.id, "task_name": task.name, "process_key": task.process_key,
            "business_key": task.business_key, "assignee": task.assignee,
            "candidate_groups": list(task.candidate_groups), "escalated_to": group,
            "due_at": task.due_at.isoformat()}


def run_notification(engine, job_id, record_failure):
    """Call the notification handler for a job; no handler registered means nothing to send."""
    with engine.reading() as session:
        job = session.get(Job, job_id)
        if job is None or job.status != JobStatus.PENDING:
            return
        call = ServiceCall(job_id=job.id, attempt=job.attempts + 1, tenant=job.tenant,
                           instance_id=job.instance_id, business_key=job.payload["business_key"],
                           task_name=job.handler, variables=dict(job.payload))
    handler = engine.services.get(call.task_name)
    if handler is not None:
        try:
            handler(call)
        except Exception as exc:  # a handler is foreign code: any failure is an attempt lost
            record_failure(engine, job_id, exc)
            return
    with engine._operation() as session:
        job = session.get(Job, job_id)
        if job.status != JobStatus.PENDING:
            return
        job.status, job.attempts = JobStatus.DONE, job.attempts + 1
        if handler is None:
            job.last_error = f"no '{call.task_name}' handler registered: nobody was notified"
        audit.record(session, job.tenant, "notification_sent" if handler else
                     "notification_skipped", job.instance_id, job.task_id, handler=job.handler)
