"""What the web pages, the API and the demo call: each change is one transaction, then the
process is kept in step with it (after the commit, so the process never sees a rolled-back
occurrence). `user` is anything with `tenant`, `username` and `roles` (a logged-in Principal).
"""
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from processes.accounts.models import Tenant
from processes.bookings.models import Booking, Site

from . import activity, attachments, catalogue, defaults, lifecycle, listing, recording, rules
from .errors import OccurrenceNotFound
from .ids import row_id
from .models import Occurrence, OccurrenceComment


def full():
    """Loader options for an occurrence shown with its type, status, site and booking."""
    return (joinedload(Occurrence.type), joinedload(Occurrence.status),
            joinedload(Occurrence.site),
            joinedload(Occurrence.booking).joinedload(Booking.customer),
            joinedload(Occurrence.booking).joinedload(Booking.vehicle))


def report(eng, user, data, uploads=(), upload_folder=None, start=True):
    """Record a new occurrence (files included), then start its lifecycle; returns it loaded."""
    stored = []
    try:
        with eng.transaction() as session:
            occurrence = recording.create_occurrence(
                session, user.tenant, user.username, data.get("type_id"),
                data.get("description"), data.get("values"), site_id=data.get("site_id"),
                booking_id=data.get("booking_id"))
            if uploads:
                stored = attachments.store(session, upload_folder, occurrence, user.username,
                                           uploads)
            occurrence_id = occurrence.id
    except BaseException:
        attachments.discard(upload_folder, stored)
        raise
    if start:
        lifecycle.start_process(eng, occurrence_id, user.username)
    return load(eng, user.tenant, occurrence_id)


def change(eng, user, occurrence_id, changes):
    """Edit fields, status or assignee (reopening needs a supervisor/admin and a reason)."""
    with eng.transaction() as session:
        occurrence = recording.get_occurrence(session, user.tenant, occurrence_id,
                                              for_update=True)
        old_assignee = occurrence.assignee
        old, new = recording.change_occurrence(session, occurrence, user.username, user.roles,
                                               changes)
        assignee_moved = occurrence.assignee != old_assignee
    if old.id != new.id:
        lifecycle.follow_status(eng, occurrence_id, old.ended, new.ended, user.username)
    if assignee_moved:
        lifecycle.follow_assignee(eng, occurrence_id, user.username)
    return load(eng, user.tenant, occurrence_id)


def comment(eng, user, occurrence_id, body, uploads=(), upload_folder=None):
    """Add a comment, with files if any; returns the comment."""
    stored = []
    try:
        with eng.transaction() as session:
            occurrence = recording.get_occurrence(session, user.tenant, occurrence_id)
            row = recording.add_comment(session, occurrence, user.username, body)
            if uploads:
                stored = attachments.store(session, upload_folder, occurrence, user.username,
                                           uploads, comment_id=row.id)
    except BaseException:
        attachments.discard(upload_folder, stored)
        raise
    return row


def load(eng, tenant, occurrence_id):
    """The tenant's occurrence with its type, status, site and booking; 404 otherwise."""
    with eng.reading() as session:
        found = session.scalar(select(Occurrence).options(*full()).where(
            Occurrence.id == row_id(occurrence_id), Occurrence.tenant == tenant))
        if found is None:
            raise OccurrenceNotFound(f"occurrence {occurrence_id} not found")
        _ = found.type.fields      # loaded before the session closes
        return found


@dataclass
class Page:
    """Everything the detail page and the API show of one occurrence."""

    occurrence: Occurrence
    comments: list
    attachments: list
    activity: list
    statuses: list
    staff: list
    read_only: bool
    overdue: bool


def page(eng, user, occurrence_id, now):
    """The occurrence with its comments, files, activity and the choices its forms offer."""
    occurrence = load(eng, user.tenant, occurrence_id)
    with eng.reading() as session:
        comments = list(session.scalars(select(OccurrenceComment).where(
            OccurrenceComment.occurrence_id == occurrence.id).order_by(OccurrenceComment.id)))
        return Page(occurrence=occurrence, comments=comments,
                    attachments=attachments.listed(session, occurrence.id),
                    activity=activity.history(session, occurrence.id),
                    statuses=catalogue.statuses(session, user.tenant),
                    staff=recording.staff_members(session, user.tenant),
                    read_only=rules.is_read_only(occurrence.status),
                    overdue=rules.is_overdue(occurrence.deadline_at, occurrence.status.ended,
                                             now))


def attachment_file(eng, user, occurrence_id, attachment_id, upload_folder):
    """(row, path) of an attachment of the tenant's occurrence, for download."""
    with eng.reading() as session:
        occurrence = recording.get_occurrence(session, user.tenant, occurrence_id)
        return attachments.file_of(session, upload_folder, occurrence, attachment_id)


def choices(eng, tenant):
    """(active types with fields, statuses) of the tenant, creating the defaults on first use."""
    with eng.reading() as session:
        has_any = catalogue.statuses(session, tenant)
    if not has_any:
        with eng.transaction() as session:
            catalogue.ensure_defaults(session, tenant)
    with eng.reading() as session:
        kinds = catalogue.types(session, tenant, active_only=True)
        for kind in kinds:
            _ = kind.fields
        return kinds, catalogue.statuses(session, tenant)


def find(eng, user, filters, now):
    """One page of the tenant's occurrences under `filters` (listing.Result)."""
    with eng.reading() as session:
        zone = tenant_zone(session, user.tenant)
        return listing.search(session, user.tenant, filters, now, zone, options=full())


def tenant_zone(session, tenant):
    """The tenant's IANA time zone (date filters and shown times)."""
    name = session.scalar(select(Tenant.timezone).where(Tenant.key == tenant))
    try:
        return ZoneInfo(name or defaults.FALLBACK_TIMEZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(defaults.FALLBACK_TIMEZONE)


def sites(eng, tenant):
    """The tenant's sites by name, for the site pickers."""
    with eng.reading() as session:
        return list(session.scalars(select(Site).where(Site.tenant == tenant)
                                    .order_by(Site.name)))


def staff(eng, tenant):
    """User names of the tenant's active staff, for assignment."""
    with eng.reading() as session:
        return recording.staff_members(session, tenant)


def booking(eng, tenant, booking_id):
    """The tenant's booking with its site, customer and vehicle; OccurrenceNotFound otherwise."""
    with eng.reading() as session:
        found = session.scalar(select(Booking).options(
            joinedload(Booking.site), joinedload(Booking.customer),
            joinedload(Booking.vehicle)).where(Booking.id == row_id(booking_id),
                                               Booking.tenant == tenant))
        if found is None:
            raise OccurrenceNotFound(f"booking {booking_id} not found")
        return found


def zone(eng, tenant):
    """The tenant's time zone."""
    with eng.reading() as session:
        return tenant_zone(session, tenant)
