"""Read-only queries behind the designer and monitor pages; no Flask, no workflow state loaded.

Filtered instance lists, one instance's overview, incidents with their instance, and
definition summaries and sources. Every query is scoped to one tenant by its caller.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from . import defaults
from .queries import latest_definitions
from .status import TaskStatus
from .store import (AuditEvent, Deployment, HumanTask, Incident, PendingTimer, ProcessDefinition,
                    ProcessInstance)


@dataclass(frozen=True)
class InstanceFilter:
    """What the monitor's instance list is narrowed to; None means "any"."""

    process_key: str | None = None
    status: str | None = None
    business_key: str | None = None          # exact match: it is how people name a case
    started_from: datetime | None = None     # aware, inclusive
    started_before: datetime | None = None   # aware, exclusive (half-open window)


@dataclass(frozen=True)
class InstanceOverview:
    """Everything the monitor shows about one instance, read in one session."""

    instance: ProcessInstance
    definition: ProcessDefinition
    open_tasks: list
    timers: list
    incidents: list
    history: list


@dataclass(frozen=True)
class DefinitionSummary:
    """The latest version of a key and how many versions of it exist."""

    latest: ProcessDefinition
    version_count: int


@dataclass(frozen=True)
class DefinitionSource:
    """The XML a definition version was deployed from."""

    definition: ProcessDefinition
    filename: str
    text: str


def find_instances(engine, tenant, filters=InstanceFilter(), limit=defaults.PAGE_SIZE, offset=0):
    """Instances of a tenant matching `filters`, newest first."""
    query = select(ProcessInstance).where(ProcessInstance.tenant == tenant)
    # Equality and range conditions only, so (tenant, status, started_at)-style indexes apply.
    if filters.process_key:
        query = query.where(ProcessInstance.process_key == filters.process_key)
    if filters.status:
        query = query.where(ProcessInstance.status == filters.status)
    if filters.business_key:
        query = query.where(ProcessInstance.business_key == filters.business_key)
    if filters.started_from is not None:
        query = query.where(ProcessInstance.started_at >= filters.started_from)
    if filters.started_before is not None:
        query = query.where(ProcessInstance.started_at < filters.started_before)
    query = query.order_by(ProcessInstance.started_at.desc(), ProcessInstance.id.desc())
    with engine.reading() as session:
        return list(session.scalars(query.limit(limit).offset(offset)))


def instance_overview(engine, instance):
    """Definition, open tasks, pending timers, incidents and audit trail of `instance`."""
    with engine.reading() as session:
        return InstanceOverview(
            instance=instance,
            definition=session.get(ProcessDefinition, instance.definition_id),
            open_tasks=list(session.scalars(select(HumanTask).where(
                HumanTask.instance_id == instance.id, HumanTask.status == TaskStatus.OPEN)
                .order_by(HumanTask.due_key, HumanTask.created_at))),
            timers=list(session.scalars(select(PendingTimer).where(
                PendingTimer.instance_id == instance.id).order_by(PendingTimer.due_at))),
            incidents=list(session.scalars(select(Incident).where(
                Incident.instance_id == instance.id).order_by(Incident.id.desc()))),
            history=list(session.scalars(select(AuditEvent).where(
                AuditEvent.instance_id == instance.id).order_by(AuditEvent.id))),
        )


def incidents_with_instances(engine, tenant, open_only=True, limit=defaults.PAGE_SIZE,
                             offset=0):
    """(incident, instance) pairs of a tenant, newest incident first."""
    query = (select(Incident, ProcessInstance)
             .join(ProcessInstance, ProcessInstance.id == Incident.instance_id)
             .where(Incident.tenant == tenant))
    if open_only:
        query = query.where(Incident.resolved_at.is_(None))
    query = query.order_by(Incident.id.desc()).limit(limit).offset(offset)
    with engine.reading() as session:
        return [tuple(row) for row in session.execute(query)]


def definition_summaries(engine, tenant):
    """The latest version of every key of a tenant with its version count, by key."""
    counts = (select(ProcessDefinition.key, func.count().label("n"))
              .where(ProcessDefinition.tenant == tenant).group_by(ProcessDefinition.key))
    with engine.reading() as session:
        count_of = {row.key: row.n for row in session.execute(counts)}
        return [DefinitionSummary(d, count_of.get(d.key, 1))
                for d in latest_definitions(session, tenant)]


def definition_source(engine, tenant, key, version):
    """The source file of version `version` of `key` in `tenant`, or None."""
    with engine.reading() as session:
        definition = session.scalar(select(ProcessDefinition).where(
            ProcessDefinition.tenant == tenant, ProcessDefinition.key == key,
            ProcessDefinition.version == version))
        if definition is None:
            return None
        deployment = session.get(Deployment, definition.deployment_id)
        # files[0] of a deployment is the uploaded file; the rest are its dependencies.
        for item in deployment.files:
            if item["filename"] == definition.filename:
                return DefinitionSource(definition, item["filename"], item["source"])
        return None


def instance_source(engine, instance):
    """The BPMN XML of the definition version `instance` runs on, or None."""
    with engine.reading() as session:
        definition = session.get(ProcessDefinition, instance.definition_id)
    if definition is None:
        return None
    found = definition_source(engine, instance.tenant, definition.key, definition.version)
    return found.text if found is not None else None
