"""Creating and changing occurrences inside the caller's transaction, with their activity rows.

Every function checks all of its input first and raises before writing anything, so a refused
change leaves nothing half-applied.
"""
from sqlalchemy import select

from engine import audit, clock
from processes.accounts.models import Tenant, User
from processes.bookings.models import Booking, Site

from . import activity, catalogue, defaults, fields, rules
from .ids import row_id
from .errors import Msg, OccurrenceNotFound, OccurrenceRefused, _
from .models import Occurrence, OccurrenceComment
from .references import format_reference, next_number


def create_occurrence(session, tenant, actor, type_id, description, values=None,
                      site_id=None, booking_id=None):
    """A new occurrence of `type_id` on a site or booking, with its reference and deadline."""
    catalogue.ensure_defaults(session, tenant)
    errors = {}
    kind = _known(session, tenant, catalogue.get_type, type_id, "type_id", errors,
                  _("Choose a type of occurrence."))
    if kind is not None and not kind.active:
        errors["type_id"] = Msg(_("This type of occurrence is no longer in use."))
    site, booking = _place(session, tenant, site_id, booking_id, errors)
    text, problem = rules.check_description(description)
    if problem:
        errors["description"] = problem
    cleaned = {}
    if kind is not None:
        cleaned, field_errors = fields.check_values(kind.fields, dict(values or {}))
        errors.update(field_errors)
    status = catalogue.initial_status(session, tenant)
    if errors:
        raise OccurrenceRefused(errors)
    now = clock.now()
    number = next_number(session, tenant)
    occurrence = Occurrence(
        tenant=tenant, reference=format_reference(number), number=number, site_id=site.id,
        booking_id=booking.id if booking else None, type_id=kind.id, status_id=status.id,
        description=text, values=cleaned, created_by=actor, created_at=now, updated_at=now,
        deadline_at=rules.deadline_of(now, kind.sla_hours))
    session.add(occurrence)
    session.flush()
    activity.log(session, occurrence, actor, activity.CREATED, new=status.name)
    return occurrence


def _known(session, tenant, getter, value, key, errors, message):
    try:
        return getter(session, tenant, _as_id(value))
    except OccurrenceNotFound:
        errors[key] = Msg(message)
        return None


def _as_id(value):
    return row_id(value)


def _place(session, tenant, site_id, booking_id, errors):
    """(site, booking) of a new occurrence: a booking's site, or a site without a booking."""
    booking = None
    if booking_id not in (None, ""):
        booking = session.get(Booking, _as_id(booking_id)) if _as_id(booking_id) else None
        if booking is None or booking.tenant != tenant:
            errors["booking_id"] = Msg(_("No such booking."))
            return None, None
    site = None
    if site_id not in (None, ""):
        site = session.get(Site, _as_id(site_id)) if _as_id(site_id) else None
        if site is None or site.tenant != tenant:
            errors["site_id"] = Msg(_("No such site."))
            return None, booking
    if booking is not None:
        if site is not None and site.id != booking.site_id:
            errors["site_id"] = Msg(_("Booking %(booking)s is at another site."),
                                    booking=booking.reference)
        return booking.site, booking
    if site is None:
        errors["site_id"] = Msg(_("Choose the site, or start from a booking."))
    return site, None


def get_occurrence(session, tenant, occurrence_id, for_update=False):
    """The tenant's occurrence `occurrence_id`; OccurrenceNotFound otherwise."""
    query = select(Occurrence).where(Occurrence.id == _as_id(occurrence_id),
                                     Occurrence.tenant == tenant)
    found = session.scalar(query.with_for_update() if for_update else query)
    if found is None:
        raise OccurrenceNotFound(f"occurrence {occurrence_id} not found")
    return found


def change_occurrence(session, occurrence, actor, roles, changes):
    """Apply `changes` (description, values, status_id, assignee, reason) to an occurrence.

    Reopening (an ended status back to an open one) needs a supervisor or admin and a reason,
    and comes first, so the same request may then edit the fields. Any other edit of an ended
    occurrence's fields is refused (409). Returns (old status, new status).
    """
    old_status = occurrence.status
    new_status, reason = _target_status(session, occurrence, roles, changes)
    edits = {k: changes[k] for k in ("description", "values", "assignee") if k in changes}
    if edits and not (new_status is not None and rules.is_reopening(old_status, new_status)):
        rules.check_editable(occurrence)
    planned = _planned_edits(session, occurrence, edits)
    if new_status is not None and new_status.id != old_status.id:
        _set_status(session, occurrence, actor, new_status, reason)
    for field, old, new, apply in planned:
        apply()
        kind = activity.ASSIGNED if field == "assignee" else activity.FIELD_CHANGED
        activity.log(session, occurrence, actor, kind, field=field, old=old, new=new)
    if planned or new_status is not None:
        occurrence.updated_at = clock.now()
    return old_status, occurrence.status


def _target_status(session, occurrence, roles, changes):
    if changes.get("status_id") in (None, ""):
        return None, None
    try:
        new_status = catalogue.get_status(session, occurrence.tenant,
                                          _as_id(changes["status_id"]))
    except OccurrenceNotFound:
        raise OccurrenceRefused({"status_id": Msg(_("Choose one of the statuses."))}) from None
    reason = rules.check_status_change(occurrence.status, new_status, roles,
                                       changes.get("reason"))
    return new_status, reason


def _set_status(session, occurrence, actor, new_status, reason):
    old_status = occurrence.status
    reopening = rules.is_reopening(old_status, new_status)
    occurrence.status = new_status
    occurrence.status_id = new_status.id
    occurrence.ended_at = clock.now() if new_status.ended else None
    kind = activity.REOPENED if reopening else activity.STATUS_CHANGED
    activity.log(session, occurrence, actor, kind, field="status", old=old_status.name,
                 new=new_status.name, note=reason)
    if reopening:
        audit.record(session, occurrence.tenant, "occurrence_reopened", occurrence.instance_id,
                     actor=actor, reference=occurrence.reference, reason=reason,
                     previous=old_status.name, status=new_status.name)


def _planned_edits(session, occurrence, edits):
    """[(field label, old text, new text, apply)] of the edits that change something."""
    errors, planned = {}, []
    if "description" in edits:
        text, problem = rules.check_description(edits["description"])
        if problem:
            errors["description"] = problem
        elif text != occurrence.description:
            planned.append(("description", occurrence.description, text,
                            lambda: setattr(occurrence, "description", text)))
    if "values" in edits:
        planned += _value_edits(occurrence, edits["values"], errors)
    if "assignee" in edits:
        planned += _assignee_edit(session, occurrence, edits["assignee"], errors)
    if errors:
        raise OccurrenceRefused(errors)
    return planned


def _value_edits(occurrence, submitted, errors):
    if not isinstance(submitted, dict):
        errors["values"] = Msg(_("Send the custom fields as an object of key: value."))
        return []
    by_key = {f.key: f for f in occurrence.type.fields}
    cleaned, problems = fields.check_values(occurrence.type.fields, submitted, partial=True)
    errors.update(problems)
    current = dict(occurrence.values or {})
    changed = {k: v for k, v in cleaned.items() if current.get(k) != v}
    if not changed:
        return []

    def apply():
        occurrence.values = {**current, **changed}    # a new dict: JSON columns track by identity
    plans = [(by_key[k].label, fields.shown(by_key[k], current.get(k)),
              fields.shown(by_key[k], v), lambda: None) for k, v in changed.items()]
    plans[-1] = (*plans[-1][:3], apply)
    return plans


def _assignee_edit(session, occurrence, username, errors):
    username = (username or "").strip() or None
    if username == occurrence.assignee:
        return []
    if username is not None and not is_staff_member(session, occurrence.tenant, username):
        errors["assignee"] = Msg(_("%(user)s is not an active staff member of this "
                                   "organisation."), user=username)
        return []
    old = occurrence.assignee
    return [("assignee", old or "", username or "",
             lambda: setattr(occurrence, "assignee", username))]


def is_staff_member(session, tenant, username):
    """True when `username` is an active back-office, supervisor or admin user of the tenant."""
    user = session.scalar(select(User).join(Tenant).where(Tenant.key == tenant,
                                                          User.username == username))
    return user is not None and user.active and rules.is_staff(user.roles)


def staff_members(session, tenant):
    """User names of the tenant's active staff, for assignment lists."""
    users = session.scalars(select(User).join(Tenant).where(Tenant.key == tenant,
                                                            User.active.is_(True))
                            .order_by(User.username))
    return [u.username for u in users if rules.is_staff(u.roles)]


def add_comment(session, occurrence, actor, body):
    """A comment on the occurrence, logged; comments stay possible once it has ended."""
    text = (body or "").strip()
    if not text:
        raise OccurrenceRefused({"body": Msg(_("Write a comment first."))})
    if len(text) > defaults.MAX_COMMENT_CHARS:
        raise OccurrenceRefused({"body": Msg(_("Keep a comment under %(limit)d characters."),
                                             limit=defaults.MAX_COMMENT_CHARS)})
    comment = OccurrenceComment(occurrence_id=occurrence.id, author=actor, body=text,
                                created_at=clock.now())
    session.add(comment)
    session.flush()
    activity.log(session, occurrence, actor, activity.COMMENTED, note=text)
    occurrence.updated_at = clock.now()
    return comment


def set_milestone(session, occurrence, milestone, actor=defaults.PROCESS_ACTOR):
    """Move the occurrence to the status of a process milestone, unless it has ended or the
    tenant marks no status for it; True when the status changed."""
    target = catalogue.milestone_status(session, occurrence.tenant, milestone)
    if target is None or target.id == occurrence.status_id:
        return False
    if occurrence.status.ended and not target.ended:
        return False    # only a person reopens
    if occurrence.status.ended and occurrence.status.position >= target.position:
        return False    # never back from Closed to Resolved
    _set_status(session, occurrence, actor, target, None)
    occurrence.updated_at = clock.now()
    return True
