"""The e-mails penalties send: templates with {placeholders}, rendered into PenaltyNotice rows.

Templates are the tenant's (settings) for minor and major infractions; the booking-deleted
notice is fixed. Only the names in PLACEHOLDERS are replaced (never str.format: a template is
admin input and must not reach attributes of the values).
"""
import re

from engine import clock

from .models import PenaltyNotice
from .rules import describe
from .status import NoticeKind, NoticeStatus

PLACEHOLDERS = {
    "customer_name": "the customer's name",
    "booking_reference": "the booking's reference, e.g. BK-000123",
    "site_name": "the car park",
    "booking_start": "the booking's start, site time",
    "infraction_kind": "minor or major",
    "reason": "why the infraction was recorded",
    "blocked_until": "end of the block (major infractions), site time",
}
_FIELD = re.compile(r"\{(\w+)\}")

DEFAULT_TEMPLATES = {
    "minor_subject": "Minor infraction for booking {booking_reference}",
    "minor_body": (
        "Dear {customer_name},\n\n"
        "Your booking {booking_reference} at {site_name} ({booking_start}) was cancelled "
        "outside the free cancellation window, which counts as a minor infraction.\n\n"
        "{reason}\n\n"
        "Several minor infractions lead to a major one, which blocks new bookings for a while. "
        "If you think this is a mistake, you may contest it.\n"),
    "major_subject": "Major infraction: bookings blocked until {blocked_until}",
    "major_body": (
        "Dear {customer_name},\n\n"
        "A major infraction was recorded for your booking {booking_reference} at {site_name} "
        "({booking_start}).\n\n"
        "{reason}\n\n"
        "You cannot make new bookings until {blocked_until}; bookings and pre-bookings in "
        "that period are cancelled, each with its own e-mail. If you think this is a mistake, "
        "you may contest it.\n"),
}

DELETED_SUBJECT = "Booking {booking_reference} cancelled: bookings blocked"
DELETED_BODY = (
    "Dear {customer_name},\n\n"
    "Your booking {booking_reference} at {site_name} ({booking_start}) falls within a "
    "penalty block that lasts until {blocked_until}, so it was cancelled.\n")


def unknown_placeholders(text):
    """The {names} in `text` that are not placeholders, sorted."""
    return sorted({name for name in _FIELD.findall(text or "") if name not in PLACEHOLDERS})


def render(template, values):
    """`template` with each known {placeholder} replaced; anything else is left as written."""
    return _FIELD.sub(lambda m: str(values.get(m.group(1), m.group(0)))
                      if m.group(1) in PLACEHOLDERS else m.group(0), template)


def values_for(infraction, booking, blocked_until=None):
    """Placeholder values about an infraction and a booking, times in the site's zone."""
    zone = booking.site.timezone
    return {
        "customer_name": booking.customer.name,
        "booking_reference": booking.reference,
        "site_name": booking.site.name,
        "booking_start": describe(booking.starts_at, zone),
        "infraction_kind": infraction.kind,
        "reason": infraction.reason,
        "blocked_until": describe(blocked_until, zone) if blocked_until else "",
    }


def add_infraction_notice(session, settings, infraction, booking, blocked_until=None):
    """Queue the e-mail about a new infraction, from the tenant's template for its kind."""
    values = values_for(infraction, booking, blocked_until)
    subject = getattr(settings, f"{infraction.kind}_subject")
    body = getattr(settings, f"{infraction.kind}_body")
    return _add(session, infraction, booking, NoticeKind(infraction.kind),
                render(subject, values), render(body, values))


def add_deletion_notice(session, infraction, booking, blocked_until):
    """Queue the e-mail telling a customer their booking was deleted by a block."""
    values = values_for(infraction, booking, blocked_until)
    return _add(session, infraction, booking, NoticeKind.BOOKING_DELETED,
                render(DELETED_SUBJECT, values), render(DELETED_BODY, values))


def _add(session, infraction, booking, kind, subject, body):
    notice = PenaltyNotice(
        tenant=infraction.tenant, customer_id=booking.customer_id, infraction_id=infraction.id,
        booking_id=booking.id, kind=kind, recipient=(booking.customer.email or "").strip() or None,
        subject=" ".join(subject.split())[:300], body=body, status=NoticeStatus.PENDING,
        created_at=clock.now())
    session.add(notice)
    return notice
