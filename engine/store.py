"""Engine tables: definitions, instances (serialized state + version) and their projections."""

from datetime import datetime, timezone

from sqlalchemy import (JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text,
                        TypeDecorator, UniqueConstraint, text)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from .status import InstanceStatus, JobStatus, SubscriptionKind, TaskStatus

# Sort key for tasks without a due date: after every real date, and indexable (no NULLS LAST).
NO_DUE = datetime(9999, 12, 31, tzinfo=timezone.utc)


class UTCDateTime(TypeDecorator):
    """Stores naive UTC, hands back aware UTC: SQLite keeps no zone, PostgreSQL gets one anyway."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return None if value is None else value.replace(tzinfo=timezone.utc)


class Base(DeclarativeBase):
    """Declarative base of every ParkOps table (engine, domain and accounts share one metadata)."""


class Deployment(Base):
    """The XML files deployed together; specs are rebuilt from here when not cached."""

    __tablename__ = "engine_deployment"
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64), index=True)
    files: Mapped[list] = mapped_column(JSON)          # [{"filename", "source"}], source is text
    deployed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deployed_by: Mapped[str | None] = mapped_column(String(128))


class ProcessDefinition(Base):
    """One version of one process (or DMN decision) key in a tenant."""

    __tablename__ = "engine_definition"
    __table_args__ = (UniqueConstraint("tenant", "key", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(8), default="bpmn")   # bpmn | dmn
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str | None] = mapped_column(String(255))
    filename: Mapped[str] = mapped_column(String(255))
    checksum: Mapped[str] = mapped_column(String(64))
    deployment_id: Mapped[int] = mapped_column(ForeignKey("engine_deployment.id"))
    deployed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deployed_by: Mapped[str | None] = mapped_column(String(128))
    start_form: Mapped[dict | None] = mapped_column(JSON)
    start_messages: Mapped[list | None] = mapped_column(JSON)   # message start event names
    sla_seconds: Mapped[int | None] = mapped_column(Integer)            # default task deadline
    basket_columns: Mapped[list | None] = mapped_column(JSON)           # variables lists show


class ProcessInstance(Base):
    """A running or ended instance; `state` is SpiffWorkflow's serialized workflow without its spec."""

    __tablename__ = "engine_instance"
    __table_args__ = (
        Index("ix_instance_tenant_status", "tenant", "status", "started_at"),
        Index("ix_instance_tenant_started", "tenant", "started_at"),
        Index("ix_instance_tenant_process", "tenant", "process_key", "started_at"),
        Index("ix_instance_tenant_business_key", "tenant", "business_key"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64))
    # No index: instances are found by id, business key, status or start time, never listed by
    # definition version (and definitions are never deleted, so no foreign-key check needs it).
    definition_id: Mapped[int] = mapped_column(ForeignKey("engine_definition.id"))
    process_key: Mapped[str] = mapped_column(String(255))
    business_key: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16), default=InstanceStatus.RUNNING)
    state: Mapped[str] = mapped_column(Text)
    variables: Mapped[dict] = mapped_column(JSON, default=dict)   # top-level data, for lists/monitor
    # What the projection tables hold for this instance as of `version` (open task ids and
    # names, timer dues, message names, service-task job ids), so a save diffs against it
    # instead of reading those tables back. NULL on rows written before it existed.
    projection: Mapped[dict | None] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_by: Mapped[str | None] = mapped_column(String(128))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __mapper_args__ = {"version_id_col": version}


class HumanTask(Base):
    """Projection of a user/manual task; open rows are what baskets list."""

    __tablename__ = "engine_human_task"
    __table_args__ = (
        Index("ix_task_open_due", "tenant", "status", "due_key"),
        # Partial: only rows with an assignee, only completed rows. A new, unclaimed task adds
        # no entry to either, and a row enters each once: two index pages fewer to write per
        # start and per completion. `assignee = ?` and `completed_by = ?` imply the conditions,
        # so the Inbox and Done queries still use them (SQLite and PostgreSQL alike).
        Index("ix_task_assignee", "tenant", "assignee", "status", "due_key",
              sqlite_where=text("assignee IS NOT NULL"),
              postgresql_where=text("assignee IS NOT NULL")),
        Index("ix_task_done_by", "tenant", "completed_by", "completed_at",
              sqlite_where=text("completed_by IS NOT NULL"),
              postgresql_where=text("completed_by IS NOT NULL")),
        # The escalation runner's scan over every tenant. The Escalated view needs no index
        # of its own: overdue tasks are the first open ones in ix_task_open_due's due order.
        Index("ix_task_deadline", "status", "overdue", "due_key"),
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True)   # SpiffWorkflow task id
    instance_id: Mapped[int] = mapped_column(ForeignKey("engine_instance.id"), index=True)
    tenant: Mapped[str] = mapped_column(String(64))
    task_spec: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255))
    process_key: Mapped[str] = mapped_column(String(255))
    business_key: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16), default=TaskStatus.OPEN)
    candidate_groups: Mapped[list] = mapped_column(JSON, default=list)
    candidate_users: Mapped[list] = mapped_column(JSON, default=list)
    assignee: Mapped[str | None] = mapped_column(String(128))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_key: Mapped[datetime] = mapped_column(UTCDateTime, default=NO_DUE)
    follow_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    priority: Mapped[int] = mapped_column(Integer, default=50)
    form: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by: Mapped[str | None] = mapped_column(String(128))
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)


class TaskQueueEntry(Base):
    """Who may claim an open, unassigned task: one row per candidate group or user."""

    __tablename__ = "engine_task_queue"
    __table_args__ = (Index("ix_queue_lookup", "tenant", "kind", "value", "due_key", "task_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[str] = mapped_column(ForeignKey("engine_human_task.id", ondelete="CASCADE"),
                                         index=True)
    tenant: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(8))      # group | user
    value: Mapped[str] = mapped_column(String(128))
    due_key: Mapped[datetime] = mapped_column(UTCDateTime)


class PendingTimer(Base):
    """A timer an instance waits on; the runner fires rows whose due_at has passed."""

    __tablename__ = "engine_timer"
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("engine_instance.id"), index=True)
    tenant: Mapped[str] = mapped_column(String(64))
    task_id: Mapped[str] = mapped_column(String(36))
    name: Mapped[str | None] = mapped_column(String(255))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class StartTimer(Base):
    """When the engine itself starts the next instance of a deployed process: a timer start
    event with a fixed date, duration or cycle (engine.starttimers). `remaining` is how many
    starts are left (None: a cycle without end); a cycle's next dates come from `timer`."""

    __tablename__ = "engine_start_timer"
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64))
    definition_id: Mapped[int] = mapped_column(ForeignKey("engine_definition.id"), index=True)
    process_key: Mapped[str] = mapped_column(String(255))
    event_id: Mapped[str] = mapped_column(String(255))
    timer: Mapped[str] = mapped_column(String(255))          # the timer as written
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    remaining: Mapped[int | None] = mapped_column()


class MessageSubscription(Base):
    """A message or signal catch event an instance waits on (`kind` message | signal); a
    message is correlated by the instance's business key, a signal reaches every instance."""

    __tablename__ = "engine_message_subscription"
    __table_args__ = (Index("ix_subscription_lookup", "tenant", "message", "business_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("engine_instance.id"), index=True)
    tenant: Mapped[str] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(String(255))
    business_key: Mapped[str | None] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(8), default=SubscriptionKind.MESSAGE,
                                      server_default=SubscriptionKind.MESSAGE)


class Job(Base):
    """Outbox row: work to run after the transaction that wrote it commits.

    kind `service`: call handler `handler` for the waiting service task `task_id`.
    kind `message`: deliver message `handler` thrown by `instance_id`, with `payload`.
    """

    __tablename__ = "engine_job"
    __table_args__ = (Index("ix_job_due", "status", "run_after"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64))
    instance_id: Mapped[int] = mapped_column(ForeignKey("engine_instance.id"), index=True)
    task_id: Mapped[str | None] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(16))
    handler: Mapped[str | None] = mapped_column(String(128))
    payload: Mapped[dict | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    run_after: Mapped[datetime] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Incident(Base):
    """A failure that needs a person: a script, expression or handler that could not run."""

    __tablename__ = "engine_incident"
    __table_args__ = (Index("ix_incident_open", "tenant", "resolved_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64))
    instance_id: Mapped[int] = mapped_column(ForeignKey("engine_instance.id"), index=True)
    task_id: Mapped[str | None] = mapped_column(String(36))
    task_name: Mapped[str | None] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(128))


class AuditEvent(Base):
    """Append-only record of a state change: who did what, when, with which payload."""

    __tablename__ = "engine_audit_event"
    # Read by instance only (history, timelines); tenant is not indexed: one index less to
    # write for each of the several events every operation records.
    __table_args__ = (Index("ix_audit_instance", "instance_id", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64))
    instance_id: Mapped[int | None] = mapped_column(Integer)
    task_id: Mapped[str | None] = mapped_column(String(36))
    actor: Mapped[str | None] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(48))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
