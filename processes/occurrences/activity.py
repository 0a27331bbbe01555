"""The activity log of an occurrence: one append-only row per thing that happened."""
from sqlalchemy import select

from engine import clock

from .models import OccurrenceActivity

CREATED = "created"
STATUS_CHANGED = "status_changed"
REOPENED = "reopened"
FIELD_CHANGED = "field_changed"
ASSIGNED = "assigned"
COMMENTED = "commented"
ATTACHMENT_ADDED = "attachment_added"
ESCALATED = "escalated"
ASSIGN_REFUSED = "assign_refused"       # the triage named someone who is not staff
PROCESS_STEP = "process_step"           # a service task of the process ran (not shown)
KINDS = (CREATED, STATUS_CHANGED, REOPENED, FIELD_CHANGED, ASSIGNED, COMMENTED,
         ATTACHMENT_ADDED, ESCALATED, ASSIGN_REFUSED, PROCESS_STEP)


def log(session, occurrence, actor, kind, field=None, old=None, new=None, note=None):
    """Add one activity row in the caller's transaction; returns it."""
    row = OccurrenceActivity(occurrence_id=occurrence.id, tenant=occurrence.tenant, actor=actor,
                             kind=kind, field=field, old=old, new=new, note=note,
                             at=clock.now())
    session.add(row)
    return row


def history(session, occurrence_id):
    """The activity of an occurrence people read, oldest first."""
    return list(session.scalars(select(OccurrenceActivity)
                                .where(OccurrenceActivity.occurrence_id == occurrence_id,
                                       OccurrenceActivity.kind != PROCESS_STEP)
                                .order_by(OccurrenceActivity.id)))
