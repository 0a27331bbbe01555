"""Work done by the runner: due timers and service-task jobs, each in its own transaction.

Timers: rows with due_at <= now name the instances to refresh; SpiffWorkflow decides what
fires and the projection rewrite removes the row, so a timer fires once even when two runners
race (the loser hits the instance's optimistic lock and skips).

Service jobs: the handler runs outside any write transaction (it may be slow: SMTP, a payment
provider), then one transaction completes the task, or counts the failure and schedules the
next attempt, or opens an incident after the last one.

Messages: what an instance throws and nobody inside it catches becomes an outbox job, delivered
to the instances waiting for it (by business key) after the thrower's transaction committed.
"""

import logging
from contextlib import contextmanager
from datetime import timedelta
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnEvent
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import SignalEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import func, select, update

from . import audit, claims, clock, defaults, escalation, pgdirect, semantics
from .errors import EngineError, StaleInstance
from .projection import INSERT_JOB, SyncContext, job_row
from .incidents import open_incident
from .instances import STALE, UPDATE_INSTANCE
from .services import ServiceCall
from .status import IncidentKind, JobKind, JobStatus
from .store import Job, PendingTimer

log = logging.getLogger(__name__)
TIMERS = PendingTimer.__table__
# session.info key: what writes an existing instance's row in place of instances.update
# (same arguments); fire_instances collects a batch's rows to check all versions at once.
WRITE_INSTANCE = "parkops_write_instance"
# session.info key: ids of instances whose transaction put jobs into the outbox.
OUTBOX = "parkops_outbox"


def due_timer_instances(session, now, limit):
    """Instance ids with at least one timer due, oldest due first."""
    rows = session.execute(
        select(PendingTimer.instance_id, func.min(PendingTimer.due_at).label("due"))
        .where(PendingTimer.due_at <= now).group_by(PendingTimer.instance_id)
        .order_by("due").limit(limit))
    return [r.instance_id for r in rows]


def fire_due_timers(engine, limit=None):
    """Fire every timer due by now; returns how many timers fired."""
    with engine.reading() as session:
        ids = due_timer_instances(session, clock.now(), limit or defaults.TIMER_BATCH)
    fired = 0
    for instance_id in ids:
        try:
            fired += _fire_instance(engine, instance_id)
        except StaleInstance:
            log.info("timer of instance %s handled by another runner", instance_id)
    return fired


def fire_instance(engine, instance_id):
    """Fire the due timers of one instance in one transaction; how many fired."""
    return _fire_instance(engine, instance_id)


def _fire_instance(engine, instance_id):
    with engine._operation() as session:
        claims.lock_instance(session, instance_id)
        due = _due_timers(session.connection(), [instance_id]).get(instance_id)
        if not due:
            return 0
        inst, wf = engine._load(session, instance_id)
        _fire(engine, session, inst, wf, due)
        return len(due)


def fire_instances(engine, instance_ids, hand_off=None):
    """Fire the due timers of several instances in ONE transaction; {instance id: fired}.

    Round trips, not work, are what a fire costs on a database server, so the batch takes
    a fixed handful of them: the instances are locked and read with one statement, their
    due timers with another; the projection writes of every instance go out pipelined
    (psycopg), and the instance rows are written by one executemany whose matched-row count
    checks every instance's version. An instance another transaction holds right now is
    left out (its timers stay due and are claimed again). Any failure, a version conflict
    included, rolls the whole batch back and is raised: the caller then fires the instances
    one transaction each (fire_instance), so only the one at fault is retried later.
    `hand_off` (kind, token): the claim these ids came with, ended in the same transaction.
    """
    with engine._operation() as session:
        conn = session.connection()
        locked = claims.lock_instances(conn, instance_ids)
        due = _due_timers(conn, [inst.id for inst in locked])
        # Every read happens before the pipeline: inside it only writes go out.
        work = [(inst, engine._workflow(session, inst), due[inst.id])
                for inst in locked if inst.id in due]
        rows = session.info[WRITE_INSTANCE] = VersionedWrites()
        with _pipelined(conn, all(inst.projection is not None for inst, _, _ in work)):
            for inst, wf, timers in work:
                _fire(engine, session, inst, wf, timers)
        rows.write(conn)
        if hand_off is not None:
            claims.end(conn, *hand_off)
    busy = set(instance_ids) - {inst.id for inst in locked}
    if busy:
        log.info("timers of instances %s wait: another transaction holds them", sorted(busy))
    return {inst.id: len(timers) for inst, _, timers in work}


class VersionedWrites:
    """Instance row updates collected in place of instances.update, written in one go, each
    still under its version lock: one row not matched fails them all (StaleInstance)."""

    def __init__(self):
        self.rows = []

    def __call__(self, conn, inst, state, variables):
        self.rows.append(dict(b_id=inst.id, b_version=inst.version, state=state,
                              variables=variables, status=inst.status, ended_at=inst.ended_at,
                              projection=inst.projection))
        inst.version += 1

    def write(self, conn):
        """Run the updates (one executemany); StaleInstance unless every one matched its row."""
        if self.rows and conn.execute(UPDATE_INSTANCE.statement, self.rows).rowcount != len(
                self.rows):
            raise StaleInstance(STALE)
        self.rows = []


@contextmanager
def _pipelined(conn, wanted=True):
    """psycopg's pipeline mode around writes whose results nobody reads: they go out without
    waiting for each answer; errors surface when the block ends. Elsewhere a no-op."""
    raw = conn.connection.dbapi_connection
    if not wanted or conn.dialect.driver != "psycopg" or not hasattr(raw, "pipeline"):
        yield
        return
    pgdirect.flush(raw)         # engine.pgdirect's own pipeline goes out first
    with raw.pipeline():
        yield


def _due_timers(conn, instance_ids):
    """{instance id: [timer rows due by now]}, read after the instances were locked."""
    if not instance_ids:
        return {}
    due = {}
    for timer in conn.execute(
            select(TIMERS.c.instance_id, TIMERS.c.task_id, TIMERS.c.name, TIMERS.c.due_at)
            .where(TIMERS.c.instance_id.in_(list(instance_ids)), TIMERS.c.due_at <= clock.now())
            .order_by(TIMERS.c.instance_id, TIMERS.c.due_at)):
        due.setdefault(timer.instance_id, []).append(timer)
    return due


def _fire(engine, session, inst, wf, due):
    """Let SpiffWorkflow fire what is due in `wf`, audit each timer, save the instance."""
    wf.refresh_timers()
    for timer in due:
        audit.record(session, inst.tenant, "timer_fired", inst.id, timer.task_id,
                     name=timer.name, due_at=timer.due_at.isoformat())
    engine._advance(session, inst, wf, SyncContext())


def catch_message(wf, name, variables):
    """Hand message `name` to the workflow's catching event; False when nothing waits for it."""
    definition = _waiting_message(wf, name)
    if definition is None:
        return False
    # Deliver with the catching event's own definition: SpiffWorkflow compares definitions
    # by class, and Camunda diagrams use a subclass of the plain one.
    event = BpmnEvent(definition, payload=dict(variables or {}))
    return wf.event_manager.catch(event, internal=False) > 0


def catch_signal(wf, name):
    """Hand signal `name` to every catch event of the workflow waiting for it; False when none
    waits."""
    definition = next((d for task in wf.event_manager.tasks.values()
                       for d in semantics.flatten(getattr(task.task_spec, "event_definition",
                                                          None))
                       if isinstance(d, SignalEventDefinition) and d.name == name), None)
    if definition is None:
        return False
    return wf.event_manager.catch(BpmnEvent(definition), internal=False) > 0


def _waiting_message(wf, name):
    for task in wf.event_manager.tasks.values():
        for definition in semantics.flatten(getattr(task.task_spec, "event_definition", None)):
            if isinstance(definition, MessageEventDefinition) and definition.name == name:
                return definition
    return None


def take_thrown(wf):
    """Take the events the instance threw for the world outside it: ([(message, variables)],
    [signal names]). Messages are those nothing inside caught; signals are all (a signal is
    broadcast, see engine.semantics.Signal)."""
    messages, signals = [], []
    for event in wf.get_events():
        definition = event.event_definition
        if isinstance(definition, MessageEventDefinition):
            messages.append((definition.name, _jsonable(event.payload)))
        elif isinstance(definition, SignalEventDefinition):
            signals.append(definition.name)
    return messages, signals


def queue_thrown(session, inst, messages, signals):
    """Put thrown messages and signals into the outbox, for delivery after this transaction
    commits."""
    if not messages and not signals:
        return
    now = clock.now()
    session.info.setdefault(OUTBOX, set()).add(inst.id)
    INSERT_JOB.executemany(session.connection(), [
        job_row(inst, JobKind.MESSAGE, name, now,
                payload={"variables": variables, "business_key": inst.business_key})
        for name, variables in messages] + [
        job_row(inst, JobKind.SIGNAL, name, now, payload={}) for name in signals])


def _jsonable(payload):
    data = payload if isinstance(payload, dict) else {"value": payload}
    return {k: v for k, v in data.items() if isinstance(v, (str, int, float, bool, list, dict))
            or v is None}


def run_due_jobs(engine, limit=None):
    """Run pending service jobs whose time has come; returns how many were attempted."""
    with engine.reading() as session:
        jobs = list(session.scalars(
            select(Job).where(Job.status == JobStatus.PENDING, Job.run_after <= clock.now())
            .order_by(Job.run_after, Job.id).limit(limit or defaults.JOB_BATCH)))
    for job in jobs:
        run_job(engine, job.id)
    return len(jobs)


def run_job(engine, job_id):
    """Run one job (safe to call twice: a finished job is left alone)."""
    with engine.reading() as session:
        job = session.get(Job, job_id)
        kind = job.kind if job is not None and job.status == JobStatus.PENDING else None
    if kind == JobKind.MESSAGE:
        deliver_message(engine, job_id)
    elif kind == JobKind.SIGNAL:
        deliver_signal(engine, job_id)
    elif kind == JobKind.SERVICE:
        run_service(engine, job_id)
    elif kind == JobKind.NOTIFY:
        escalation.run_notification(engine, job_id, _record_failure)


def deliver_message(engine, job_id):
    """Deliver a thrown message to the instances waiting for it (at least once)."""
    with engine.reading() as session:
        job = session.get(Job, job_id)
    received = engine.correlate_message(job.handler, job.payload.get("business_key"),
                                        job.payload.get("variables"), job.tenant,
                                        exclude=job.instance_id)
    with engine._operation() as session:
        job = session.get(Job, job_id)
        job.status, job.attempts = JobStatus.DONE, job.attempts + 1
        if not received:
            job.last_error = "no instance was waiting for this message"
        audit.record(session, job.tenant, "message_sent", job.instance_id, message=job.handler,
                     received=received)


def deliver_signal(engine, job_id):
    """Broadcast a thrown signal: signal start events start exactly once (in the transaction
    that claims the job), waiting instances hear it at least once (a run cut short runs
    again; who heard it waits no more). The job is done when every waiting instance was
    reached; `signal_sent` records how many heard it or started."""
    with engine._operation(begin=False) as session:
        job = session.get(Job, job_id)
        if job is None or job.status != JobStatus.PENDING:
            return
        name, tenant, thrower = job.handler, job.tenant, job.instance_id
        session.begin_write()
        claimed = session.execute(
            update(Job).where(Job.id == job_id, Job.status == JobStatus.PENDING,
                              Job.attempts == 0)
            .values(attempts=1)).rowcount == 1
        started = engine._start_by_signal(session, name, tenant) if claimed else 0
        if claimed:
            job.payload = {**(job.payload or {}), "started": started}
    heard, failed = engine._signal_waiting(name, tenant, exclude=thrower)
    with engine._operation() as session:
        job = session.get(Job, job_id)
        if job is None or job.status != JobStatus.PENDING:
            return
        payload = dict(job.payload or {})
        payload["heard"] = payload.get("heard", 0) + heard
        job.payload = payload
        if failed:
            job.last_error = f"{failed} waiting instance(s) could not be reached; trying again"
            return
        job.status = JobStatus.DONE
        audit.record(session, tenant, "signal_sent", thrower, signal=name,
                     received=payload.get("started", 0) + payload["heard"])


def run_service(engine, job_id):
    """Run one service job: handler outside the transaction, outcome inside one."""
    call, handler = _prepare_call(engine, job_id)
    if call is None:
        return
    try:
        if handler is None:
            raise LookupError(f"no service handler named '{call.task_name}' is registered")
        result = handler(call) or {}
        if not isinstance(result, dict):
            raise TypeError(f"handler returned {type(result).__name__}, expected a dict")
    except Exception as exc:  # a handler is foreign code: any failure is an attempt lost
        _record_failure(engine, job_id, exc)
        return
    _record_success(engine, job_id, result)


def _prepare_call(engine, job_id):
    with engine.reading() as session:
        job = session.get(Job, job_id)
        if job is None or job.status != JobStatus.PENDING:
            return None, None
        inst, wf = engine._load(session, job.instance_id)
        task = wf.get_task_from_id(UUID(job.task_id))
        if task is None or not task.has_state(TaskState.STARTED):
            return None, None
        call = ServiceCall(job_id=job.id, attempt=job.attempts + 1, tenant=job.tenant,
                           instance_id=job.instance_id, business_key=inst.business_key,
                           task_name=job.handler, variables=dict(task.data))
        return call, engine.services.get(job.handler)


def _record_success(engine, job_id, result):
    try:
        with engine._operation() as session:
            job = session.get(Job, job_id)
            if job is None or job.status != JobStatus.PENDING:
                return
            claims.lock_instance(session, job.instance_id)
            inst, wf = engine._load(session, job.instance_id)
            task = wf.get_task_from_id(UUID(job.task_id))
            if task is None or not task.has_state(TaskState.STARTED):
                job.status = JobStatus.CANCELLED
                return
            task.data.update(result)
            task.complete()
            job.status, job.attempts = JobStatus.DONE, job.attempts + 1
            audit.record(session, inst.tenant, "service_completed", inst.id, job.task_id,
                         handler=job.handler, job=job.id, attempt=job.attempts)
            engine._advance(session, inst, wf, SyncContext())
    except StaleInstance:
        # Someone moved the instance meanwhile; the job stays pending and runs again.
        log.info("job %s raced with another write; will retry", job_id)


def record_lost(engine, job_id, reason):
    """The worker running a job vanished: an attempt lost, tried again at once (or an incident)."""
    with engine.reading() as session:
        job = session.get(Job, job_id)
        if job is None or job.kind in (JobKind.MESSAGE, JobKind.SIGNAL):
            return          # deliveries are at-least-once and hold no attempts: just run again
    _record_failure(engine, job_id, WorkerLost(reason), backoff=False)


class WorkerLost(Exception):
    """The process running a job stopped before recording its outcome."""


def _record_failure(engine, job_id, exc, backoff=True):
    message = f"{type(exc).__name__}: {exc}"[:2000]
    with engine._operation() as session:
        job = session.get(Job, job_id)
        if job is None or job.status != JobStatus.PENDING:
            return
        job.attempts += 1
        job.last_error = message
        audit.record(session, job.tenant, f"{job.kind}_failed", job.instance_id, job.task_id,
                     handler=job.handler, attempt=job.attempts, error=message)
        if job.attempts < defaults.SERVICE_MAX_ATTEMPTS:
            waits = defaults.SERVICE_BACKOFF_S
            delay = waits[min(job.attempts, len(waits)) - 1] if backoff else 0
            job.run_after = clock.now() + timedelta(seconds=delay)
            return
        job.status = JobStatus.FAILED
        inst, wf = engine._load(session, job.instance_id)
        task = wf.get_task_from_id(UUID(job.task_id))
        open_incident(session, inst, task,
                      f"{job.kind} '{job.handler}' failed {job.attempts} times: {message}",
                       IncidentKind.SERVICE)


def reset_failed_job(session, incident):
    """Retry of a service incident: the failed job gets a fresh set of attempts, due now."""
    job = session.scalars(select(Job).where(
        Job.instance_id == incident.instance_id, Job.task_id == incident.task_id,
        Job.status == JobStatus.FAILED).order_by(Job.id.desc())).first()
    if job is None:
        raise EngineError("no failed job to retry for this incident")
    job.status, job.attempts, job.run_after = JobStatus.PENDING, 0, clock.now()
