"""Rewrite an instance's projections (tasks, queue, timers, subscriptions, jobs) from its workflow.

Runs inside the operation's transaction, after SpiffWorkflow has moved. The instance row keeps
a fingerprint of what these tables hold for it (open task ids, timer dues, message names, ids
of service tasks that have a job), so a save diffs the workflow against the fingerprint instead
of reading the rows back, and writes only the difference: an unchanged task keeps its assignee
and its queue entries. Every write that changes those sets goes through here, under the
instance's version lock; claim, assign and escalation change assignees, queue entries and
overdue flags only.
"""

from datetime import timezone

from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import SignalEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import bindparam, select

from . import audit, semantics
from .parsing import HandlerServiceTask
from .prepared import Prepared
from .status import JobKind, JobStatus, SubscriptionKind, TaskStatus
from .store import NO_DUE, HumanTask, Job, MessageSubscription, PendingTimer, TaskQueueEntry
from .taskfields import task_fields, timer_due, timers_of

TASKS, QUEUE, TIMERS = HumanTask.__table__, TaskQueueEntry.__table__, PendingTimer.__table__
SUBSCRIPTIONS, JOBS = MessageSubscription.__table__, Job.__table__
EMPTY = {"tasks": {}, "timers": {}, "messages": [], "signals": [], "jobs": []}
# What each kind of subscription waits for.
_CAUGHT = {SubscriptionKind.MESSAGE: MessageEventDefinition,
           SubscriptionKind.SIGNAL: SignalEventDefinition}

INSERT_TASK, INSERT_QUEUE = Prepared.insert(TASKS), Prepared.insert(QUEUE)
INSERT_TIMER, INSERT_SUBSCRIPTION = Prepared.insert(TIMERS), Prepared.insert(SUBSCRIPTIONS)
INSERT_JOB = Prepared.insert(JOBS)
CLOSE_TASK = Prepared(TASKS.update().where(TASKS.c.id == bindparam("b_id")).values(
    status=bindparam("status"), completed_at=bindparam("completed_at"),
    completed_by=bindparam("completed_by")))
DELETE_QUEUE = Prepared(QUEUE.delete().where(QUEUE.c.task_id == bindparam("b_id")))
DELETE_TIMER = Prepared(TIMERS.delete().where(TIMERS.c.instance_id == bindparam("b_instance"),
                                              TIMERS.c.task_id == bindparam("b_task")))
MOVE_TIMER = Prepared(TIMERS.update().where(TIMERS.c.instance_id == bindparam("b_instance"),
                                            TIMERS.c.task_id == bindparam("b_task"))
                      .values(due_at=bindparam("due_at")))
DELETE_SUBSCRIPTION = Prepared(SUBSCRIPTIONS.delete().where(
    SUBSCRIPTIONS.c.instance_id == bindparam("b_instance"),
    SUBSCRIPTIONS.c.message == bindparam("b_message"), SUBSCRIPTIONS.c.kind == bindparam("kind")))
CANCEL_JOB = Prepared(JOBS.update().where(
    JOBS.c.instance_id == bindparam("b_instance"), JOBS.c.task_id == bindparam("b_task"),
    JOBS.c.kind == JobKind.SERVICE, JOBS.c.status == JobStatus.PENDING)
    .values(status=JobStatus.CANCELLED))


class SyncContext:
    """What projections need to know about the operation: who acted, which task it completed."""

    def __init__(self, actor=None, completed_task_id=None, sla_seconds=None):
        self.actor = actor
        self.completed_task_id = completed_task_id
        self.sla_seconds = sla_seconds
        self.completed_at = None        # set when the completed task's row is closed


def tasks_in_state(wf, state):
    """Tasks of `wf` and its subprocesses in `state` (a mask), in the order they were made.

    What wf.get_tasks(state=...) answers, from a pass over the task dicts instead of a walk
    of the tree: the projections ask it on every save.
    """
    return [task for flow in (wf, *wf.subprocesses.values()) for task in flow.tasks.values()
            if task._state & state]


def waiting_event_tasks(wf):
    """Tasks registered with the workflow's event manager (subprocesses included)."""
    return list(wf.event_manager.tasks.values())


def plan(wf, ctx, now, fingerprint):
    """What to write so the projections match `wf`; writes nothing, only reads the workflow."""
    fingerprint = fingerprint or EMPTY
    changes = Plan(ctx, now)
    # One pass over the tasks serves both human tasks (READY) and service tasks (STARTED).
    active = tasks_in_state(wf, TaskState.READY | TaskState.STARTED)
    changes.plan_tasks([t for t in active if t.state == TaskState.READY and t.task_spec.manual],
                       fingerprint["tasks"])
    waiting = waiting_event_tasks(wf)
    changes.plan_timers(waiting, fingerprint["timers"])
    changes.plan_subscriptions(waiting, SubscriptionKind.MESSAGE, fingerprint["messages"])
    # Fingerprints written before signals were projected have no "signals".
    changes.plan_subscriptions(waiting, SubscriptionKind.SIGNAL, fingerprint.get("signals", []))
    changes.plan_jobs([t for t in active if t.state == TaskState.STARTED], fingerprint["jobs"])
    return changes


class Plan:
    """The difference between the projection tables and a workflow, and the new fingerprint."""

    def __init__(self, ctx, now):
        self.ctx, self.now = ctx, now
        self.fingerprint = {}
        self.closed, self.opened = [], []      # (task id, name); task_fields() dicts
        self.timers_gone, self.timers_moved, self.timers_new = [], [], []
        self.subscriptions_gone, self.subscriptions_new = [], []     # (kind, name)
        self.jobs_gone, self.jobs_new = [], []

    def plan_tasks(self, ready, known):
        """Close the tasks the workflow moved past, open the newly ready ones."""
        ready = {str(t.id): t for t in ready}
        self.closed = [(tid, name) for tid, name in known.items() if tid not in ready]
        self.opened = [task_fields(task, self.ctx.sla_seconds, self.now)
                       for tid, task in ready.items() if tid not in known]
        names = {fields["id"]: fields["name"] for fields in self.opened}
        self.fingerprint["tasks"] = {tid: known[tid] if tid in known else names[tid]
                                   for tid in ready}

    def plan_timers(self, waiting, known):
        """One timer row per waiting timer, with the due time SpiffWorkflow computed."""
        wanted = {}
        for task in waiting:
            due = timer_due(task)
            if due is not None:
                names = [t.name for t in timers_of(task) if t.name]
                wanted[str(task.id)] = (due, names[0] if names else task.task_spec.bpmn_name)
        keys = {tid: _due_key(due) for tid, (due, _) in wanted.items()}
        self.timers_gone = [tid for tid in known if tid not in wanted]
        self.timers_moved = [(tid, wanted[tid][0]) for tid in wanted
                             if tid in known and known[tid] != keys[tid]]
        self.timers_new = [(tid, due, name) for tid, (due, name) in wanted.items()
                           if tid not in known]
        self.fingerprint["timers"] = keys

    def plan_subscriptions(self, waiting, kind, known):
        """Message (or signal) catch events the instance waits on."""
        caught = _CAUGHT[kind]
        wanted = set()
        for task in waiting:
            if task.has_state(TaskState.WAITING):
                wanted.update(e.name for e in semantics.flatten(
                    getattr(task.task_spec, "event_definition", None))
                    if isinstance(e, caught))
        self.subscriptions_gone += [(kind, name) for name in known if name not in wanted]
        self.subscriptions_new += [(kind, name) for name in sorted(wanted - set(known))]
        self.fingerprint[f"{kind}s"] = sorted(wanted)

    def plan_jobs(self, started, known):
        """A job for every service task waiting on its handler, once per task."""
        started = {str(t.id): t for t in started if isinstance(t.task_spec, HandlerServiceTask)}
        self.jobs_gone = [tid for tid in known if tid not in started]
        self.jobs_new = [(tid, task.task_spec.handler) for tid, task in started.items()
                         if tid not in known]
        self.fingerprint["jobs"] = list(started)

    def apply(self, session, inst):
        """Write the difference for `inst` (already in the database) with batched statements."""
        conn = session.connection()
        self._apply_tasks(session, conn, inst)
        self._apply_timers(conn, inst)
        self._apply_subscriptions(conn, inst)
        self._apply_jobs(conn, inst)

    def _apply_tasks(self, session, conn, inst):
        ctx, now = self.ctx, self.now
        if self.closed:
            CLOSE_TASK.executemany(conn, [_closing(tid, ctx, now) for tid, _ in self.closed])
            DELETE_QUEUE.executemany(conn, [{"b_id": tid} for tid, _ in self.closed])
        for tid, name in self.closed:
            if tid == ctx.completed_task_id:
                ctx.completed_at = now
            else:
                audit.record(session, inst.tenant, "task_cancelled", inst.id, tid, ctx.actor,
                             name=name)
        if not self.opened:
            return
        rows = [_task_row(inst, fields, now) for fields in self.opened]
        INSERT_TASK.executemany(conn, rows)
        entries = [entry for row in rows if row["assignee"] is None for entry in queue_rows(row)]
        if entries:
            INSERT_QUEUE.executemany(conn, entries)
        for row in rows:
            due = row["due_at"]
            audit.record(session, inst.tenant, "task_created", inst.id, row["id"], ctx.actor,
                         name=row["name"], groups=row["candidate_groups"],
                         assignee=row["assignee"], due_at=due.isoformat() if due else None)

    def _apply_timers(self, conn, inst):
        if self.timers_gone:
            DELETE_TIMER.executemany(conn, [
                {"b_instance": inst.id, "b_task": tid} for tid in self.timers_gone])
        if self.timers_moved:
            MOVE_TIMER.executemany(conn, [
                {"b_instance": inst.id, "b_task": tid, "due_at": due}
                for tid, due in self.timers_moved])
        if self.timers_new:
            INSERT_TIMER.executemany(conn, [
                dict(instance_id=inst.id, tenant=inst.tenant, task_id=tid, name=name, due_at=due)
                for tid, due, name in self.timers_new])

    def _apply_subscriptions(self, conn, inst):
        if self.subscriptions_gone:
            DELETE_SUBSCRIPTION.executemany(conn, [
                {"b_instance": inst.id, "b_message": name, "kind": kind}
                for kind, name in self.subscriptions_gone])
        if self.subscriptions_new:
            INSERT_SUBSCRIPTION.executemany(conn, [
                dict(instance_id=inst.id, tenant=inst.tenant, message=name, kind=kind,
                     business_key=inst.business_key) for kind, name in self.subscriptions_new])

    def _apply_jobs(self, conn, inst):
        if self.jobs_gone:
            CANCEL_JOB.executemany(conn, [
                {"b_instance": inst.id, "b_task": tid} for tid in self.jobs_gone])
        if self.jobs_new:
            INSERT_JOB.executemany(conn, [
                job_row(inst, JobKind.SERVICE, handler, self.now, task_id=tid)
                for tid, handler in self.jobs_new])


def job_row(inst, kind, handler, now, task_id=None, payload=None):
    """A pending outbox row of `inst`, due now."""
    return dict(tenant=inst.tenant, instance_id=inst.id, task_id=task_id, kind=kind,
                handler=handler, payload=payload, status=JobStatus.PENDING, attempts=0,
                run_after=now, last_error=None, created_at=now)


def queue_rows(task):
    """Queue entries making an unassigned task (a row dict) claimable by its candidates."""
    return [dict(task_id=task["id"], tenant=task["tenant"], kind=kind, value=value,
                 due_key=task["due_key"])
            for kind, values in (("group", task["candidate_groups"]),
                                 ("user", task["candidate_users"]))
            for value in values]


def add_queue_entries(session, row):
    """Make an unassigned task (a HumanTask) claimable by its candidate groups and users."""
    entries = queue_rows(dict(id=row.id, tenant=row.tenant, due_key=row.due_key,
                              candidate_groups=row.candidate_groups,
                              candidate_users=row.candidate_users))
    if entries:
        INSERT_QUEUE.executemany(session.connection(), entries)


def _closing(task_id, ctx, now):
    done = task_id == ctx.completed_task_id
    return {"b_id": task_id, "status": TaskStatus.COMPLETED if done else TaskStatus.CANCELLED,
            "completed_at": now, "completed_by": ctx.actor if done else None}


def _task_row(inst, fields, now):
    return dict(fields, instance_id=inst.id, tenant=inst.tenant, process_key=inst.process_key,
                business_key=inst.business_key, status=TaskStatus.OPEN,
                due_key=fields["due_at"] or NO_DUE, created_at=now, completed_at=None,
                completed_by=None, overdue=False)


def _due_key(due):
    """A due time as the fingerprint keeps it: the same instant gives the same text."""
    return (due.astimezone(timezone.utc) if due.tzinfo else due).isoformat()


def read_fingerprint(conn, instance_id):
    """The fingerprint of rows written before instances kept one, read from the tables."""
    tasks = conn.execute(select(TASKS.c.id, TASKS.c.name).where(
        TASKS.c.instance_id == instance_id, TASKS.c.status == TaskStatus.OPEN))
    timers = conn.execute(select(TIMERS.c.task_id, TIMERS.c.due_at).where(
        TIMERS.c.instance_id == instance_id))
    subscriptions = conn.execute(select(SUBSCRIPTIONS.c.kind, SUBSCRIPTIONS.c.message).where(
        SUBSCRIPTIONS.c.instance_id == instance_id)).all()
    jobs = conn.scalars(select(JOBS.c.task_id).where(
        JOBS.c.instance_id == instance_id, JOBS.c.kind == JobKind.SERVICE,
        JOBS.c.status.in_([JobStatus.PENDING, JobStatus.FAILED])))
    return {"tasks": dict(tasks.all()), "timers": {t: _due_key(d) for t, d in timers},
            "messages": _names(subscriptions, SubscriptionKind.MESSAGE),
            "signals": _names(subscriptions, SubscriptionKind.SIGNAL), "jobs": sorted(set(jobs))}


def _names(subscriptions, kind):
    return sorted({name for of_kind, name in subscriptions if of_kind == kind})
