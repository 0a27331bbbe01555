"""The Engine: every operation is one transaction (load -> run SpiffWorkflow -> write -> commit)."""

import logging
from contextlib import contextmanager
from dataclasses import replace
from uuid import UUID

from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from . import (audit, clock, db, defaults, definitions, escalation, forms, instances, jobs,
               projection, queries, sandbox, starttimers, variables)
from .errors import NotAllowed, NotFound, StaleInstance, TaskConflict
from .incidents import failure_message, open_incident
from .instances import STALE
from .operation import Operation
from .projection import SyncContext, add_queue_entries
from .services import ServiceRegistry
from .serializer import dump_ended, dump_state, load_state
from .status import IncidentKind, InstanceStatus, SubscriptionKind, TaskStatus
from .store import Incident, MessageSubscription
from .workflow import ParkOpsWorkflow


log = logging.getLogger(__name__)
# session.info key: {instance id: (version, workflow)} saved by the transaction, cached on commit.
SAVED = "parkops_saved_workflows"


class Engine(queries.QueryMixin):
    """ParkOps' durable BPMN engine over one database."""

    def __init__(self, db_engine, services=None, script_engine=None):
        if isinstance(db_engine, sessionmaker):
            db_engine = db_engine.kw["bind"]
        self.db_engine = db_engine
        self._writer = db.writer(db_engine)
        self._write_sessions = sessionmaker(bind=self._writer, expire_on_commit=False)
        self._read_sessions = sessionmaker(bind=db_engine, expire_on_commit=False)
        self.services = services if services is not None else ServiceRegistry()
        self.script_engine = script_engine or sandbox.make_script_engine()
        self.specs = definitions.SpecCache()
        self.workflows = instances.WorkflowCache(defaults.WORKFLOW_CACHE_SIZE)
        # Called with the ids of instances whose committed transaction queued outbox jobs,
        # so a production relay can hand them over at once (the scheduler would, later).
        self.on_outbox = None

    # -- transactions -----------------------------------------------------------------------
    @contextmanager
    def transaction(self):
        """One write transaction as an ORM Session (for code beside the engine's own)."""
        with self._committed(self._write_sessions()) as session:
            yield session

    @contextmanager
    def _operation(self, begin=True, watch=False):
        """The write transaction of an engine operation: Core first, a Session only if needed.
        `begin=False`: it begins at operation.begin_write() (see engine.operation)."""
        with self._committed(Operation(self._writer, begin, watch)) as operation:
            yield operation

    @contextmanager
    def _committed(self, tx):
        """Run the block in `tx` and commit; a lost optimistic-lock race becomes StaleInstance."""
        audit.start_buffer(tx)
        saved = tx.info[SAVED] = {}
        try:
            yield tx
            tx.flush()
            audit.flush(tx)
            tx.commit()
        except StaleDataError as exc:
            tx.rollback()
            raise StaleInstance(STALE) from exc
        except BaseException:
            tx.rollback()
            raise
        finally:
            tx.close()
        # Only now is what the workflows were saved as the truth other operations will read.
        for instance_id, (version, wf) in saved.items():
            self.workflows.put(instance_id, version, wf)
        queued = tx.info.get(jobs.OUTBOX)
        if queued and self.on_outbox is not None:
            self._announce(queued)

    def _announce(self, instance_ids):
        try:
            self.on_outbox(instance_ids)
        except Exception:   # committed already: the scheduler relays what was not handed over
            log.exception("handing over the outbox jobs of %s failed", sorted(instance_ids))

    @contextmanager
    def reading(self):
        """A read-only session; rows it returns stay readable after it closes."""
        session = self._read_sessions()
        try:
            yield session
        finally:
            session.close()

    # -- definitions ------------------------------------------------------------------------
    def deploy(self, data, filename, tenant, actor=None, dry_run=False):
        """Validate a BPMN/DMN file and deploy new versions of its processes (unless dry_run)."""
        with self._operation() as session:
            return definitions.deploy(session, data, filename, tenant, actor,
                                      handlers=self.services.names(), dry_run=dry_run)

    # -- instances --------------------------------------------------------------------------
    def start(self, key, business_key=None, variables=None, tenant="default", actor=None):
        """Start the latest version of `key`; returns the new instance id."""
        return self.start_instance(key, business_key, variables, tenant, actor).id

    def start_instance(self, key, business_key=None, variables=None, tenant="default",
                       actor=None):
        """Start the latest version of `key`; returns the new instance's row as committed
        (an instances.InstanceRow: id, status... without reading it back).

        The new workflow runs to its first wait state before the write transaction begins:
        what it read (the newest version of `key`) never changes, and other writers of the
        database wait for its rows only, not for its scripts and gateways.
        """
        with self._operation(begin=False) as session:
            definition_id = definitions.latest_id(session, tenant, key)
            if definition_id is None:
                raise NotFound(f"no process '{key}' is deployed in tenant '{tenant}'")
            return self._start(session, self._runnable(definition_id), business_key,
                               variables, actor)

    def _start(self, session, runnable, business_key, variables, actor, message=None,
               signal=None, timer=None):
        """Start an instance of `runnable`: by hand (start form checked), by a message, a
        signal or its timer start event `timer` (engine.starttimers); its InstanceRow."""
        parsed = runnable.parsed
        values = (dict(variables or {}) if message or signal or timer
                  else forms.validate(parsed.start_form, variables))
        wf = ParkOpsWorkflow(parsed.spec, parsed.subprocess_specs,
                             script_engine=self.script_engine)
        for task in projection.tasks_in_state(wf, TaskState.READY):
            task.data.update(values)
        by_hand = not (message or signal or timer)
        if by_hand:
            # A process started by its only start event, a fixed timer or a signal, that
            # someone starts by hand runs at once (else it would wait for, and then also
            # start by, what starts it anyway).
            timer = starttimers.fixed_sole_start(parsed)
            signal = next(iter(parsed.start_signals), None) if len(
                parsed.spec.bpmn_start_events) == 1 else None
        if timer:
            starttimers.prime_start_event(wf, timer)
        failures = self._run_steps(wf)
        if message and jobs.catch_message(wf, message, values):
            failures += self._run_steps(wf)
        if signal and jobs.catch_signal(wf, signal):
            failures += self._run_steps(wf)
        session.begin_write()       # writes from here (begun already in a message start)
        inst = instances.InstanceRow(
            id=None, tenant=runnable.tenant, definition_id=runnable.id,
            process_key=runnable.key, business_key=business_key, status=InstanceStatus.RUNNING,
            version=0, started_at=clock.now(), started_by=actor)
        self._finish(session, inst, wf, failures,
                     SyncContext(actor, sla_seconds=runnable.sla_seconds),
                     started=dict(business_key=business_key, version=runnable.version,
                                  message=message, **{
                                      name: value for name, value in (("signal", signal),
                                                                      ("timer", timer))
                                      if value and not by_hand}))
        return inst

    def cancel(self, instance_id, actor, tenant=None):
        """Cancel a running instance: its open tasks, timers and jobs go with it."""
        with self._operation() as session:
            inst = self._instance(session, instance_id, tenant)
            if inst.status != InstanceStatus.RUNNING:
                raise TaskConflict(f"instance {instance_id} is already {inst.status}")
            wf = self._workflow(session, inst)
            wf.cancel()
            inst.status = InstanceStatus.CANCELLED
            inst.ended_at = clock.now()
            self._save(session, inst, wf, SyncContext(actor))
            audit.record(session, inst.tenant, "instance_cancelled", inst.id, actor=actor)

    def correlate_message(self, name, correlation_key=None, variables=None, tenant="default",
                          exclude=None):
        """Deliver message `name` to the instances waiting for it with this business key.

        With no correlation key every waiting instance of the tenant receives it. When none is
        waiting, processes with a message start event for `name` start one instance each
        (business key = correlation key). Returns how many instances received the message.
        """
        with self.reading() as session:
            query = select(MessageSubscription.instance_id).where(
                MessageSubscription.tenant == tenant, MessageSubscription.message == name,
                MessageSubscription.kind == SubscriptionKind.MESSAGE)
            if correlation_key is not None:
                query = query.where(MessageSubscription.business_key == correlation_key)
            ids = sorted(set(session.scalars(query)) - {exclude})
        hits = sum(self._deliver(iid, name, variables) for iid in ids)
        return hits or self._start_by_message(name, correlation_key, variables, tenant)

    def _deliver(self, instance_id, name, variables):
        with self._operation() as session:
            inst = self._instance(session, instance_id)
            if inst.status != InstanceStatus.RUNNING:
                return 0
            wf = self._workflow(session, inst)
            if not jobs.catch_message(wf, name, variables):
                return 0
            audit.record(session, inst.tenant, "message_received", inst.id, message=name,
                         variables=variables or {})
            self._advance(session, inst, wf, SyncContext())
            return 1

    def broadcast_signal(self, name, tenant="default", exclude=None):
        """Send signal `name` to every instance of the tenant waiting for it (each in its own
        transaction), and start one instance of each process with a signal start event for
        it. Returns how many instances received it or were started."""
        with self._operation(begin=False) as session:
            started = self._start_by_signal(session, name, tenant)
        heard, _failed = self._signal_waiting(name, tenant, exclude)
        return started + heard

    def _signal_waiting(self, name, tenant, exclude=None):
        """Deliver signal `name` to the waiting instances: (how many heard it, how many could
        not be reached). Safe to repeat: an instance that heard it waits no more."""
        with self.reading() as session:
            ids = sorted(set(session.scalars(select(MessageSubscription.instance_id).where(
                MessageSubscription.tenant == tenant, MessageSubscription.message == name,
                MessageSubscription.kind == SubscriptionKind.SIGNAL))) - {exclude})
        heard = failed = 0
        for instance_id in ids:
            for attempt in (1, 2):      # an instance that moved meanwhile: read it again
                try:
                    heard += self._deliver_signal(instance_id, name)
                    break
                except StaleInstance:
                    if attempt == 2:
                        log.warning("signal %r: instance %s kept moving; later", name,
                                    instance_id)
                        failed += 1
        return heard, failed

    def _deliver_signal(self, instance_id, name):
        with self._operation() as session:
            inst = self._instance(session, instance_id)
            if inst.status != InstanceStatus.RUNNING:
                return 0
            wf = self._workflow(session, inst)
            if not jobs.catch_signal(wf, name):
                return 0
            audit.record(session, inst.tenant, "signal_received", inst.id, signal=name)
            self._advance(session, inst, wf, SyncContext())
            return 1

    def _start_by_signal(self, session, name, tenant):
        """Start, in `session`'s transaction, one instance of every process (latest version)
        with a signal start event for `name`; returns how many."""
        with self.reading() as reader:
            latest = queries.latest_definitions(reader, tenant)
        starters = [d for d in latest if d.kind == "bpmn" and self._starts_on(d, name)]
        for definition in starters:
            self._start(session, self._runnable(definition.id), None, None, None, signal=name)
        return len(starters)

    def _starts_on(self, definition, signal):
        """Whether `definition` has a signal start event for `signal`; a definition that can
        no longer be loaded (logged) starts on nothing, so it holds up no broadcast."""
        try:
            return signal in self._runnable(definition.id).parsed.start_signals
        except Exception:   # a stored diagram today's SpiffWorkflow cannot parse, say
            log.exception("definition %s v%s could not be loaded for signal %r",
                          definition.key, definition.version, signal)
            return False

    def _start_by_message(self, name, business_key, variables, tenant):
        with self._operation() as session:
            starters = [d for d in queries.latest_definitions(session, tenant)
                        if name in (d.start_messages or [])]
            for definition in starters:
                self._start(session, self.specs.runnable(session, definition.id), business_key,
                            variables, None, message=name)
            return len(starters)

    # -- human tasks ------------------------------------------------------------------------
    def claim(self, task_id, actor, roles=None, tenant=None):
        """Make `actor` the assignee of an open, unassigned task they may work on; returns the
        task as it now stands (a TaskView)."""
        with self._operation() as session:
            row = self._open_task(session, task_id, tenant)
            if row.assignee == actor:
                return row
            if row.assignee is not None:
                raise TaskConflict(f"already claimed by {row.assignee}")
            _check_may_work(row, actor, roles)
            self._set_assignee(session, row, actor, expected=None)
            audit.record(session, row.tenant, "task_claimed", row.instance_id, row.id, actor,
                         name=row.name)
        return replace(row, assignee=actor)

    def unclaim(self, task_id, actor, tenant=None):
        """Give a claimed task back to its queue; only its assignee may. Returns the task."""
        with self._operation() as session:
            row = self._open_task(session, task_id, tenant)
            if row.assignee is None:
                return row
            if row.assignee != actor:
                raise TaskConflict(f"claimed by {row.assignee}, not by you")
            self._set_assignee(session, row, None, expected=actor)
            audit.record(session, row.tenant, "task_unclaimed", row.instance_id, row.id, actor,
                         name=row.name)
        return replace(row, assignee=None)

    def assign(self, task_id, user, actor, tenant=None):
        """(Re)assign an open task to `user`, or back to its queue when user is None; returns
        the task."""
        with self._operation() as session:
            row = self._open_task(session, task_id, tenant)
            previous = row.assignee
            if previous == user:
                return row
            self._set_assignee(session, row, user, expected=previous)
            audit.record(session, row.tenant, "task_assigned", row.instance_id, row.id, actor,
                         name=row.name, previous=previous, assignee=user)
        return replace(row, assignee=user)

    def complete(self, task_id, actor, variables=None, roles=None, tenant=None):
        """Complete an open task with form values; the process runs on to its next wait state.
        Returns the completed task (a TaskView) as the transaction closed it.

        On SQLite, whose write transaction holds the whole database, the process moves on
        before the write transaction begins, then the transaction checks that neither the task
        nor its instance changed meanwhile; if one did (another writer was quicker), the whole
        completion runs once more inside the transaction, against what is there now, exactly
        as if it had waited for the other writer from the start. PostgreSQL locks rows: the
        completion reads its instance row locked, inside the transaction, and a writer of the
        same instance waits for it (or it for them), with one read and round trip fewer.
        """
        task_id = str(task_id)
        ahead = db.locks_whole_database(self._writer)
        try:
            return self._complete(task_id, actor, variables, roles, tenant, ahead=ahead)
        except _Overtaken:
            return self._complete(task_id, actor, variables, roles, tenant, ahead=False)

    def _complete(self, task_id, actor, variables, roles, tenant, ahead):
        with self._operation(begin=not ahead, watch=ahead) as session:
            conn = session.connection()
            row, inst = instances.fetch_task(conn, task_id, lock=not ahead)
            _check_open(row, task_id, tenant)
            if row.assignee not in (None, actor):
                raise TaskConflict(f"claimed by {row.assignee}; only they can complete it")
            _check_may_work(row, actor, roles)
            values = forms.validate(row.form, variables)
            wf = self._workflow(session, inst)
            task = wf.get_task_from_id(UUID(task_id))
            if task is None or not task.has_state(TaskState.READY):
                raise TaskConflict("this task is no longer waiting for input")
            task.data.update(values)
            task.run()
            audit.record(session, row.tenant, "task_completed", inst.id, row.id, actor,
                         name=row.name, variables=values)
            failures = self._run_steps(wf)
            if ahead and not session.begin_write():
                # Somebody committed since the reads above: were they about this task?
                now_row, now_inst = instances.fetch_task(conn, task_id)
                if now_row is None or vars(now_row) != vars(row) or (
                        now_inst.version != inst.version):
                    raise _Overtaken
            ctx = SyncContext(actor, completed_task_id=task_id)
            self._finish(session, inst, wf, failures, ctx)
            if ctx.completed_at is None:        # its row was not closed: as it stands now
                return instances.fetch_task_view(conn, task_id)
            # What closing the row wrote, without reading the row back.
            return replace(row, status=TaskStatus.COMPLETED, completed_at=ctx.completed_at,
                           completed_by=actor)

    def _open_task(self, session, task_id, tenant):
        # Locked (PostgreSQL): a second claim waits for the first and then sees its assignee.
        row = instances.fetch_task_view(session.connection(), task_id, lock=True)
        _check_open(row, task_id, tenant)
        return row

    def _set_assignee(self, session, row, user, expected):
        """Compare-and-set, so two concurrent claims cannot both win."""
        if not instances.set_assignee(session.connection(), row.id, user, expected):
            raise TaskConflict("the task changed meanwhile; reload and try again")
        if user is None:
            add_queue_entries(session, row)

    # -- runner work ------------------------------------------------------------------------
    def fire_due_timers(self, limit=None):
        """Fire every timer due by now; returns how many fired."""
        return jobs.fire_due_timers(self, limit)

    def start_scheduled(self, limit=None):
        """Start the instances whose timer start event is due; returns how many started."""
        return starttimers.start_due(self, limit)

    def run_due_jobs(self, limit=None):
        """Run service jobs whose time has come; returns how many were attempted."""
        return jobs.run_due_jobs(self, limit)

    def run_job(self, job_id):
        """Run one job now (idempotent)."""
        return jobs.run_job(self, job_id)

    def escalate_overdue(self, limit=None):
        """Flag, audit, offer to supervisors and notify every task past its due time."""
        return escalation.escalate_overdue(self, limit)

    # -- incidents --------------------------------------------------------------------------
    def retry_incident(self, incident_id, actor, tenant=None):
        """Resolve an incident and run the failed step again (a new incident if it fails again)."""
        with self._operation() as session:
            incident = session.get(Incident, incident_id)
            if incident is None or (tenant is not None and incident.tenant != tenant):
                raise NotFound(f"incident {incident_id} not found")
            if incident.resolved_at is not None:
                raise TaskConflict("this incident was already resolved")
            incident.resolved_at, incident.resolved_by = clock.now(), actor
            audit.record(session, incident.tenant, "incident_retried", incident.instance_id,
                         incident.task_id, actor, incident=incident.id)
            if incident.kind == IncidentKind.SERVICE:
                jobs.reset_failed_job(session, incident)
                return
            inst, wf = self._load(session, incident.instance_id)
            task = wf.get_task_from_id(UUID(incident.task_id)) if incident.task_id else None
            failures = []
            if task is not None and task.has_state(TaskState.ERROR):
                task._set_state(TaskState.READY)   # SpiffWorkflow offers no public "retry"
            elif task is not None and task.has_state(TaskState.FUTURE):
                # It failed while being made ready (a call activity's input mappings): again.
                try:
                    task.task_spec._update(task)
                except SpiffWorkflowException as exc:
                    failures.append((getattr(exc, "task", None) or task, failure_message(exc)))
            failures += self._run_steps(wf)
            self._finish(session, inst, wf, failures, SyncContext(actor))

    def set_variables(self, instance_id, changes, actor, tenant=None):
        """Change variables of a running instance (e.g. to repair the input of a failed step
        before retrying it); audited with the old and the new values."""
        changes = variables.check_changes(changes)
        with self._operation() as session:
            inst = self._instance(session, instance_id, tenant)
            if inst.status != InstanceStatus.RUNNING:
                raise TaskConflict(f"this instance is {inst.status}; only a running instance's "
                                   "variables can change")
            wf = self._workflow(session, inst)
            before = variables.apply_changes(wf, changes)
            audit.record(session, inst.tenant, "variables_changed", inst.id, actor=actor,
                         before=before, after=changes)
            self._save(session, inst, wf, SyncContext(actor))

    # -- shared machinery -------------------------------------------------------------------
    def _load(self, session, instance_id, tenant=None):
        """(instance row, its workflow); NotFound when missing or of another tenant."""
        inst = self._instance(session, instance_id, tenant)
        return inst, self._workflow(session, inst)

    def _instance(self, session, instance_id, tenant=None):
        inst = instances.fetch(session.connection(), instance_id)
        if inst is None or (tenant is not None and inst.tenant != tenant):
            raise NotFound(f"instance {instance_id} not found")
        return inst

    def _workflow(self, session, inst):
        """The instance's workflow: the cached one if it is of this very version, else restored."""
        wf = None
        if SAVED in session.info:
            # Read sessions never take from the cache: they would hold a workflow a writer
            # may be moving at the same moment.
            wf = self.workflows.take(inst.id, inst.version)
        if wf is None:
            parsed = self._runnable(inst.definition_id).parsed
            wf = load_state(inst.state, parsed.spec, parsed.subprocess_specs, self.script_engine)
        return wf

    def _runnable(self, definition_id):
        """A deployed definition, parsed: from the cache, else read and parsed once in a read
        transaction of its own (a definition never changes, and an operation that has not
        begun writing must not begin because of it)."""
        runnable = self.specs.get(definition_id)
        if runnable is None:
            with self.reading() as reader:
                runnable = self.specs.runnable(reader, definition_id)
        return runnable

    def _run_steps(self, wf):
        """Run engine steps; a failing script/condition/timer becomes a recorded failure."""
        try:
            wf.do_engine_steps()
            return []
        except SpiffWorkflowException as exc:
            task = getattr(exc, "task", None)
            return [(task, failure_message(exc))]
        except Exception as exc:
            # Data SpiffWorkflow did not expect (a collection that is not a list...) fails
            # inside a task, which SpiffWorkflow then marks ERROR: that is an incident on it.
            # Anywhere else the state may be half-moved, so the transaction rolls back.
            failed = wf.get_tasks(state=TaskState.ERROR)
            if not failed:
                raise
            log.warning("task %s failed: %r", failed[0].task_spec.name, exc)
            return [(failed[0], f"{type(exc).__name__}: {exc}"[:2000])]

    def _advance(self, session, inst, wf, ctx):
        failures = self._run_steps(wf)
        self._finish(session, inst, wf, failures, ctx)

    def _finish(self, session, inst, wf, failures, ctx, started=None):
        # Thrown messages leave the workflow before it is saved: saved, a reload would throw
        # them again, and the cached workflow would differ from the stored one.
        messages, signals = jobs.take_thrown(wf)
        self._save(session, inst, wf, ctx)
        jobs.queue_thrown(session, inst, messages, signals)
        if started is not None:
            audit.record(session, inst.tenant, "instance_started", inst.id, actor=ctx.actor,
                         first=True, **started)
        for task, message in failures:
            open_incident(session, inst, task, message, IncidentKind.SCRIPT)

    def _save(self, session, inst, wf, ctx):
        """Write state and projections under the version lock; wf is only read from here on."""
        session.flush()      # ORM changes made earlier in the operation land before Core writes
        conn = session.connection()
        now = clock.now()
        completing = wf.completed and inst.status == InstanceStatus.RUNNING
        if completing:
            inst.status, inst.ended_at = InstanceStatus.COMPLETED, now
        if ctx.sla_seconds is None:
            ctx.sla_seconds = self._runnable(inst.definition_id).sla_seconds
        known = (None if inst.id is None
                 else inst.projection or projection.read_fingerprint(conn, inst.id))
        changes = projection.plan(wf, ctx, now, known)
        running = inst.status == InstanceStatus.RUNNING
        inst.projection = changes.fingerprint
        if running:
            inst.state = dump_state(wf)     # settles wf too: the cache holds what a restore gives
        else:
            inst.state = dump_ended(wf, inst.status)    # it never runs again
        write = (instances.insert if inst.id is None
                 else session.info.get(jobs.WRITE_INSTANCE, instances.update))
        write(conn, inst, inst.state, _snapshot(wf))
        if completing:
            audit.record(session, inst.tenant, "instance_completed", inst.id, actor=ctx.actor)
        changes.apply(session, inst)
        if changes.jobs_new:
            session.info.setdefault(jobs.OUTBOX, set()).add(inst.id)
        if running:
            session.info[SAVED][inst.id] = (inst.version, wf)


class _Overtaken(Exception):
    """Another writer changed what an operation read before its write transaction began."""


def _check_open(row, task_id, tenant):
    if row is None or (tenant is not None and row.tenant != tenant):
        raise NotFound(f"task {task_id} not found")
    if row.status != TaskStatus.OPEN:
        raise TaskConflict(f"this task was already {row.status}")


def _check_may_work(row, actor, roles):
    """Roles given: the actor must be the assignee, a candidate user, or in a candidate group."""
    if roles is None or row.assignee == actor or actor in row.candidate_users:
        return
    groups = set(row.candidate_groups)
    if row.overdue:
        groups.add(defaults.ESCALATION_GROUP)     # escalated: supervisors may take it over
    if set(roles) & groups:
        return
    raise NotAllowed(f"'{row.name}' is for {', '.join(row.candidate_groups) or 'named users'}")


def _snapshot(wf):
    """JSON-safe top-level values of the latest task data, for lists and the monitor."""
    task = wf.last_task
    data = task.data if task is not None else {}
    return {k: v for k, v in data.items()
            if isinstance(v, (str, int, float, bool)) or v is None}
