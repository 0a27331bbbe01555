"""A tenant's occurrence types and statuses, and the defaults every tenant starts with.

The default names and labels are marked with `_()`: screens show them translated as long as
the tenant keeps them as they are; renamed ones show as typed.
"""
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .errors import OccurrenceNotFound, _
from .fields import BOOLEAN, MULTISELECT, SELECT, TEXT
from .ids import row_id
from .models import OccurrenceField, OccurrenceStatus, OccurrenceType

CREATED, IN_PROGRESS, RESOLVED, CLOSED = "created", "in_progress", "resolved", "closed"
MILESTONES = (CREATED, IN_PROGRESS, RESOLVED, CLOSED)

# (name, colour, ended, milestone): Created -> Pending -> Resolved -> Closed.
DEFAULT_STATUSES = (
    (_("Created"), "#1d4ed8", False, CREATED),
    (_("Pending"), "#b45309", False, IN_PROGRESS),
    (_("Resolved"), "#15803d", True, RESOLVED),
    (_("Closed"), "#4b5563", True, CLOSED),
)

# (name, SLA hours, [(key, label, kind, options, required)])
DEFAULT_TYPES = (
    (_("Damage"), 48, [
        ("location", _("Location on vehicle"), MULTISELECT,
         [_("Front"), _("Rear"), _("Left side"), _("Right side"), _("Roof"), _("Windows"),
          _("Wheels")], True),
        ("damage_type", _("Damage type"), SELECT,
         [_("Scratch"), _("Dent"), _("Broken glass"), _("Broken mirror"), _("Other")], True),
        ("pre_existing", _("Pre-existing?"), BOOLEAN, [], False),
    ]),
    (_("Complaint"), 72, [
        ("category", _("Category"), SELECT,
         [_("Wait time"), _("Staff behaviour"), _("Cleanliness"), _("Pricing"), _("Other")],
         True),
        ("customer_contact", _("Customer contact"), TEXT, [], True),
    ]),
    (_("Vehicle issue"), 4, [
        ("issue_type", _("Issue type"), SELECT,
         [_("Flat tire"), _("Dead battery"), _("Lost keys"), _("Locked out"),
          _("Fluid leak"), _("Other")], True),
        ("action_taken", _("Action taken"), TEXT, [], False),
    ]),
    (_("Payment dispute"), 120, []),
)


def ensure_defaults(session, tenant):
    """Give the tenant the default types and statuses unless it has some already."""
    has_types = session.scalar(select(func.count()).select_from(OccurrenceType)
                               .where(OccurrenceType.tenant == tenant))
    has_statuses = session.scalar(select(func.count()).select_from(OccurrenceStatus)
                                  .where(OccurrenceStatus.tenant == tenant))
    if has_types and has_statuses:
        return False
    try:
        with session.begin_nested():
            if not has_statuses:
                _add_default_statuses(session, tenant)
            if not has_types:
                _add_default_types(session, tenant)
    except IntegrityError:
        pass    # another transaction added them at the same moment: theirs are as good
    return True


def _add_default_statuses(session, tenant):
    for position, (name, colour, ended, milestone) in enumerate(DEFAULT_STATUSES):
        session.add(OccurrenceStatus(tenant=tenant, name=name, colour=colour, ended=ended,
                                     position=position, milestone=milestone))


def _add_default_types(session, tenant):
    for position, (name, sla_hours, fields) in enumerate(DEFAULT_TYPES):
        kind = OccurrenceType(tenant=tenant, name=name, sla_hours=sla_hours, active=True,
                              position=position)
        kind.fields = [OccurrenceField(key=key, label=label, kind=field_kind,
                                       options=list(options), required=required, position=i)
                       for i, (key, label, field_kind, options, required) in enumerate(fields)]
        session.add(kind)
    session.flush()


def types(session, tenant, active_only=False):
    """The tenant's occurrence types in their order."""
    query = select(OccurrenceType).where(OccurrenceType.tenant == tenant)
    if active_only:
        query = query.where(OccurrenceType.active.is_(True))
    return list(session.scalars(query.order_by(OccurrenceType.position, OccurrenceType.id)))


def statuses(session, tenant):
    """The tenant's statuses in their order."""
    return list(session.scalars(select(OccurrenceStatus).where(OccurrenceStatus.tenant == tenant)
                                .order_by(OccurrenceStatus.position, OccurrenceStatus.id)))


def get_type(session, tenant, type_id):
    """The tenant's type `type_id`; OccurrenceNotFound otherwise."""
    found = session.get(OccurrenceType, type_id) if row_id(type_id) is not None else None
    if found is None or found.tenant != tenant:
        raise OccurrenceNotFound(f"occurrence type {type_id} not found")
    return found


def get_status(session, tenant, status_id):
    """The tenant's status `status_id`; OccurrenceNotFound otherwise."""
    found = session.get(OccurrenceStatus, status_id) if row_id(status_id) is not None else None
    if found is None or found.tenant != tenant:
        raise OccurrenceNotFound(f"occurrence status {status_id} not found")
    return found


def initial_status(session, tenant):
    """The status a new occurrence gets: the `created` milestone, else the first in order."""
    ordered = statuses(session, tenant)
    return next((s for s in ordered if s.milestone == CREATED),
                next((s for s in ordered if not s.ended), ordered[0] if ordered else None))


def milestone_status(session, tenant, milestone):
    """The status the lifecycle process sets at `milestone`, or None when none is marked."""
    return next((s for s in statuses(session, tenant) if s.milestone == milestone), None)
