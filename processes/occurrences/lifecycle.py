"""The occurrence_lifecycle process and the occurrence kept in step with it.

ParkOps starts one instance per occurrence (business key = its reference) after the
occurrence's row committed. The process's service tasks call the handlers below to move the
status (Pending, Resolved, Closed) and copy what was typed in its tasks into the activity log;
a person ending the occurrence on its page stops the process with a message, and reopening
starts a fresh one.
"""
from pathlib import Path

from sqlalchemy import exists, select
from sqlalchemy.orm import sessionmaker

from engine import AuditEvent, TaskConflict, clock
from engine import defaults as engine_defaults
from engine.db import writer

from . import activity, catalogue, defaults, recording
from .models import Occurrence, OccurrenceActivity

LIBRARY = Path(__file__).resolve().parents[2] / "library"
BACK_OFFICE = "back-office"


def ensure_deployed(eng, tenant):
    """Deploy the library's lifecycle to the tenant unless a version of it is there."""
    if any(d.key == defaults.PROCESS_KEY for d in eng.definitions(tenant)):
        return
    path = LIBRARY / defaults.PROCESS_FILE
    eng.deploy(path.read_bytes(), path.name, tenant, actor=defaults.PROCESS_ACTOR)


def start_process(eng, occurrence_id, actor):
    """Start the occurrence's lifecycle instance and remember its id on the occurrence."""
    with eng.reading() as session:
        occurrence = session.get(Occurrence, occurrence_id)
        tenant, reference, variables = (occurrence.tenant, occurrence.reference,
                                        process_variables(occurrence))
    ensure_deployed(eng, tenant)
    instance_id = eng.start(defaults.PROCESS_KEY, reference, variables, tenant=tenant,
                            actor=actor)
    with eng.transaction() as session:
        session.get(Occurrence, occurrence_id).instance_id = instance_id
    return instance_id


def process_variables(occurrence):
    """What the process and the basket columns know of the occurrence."""
    return {"occurrence_id": occurrence.id, "reference": occurrence.reference,
            "occurrence_type": occurrence.type.name, "site": occurrence.site.name,
            "deadline": occurrence.deadline_at.isoformat(), "assignee": occurrence.assignee}


def follow_status(eng, occurrence_id, old_ended, new_ended, actor):
    """Keep the process in step after a person changed the status (after the commit).

    Ended by hand: the running handling stops. Reopened: a fresh lifecycle starts at triage.
    """
    with eng.reading() as session:
        occurrence = session.get(Occurrence, occurrence_id)
        reference, tenant, instance_id = (occurrence.reference, occurrence.tenant,
                                          occurrence.instance_id)
    if new_ended and not old_ended:
        eng.correlate_message(defaults.ENDED_MESSAGE, reference, {"ended_by": actor},
                              tenant=tenant)
    elif old_ended and not new_ended:
        _cancel_running(eng, instance_id, tenant, actor)
        start_process(eng, occurrence_id, actor)


def _cancel_running(eng, instance_id, tenant, actor):
    if instance_id is None:
        return
    instance = eng.instance(instance_id, tenant=tenant)
    if instance is not None and instance.status == "running":
        try:
            eng.cancel(instance_id, actor, tenant=tenant)
        except TaskConflict:
            pass    # it ended meanwhile: nothing left to cancel


def follow_assignee(eng, occurrence_id, actor):
    """Hand the open back-office tasks of the occurrence's process to its new assignee."""
    with eng.reading() as session:
        occurrence = session.get(Occurrence, occurrence_id)
        instance_id, assignee = occurrence.instance_id, occurrence.assignee
    if instance_id is None:
        return
    for task in eng.instance_tasks(instance_id):
        if task.status == "open" and BACK_OFFICE in (task.candidate_groups or []) \
                and task.assignee != assignee:
            try:
                eng.assign(task.id, assignee, actor)
            except TaskConflict:
                pass    # completed meanwhile


# -- service-task handlers ------------------------------------------------------------------
def make_handlers(session_factory):
    """{topic: handler} of the lifecycle's service tasks, writing through `session_factory`."""
    bind = session_factory.kw["bind"]
    sessions = sessionmaker(bind=writer(bind), expire_on_commit=False)

    def step(call, change):
        with sessions() as session, session.begin():
            occurrence = session.scalar(select(Occurrence).where(
                Occurrence.tenant == call.tenant, Occurrence.reference == call.business_key))
            if occurrence is None:
                raise LookupError(f"no occurrence {call.business_key} in {call.tenant}")
            if not _done(session, call.job_id):
                change(session, occurrence, call)
                _mark_done(session, occurrence, call.job_id, call.task_name)
            return {"assignee": occurrence.assignee}

    return {
        "occurrence_triaged": lambda call: step(call, _triaged),
        "occurrence_investigated": lambda call: step(call, _investigated),
        "occurrence_resolved": lambda call: step(call, _resolved),
        "occurrence_closed": lambda call: step(call, _closed),
        "occurrence_overdue": lambda call: step(call, _overdue),
    }


def _done(session, job_id):
    return session.scalar(select(exists().where(OccurrenceActivity.job_id == job_id)))


def _mark_done(session, occurrence, job_id, handler):
    row = activity.log(session, occurrence, defaults.PROCESS_ACTOR, activity.PROCESS_STEP,
                       field=handler)
    row.job_id = job_id


def _triaged(session, occurrence, call):
    wanted = (call.variables.get("assignee") or "").strip()
    if wanted and wanted != occurrence.assignee:
        if recording.is_staff_member(session, occurrence.tenant, wanted):
            activity.log(session, occurrence, _worker(session, call), activity.ASSIGNED,
                         field="assignee", old=occurrence.assignee or "", new=wanted)
            occurrence.assignee = wanted
        else:
            activity.log(session, occurrence, _worker(session, call), activity.ASSIGN_REFUSED,
                         field="assignee", new=wanted)
    _note(session, occurrence, call, "triage_note")
    recording.set_milestone(session, occurrence, catalogue.IN_PROGRESS, _worker(session, call))


def _investigated(session, occurrence, call):
    _note(session, occurrence, call, "findings")


def _resolved(session, occurrence, call):
    _note(session, occurrence, call, "resolution")
    recording.set_milestone(session, occurrence, catalogue.RESOLVED, _worker(session, call))


def _closed(session, occurrence, call):
    _note(session, occurrence, call, "close_note")
    recording.set_milestone(session, occurrence, catalogue.CLOSED, _worker(session, call))


def _overdue(session, occurrence, call):
    if occurrence.status.ended or occurrence.escalated_at is not None:
        return
    occurrence.escalated_at = clock.now()
    activity.log(session, occurrence, defaults.PROCESS_ACTOR, activity.ESCALATED,
                 new=engine_defaults.ESCALATION_GROUP)


def _note(session, occurrence, call, variable):
    """What someone typed in a task of the process, as their comment on the occurrence."""
    text = call.variables.get(variable)
    if isinstance(text, str) and text.strip():
        recording.add_comment(session, occurrence, _worker(session, call), text)


def _worker(session, call):
    """Who completed the task before this service task: the last completion in the audit."""
    actor = session.scalar(select(AuditEvent.actor).where(
        AuditEvent.instance_id == call.instance_id, AuditEvent.kind == "task_completed")
        .order_by(AuditEvent.id.desc()).limit(1))
    return actor or defaults.PROCESS_ACTOR
