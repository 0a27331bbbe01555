"""The consistency every cluster test ends with, whatever workers died or queues were lost."""
from sqlalchemy import func, select

from engine.claims import DISPATCH, JOB
from engine.status import InstanceStatus, JobKind, JobStatus, TaskStatus
from engine.store import (HumanTask, Incident, Job, MessageSubscription, PendingTimer,
                          ProcessInstance)


def inconsistencies(engine):
    """Every broken rule as a readable line; empty when the database is consistent."""
    problems = []
    with engine.reading() as s:
        running = set(s.scalars(select(ProcessInstance.id).where(
            ProcessInstance.status == InstanceStatus.RUNNING)))
        open_tasks = s.execute(select(HumanTask.id, HumanTask.instance_id).where(
            HumanTask.status == TaskStatus.OPEN)).all()
        problems += [f"open task {t} belongs to instance {i}, which is not running"
                     for t, i in open_tasks if i not in running]
        waiting_on = (
            {i for _, i in open_tasks}
            | set(s.scalars(select(PendingTimer.instance_id)))
            | set(s.scalars(select(MessageSubscription.instance_id)))
            | set(s.scalars(select(Job.instance_id).where(Job.status == JobStatus.PENDING)))
            | set(s.scalars(select(Incident.instance_id).where(Incident.resolved_at.is_(None)))))
        problems += [f"running instance {i} waits on nothing (no task, timer, message, job "
                     "or incident)" for i in sorted(running - waiting_on)]
        twice = s.execute(
            select(Job.instance_id, Job.task_id).where(
                Job.kind == JobKind.SERVICE, Job.status.in_([JobStatus.DONE, JobStatus.PENDING]))
            .group_by(Job.instance_id, Job.task_id)
            .having(func.count(func.distinct(Job.status)) > 1)).all()
        problems += [f"service task {t} of instance {i} has a job done and another pending"
                     for i, t in twice]
        finished_but_held = s.scalars(
            select(DISPATCH.c.ref).join(Job.__table__, Job.id == DISPATCH.c.ref)
            .where(DISPATCH.c.kind == JOB, Job.status != JobStatus.PENDING)).all()
        problems += [f"job {j} is over but still handed to a worker" for j in finished_but_held]
    return problems
