"""Figures an operator watches, read in a few indexed queries (for /metrics, not per request)."""

from dataclasses import dataclass, field

from sqlalchemy import func, select

from . import clock
from .status import JobStatus, TaskStatus
from .store import HumanTask, Incident, Job, PendingTimer, TaskQueueEntry


@dataclass
class Gauges:
    """A snapshot of the work waiting in the database."""

    open_by_role: dict = field(default_factory=dict)      # (tenant, role) -> unclaimed tasks
    claimed: dict = field(default_factory=dict)           # tenant -> claimed open tasks
    overdue: dict = field(default_factory=dict)           # tenant -> open tasks past due
    incidents: dict = field(default_factory=dict)         # tenant -> open incidents
    due_timers: int = 0                                   # timers due and not fired yet
    timer_lag_s: float = 0.0                              # age of the oldest of them
    due_jobs: int = 0                                     # outbox jobs due and not done


def read_gauges(engine):
    """Read every gauge in one read session."""
    now = clock.now()
    tasks, queue = HumanTask, TaskQueueEntry
    with engine.reading() as s:
        g = Gauges()
        g.open_by_role = {(t, r): n for t, r, n in s.execute(
            select(queue.tenant, queue.value, func.count()).where(queue.kind == "group")
            .group_by(queue.tenant, queue.value))}
        g.claimed = dict(s.execute(
            select(tasks.tenant, func.count()).where(tasks.status == TaskStatus.OPEN,
                                                     tasks.assignee.is_not(None))
            .group_by(tasks.tenant)).all())
        g.overdue = dict(s.execute(
            select(tasks.tenant, func.count()).where(tasks.status == TaskStatus.OPEN,
                                                     tasks.due_key <= now)
            .group_by(tasks.tenant)).all())
        g.incidents = dict(s.execute(
            select(Incident.tenant, func.count()).where(Incident.resolved_at.is_(None))
            .group_by(Incident.tenant)).all())
        count, oldest = s.execute(select(func.count(), func.min(PendingTimer.due_at))
                                  .where(PendingTimer.due_at <= now)).one()
        g.due_timers = count
        if oldest is not None:
            if oldest.tzinfo is None:       # an aggregate skips the column type's conversion
                oldest = oldest.replace(tzinfo=now.tzinfo)
            g.timer_lag_s = max(0.0, (now - oldest).total_seconds())
        g.due_jobs = s.scalar(select(func.count()).select_from(Job).where(
            Job.status == JobStatus.PENDING, Job.run_after <= now))
    return g
