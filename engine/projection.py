"""Rewrite an instance's projections (tasks, queue, timers, subscriptions, jobs) from its workflow.

Runs inside the operation's transaction, after SpiffWorkflow has moved. Rows are diffed, not
dropped and re-inserted, so an unchanged task keeps its assignee and its queue entries.
"""

from datetime import datetime, timedelta

from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import delete, select

from . import audit, camunda, clock, sandbox, semantics
from .errors import EngineError
from .parsing import HandlerServiceTask
from .status import JobKind, JobStatus, TaskStatus
from .store import NO_DUE, HumanTask, Job, MessageSubscription, PendingTimer, TaskQueueEntry


def sync_all(session, inst, wf, ctx):
    """Bring every projection of `inst` in line with workflow `wf`."""
    sync_human_tasks(session, inst, wf, ctx)
    sync_timers(session, inst, wf)
    sync_subscriptions(session, inst, wf)
    sync_jobs(session, inst, wf)


class SyncContext:
    """What projections need to know about the operation: who acted, which task it completed."""

    def __init__(self, actor=None, completed_task_id=None, sla_seconds=None):
        self.actor = actor
        self.completed_task_id = completed_task_id
        self.sla_seconds = sla_seconds


def open_human_tasks(wf):
    """READY user and manual tasks, including those inside subprocesses."""
    return [t for t in wf.get_tasks(state=TaskState.READY) if t.task_spec.manual]


def sync_human_tasks(session, inst, wf, ctx):
    """Insert newly ready human tasks, close the ones the workflow moved past."""
    ready = {str(t.id): t for t in open_human_tasks(wf)}
    existing = {row.id: row for row in session.scalars(
        select(HumanTask).where(HumanTask.instance_id == inst.id,
                                HumanTask.status == TaskStatus.OPEN))}
    now = clock.now()
    for task_id, row in existing.items():
        if task_id not in ready:
            _close(session, row, ctx, now)
    for task_id, task in ready.items():
        if task_id not in existing:
            _open(session, inst, task, ctx, now)


def _close(session, row, ctx, now):
    done = row.id == ctx.completed_task_id
    row.status = TaskStatus.COMPLETED if done else TaskStatus.CANCELLED
    row.completed_at = now
    row.completed_by = ctx.actor if done else None
    session.execute(delete(TaskQueueEntry).where(TaskQueueEntry.task_id == row.id))
    if not done:
        audit.record(session, row.tenant, "task_cancelled", row.instance_id, row.id,
                     ctx.actor, name=row.name)


def _open(session, inst, task, ctx, now):
    meta = getattr(task.task_spec, "parkops", None) or {}
    data = task.data
    due = _moment(meta.get("due_date"), data, now) or _boundary_due(task) or _sla_due(ctx, now)
    assignee = _text(meta.get("assignee"), data)
    row = HumanTask(
        id=str(task.id), instance_id=inst.id, tenant=inst.tenant,
        task_spec=task.task_spec.name, name=task.task_spec.bpmn_name or task.task_spec.name,
        process_key=inst.process_key, business_key=inst.business_key, status=TaskStatus.OPEN,
        candidate_groups=_names(meta.get("candidate_groups"), data),
        candidate_users=_names(meta.get("candidate_users"), data),
        assignee=assignee, due_at=due, due_key=due or NO_DUE,
        follow_up_at=_moment(meta.get("follow_up_date"), data, now),
        priority=_priority(meta.get("priority"), data), form=meta.get("form") or {},
        created_at=now)
    session.add(row)
    if assignee is None:
        add_queue_entries(session, row)
    audit.record(session, inst.tenant, "task_created", inst.id, row.id, ctx.actor,
                 name=row.name, groups=row.candidate_groups, assignee=assignee,
                 due_at=due.isoformat() if due else None)


def add_queue_entries(session, row):
    """Make an unassigned task claimable by its candidate groups and users."""
    for kind, values in (("group", row.candidate_groups), ("user", row.candidate_users)):
        for value in values:
            session.add(TaskQueueEntry(task_id=row.id, tenant=row.tenant, kind=kind,
                                       value=value, due_key=row.due_key))


def _evaluate(text, data):
    """A Camunda attribute value: `${expr}` goes through the sandbox, plain text stays."""
    if text is None:
        return None
    expr = camunda.juel_to_python(text)
    if expr == text.strip():
        return text.strip()
    try:
        return sandbox.evaluate(expr, dict(data))
    except (EngineError, NameError, TypeError, ValueError, ArithmeticError, LookupError):
        return None


def _text(text, data):
    value = _evaluate(text, data)
    return str(value) if value not in (None, "") else None


def _names(values, data):
    names = []
    for item in values or []:
        value = _evaluate(item, data)
        if isinstance(value, (list, tuple)):
            names.extend(str(v) for v in value)
        elif value:
            names.extend(camunda.split_list(str(value)))
    return names


def _priority(text, data):
    value = _evaluate(text, data)
    try:
        return int(value) if value is not None else 50
    except (TypeError, ValueError):
        return 50


def _moment(text, data, now):
    """A due/follow-up date: ISO date-time, ISO duration from now, or an expression for either."""
    value = _evaluate(text, data)
    if value is None or isinstance(value, datetime):
        return _aware(value)
    if isinstance(value, timedelta):
        return now + value
    value = str(value).strip()
    if value.upper().startswith("P"):
        try:
            parsed = TimerEventDefinition.parse_iso_duration(value)
            return now + TimerEventDefinition.get_timedelta_from_start(parsed, now)
        except Exception:  # SpiffWorkflow raises a bare Exception for a bad duration
            return None
    try:
        return TimerEventDefinition.get_datetime(value)
    except ValueError:
        return None


def _aware(value):
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=clock.now().tzinfo)


def _boundary_due(task):
    """Earliest timer boundary event attached to the task: the deadline the diagram shows."""
    parent = task.parent
    if parent is None or not parent.task_spec.name.endswith(".BoundaryEventSplit"):
        return None
    dues = [_timer_due(sibling) for sibling in parent.children if sibling is not task]
    dues = [d for d in dues if d is not None]
    return min(dues) if dues else None


def _sla_due(ctx, now):
    return now + timedelta(seconds=ctx.sla_seconds) if ctx.sla_seconds else None


def _timers(task):
    """Timer definitions a waiting task listens to (event-based gateways hold several)."""
    if not task.has_state(TaskState.WAITING):
        return []
    return [e for e in semantics.flatten(getattr(task.task_spec, "event_definition", None))
            if isinstance(e, TimerEventDefinition)]


def _timer_due(task):
    dues = [_due_of(timer, task) for timer in _timers(task)]
    dues = [d for d in dues if d is not None]
    return min(dues) if dues else None


def _due_of(timer, task):
    value = timer.details(task).value
    if isinstance(value, str):
        return TimerEventDefinition.get_datetime(value)
    return value if isinstance(value, datetime) else None


def waiting_event_tasks(wf):
    """Tasks registered with the workflow's event manager (subprocesses included)."""
    return list(wf.event_manager.tasks.values())


def sync_timers(session, inst, wf):
    """One PendingTimer row per waiting timer, with the due time SpiffWorkflow computed."""
    wanted = {}
    for task in waiting_event_tasks(wf):
        due = _timer_due(task)
        if due is not None:
            names = [t.name for t in _timers(task) if t.name]
            wanted[str(task.id)] = (due, names[0] if names else task.task_spec.bpmn_name)
    rows = {r.task_id: r for r in session.scalars(
        select(PendingTimer).where(PendingTimer.instance_id == inst.id))}
    for task_id, row in rows.items():
        if task_id not in wanted:
            session.delete(row)
        elif row.due_at != wanted[task_id][0]:
            row.due_at = wanted[task_id][0]
    for task_id, (due, name) in wanted.items():
        if task_id not in rows:
            session.add(PendingTimer(instance_id=inst.id, tenant=inst.tenant, task_id=task_id,
                                     name=name, due_at=due))


def sync_subscriptions(session, inst, wf):
    """Message catch events the instance waits on, keyed by message name and business key."""
    wanted = set()
    for task in waiting_event_tasks(wf):
        if task.has_state(TaskState.WAITING):
            wanted.update(e.name for e in semantics.flatten(
                getattr(task.task_spec, "event_definition", None))
                if isinstance(e, MessageEventDefinition))
    rows = {r.message: r for r in session.scalars(
        select(MessageSubscription).where(MessageSubscription.instance_id == inst.id))}
    for name, row in rows.items():
        if name not in wanted:
            session.delete(row)
    for name in wanted - set(rows):
        session.add(MessageSubscription(instance_id=inst.id, tenant=inst.tenant, message=name,
                                        business_key=inst.business_key))


def sync_jobs(session, inst, wf):
    """A pending job for every service task waiting on its handler (once per task)."""
    started = {str(t.id): t for t in wf.get_tasks(state=TaskState.STARTED)
               if isinstance(t.task_spec, HandlerServiceTask)}
    pending = list(session.scalars(select(Job).where(
        Job.instance_id == inst.id, Job.kind == JobKind.SERVICE,
        Job.status == JobStatus.PENDING)))
    for job in pending:
        if job.task_id not in started:
            job.status = JobStatus.CANCELLED
    known = {job.task_id for job in pending}
    now = clock.now()
    for task_id, task in started.items():
        if task_id not in known:
            session.add(Job(tenant=inst.tenant, instance_id=inst.id, task_id=task_id,
                            kind=JobKind.SERVICE, handler=task.task_spec.handler,
                            status=JobStatus.PENDING, attempts=0, run_after=now, created_at=now))
