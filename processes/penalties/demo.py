"""Demo penalties for `make run`: a few infractions on the demo bookings, so the Penalties pages
and the basket are not empty.

- a customer with two minor late cancellations,
- a customer blocked by a major no-show (the block and its notices are real),
- a customer whose minor late cancellation is contested: its cancellation_penalty process
  waits at "Review contested infraction" in the back office's basket.

Runs after the bookings seeder (it uses its customers and bookings) and the library deploy.
Idempotent: a tenant that already has infractions is left alone. Infractions are recorded with
the same functions the web app uses; only the contested one goes through its process.
"""
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from engine import Engine, clock
from processes.bookings.models import Booking
from processes.notifications import NotificationSettings

from . import defaults
from .contest import contest_infraction
from .infractions import record_infraction
from .service import correlate, on_booking_created
from .settings import load
from .status import BookingStatus, InfractionCause, InfractionKind
from .models import Infraction

ACTOR = "demo"
LATE = "Cancelled {hours} h before the start, outside the no-infraction window (demo)."
NO_SHOW = "No check-in by the start + grace period (demo)."
CONTEST_REASON = "My train was cancelled; I cancelled as soon as I knew (demo)."


def seed(session, tenant_key):
    """Record the demo infractions unless the tenant has some; a one-line summary."""
    if session.scalar(select(func.count()).select_from(Infraction).where(
            Infraction.tenant == tenant_key)):
        return None
    past = _bookings(session, tenant_key, Booking.ends_at < clock.now())
    future = _bookings(session, tenant_key, Booking.starts_at > clock.now() + timedelta(hours=6),
                       BookingStatus.CONFIRMED)
    customers = list(dict.fromkeys(b.customer_id for b in past))
    if len(customers) < 2 or not future:
        return "Penalties demo: too few demo bookings, no infractions were recorded."
    settings = load(session, tenant_key)
    minors = [b for b in past if b.customer_id == customers[0]][:2]
    for booking in minors:
        _record(session, settings, booking, InfractionKind.MINOR, BookingStatus.CANCELLED)
    blocked = next(b for b in past if b.customer_id == customers[1])
    _record(session, settings, blocked, InfractionKind.MAJOR, BookingStatus.NO_SHOW)
    session.commit()
    contested = next((b for b in future if b.customer_id not in customers[:2]), None)
    review = _contested(session, tenant_key, settings, contested) if contested else False
    return (f"Penalties demo: {len(minors)} minor infractions, 1 major with a block"
            + (", 1 contested infraction waiting for review." if review else "."))


def _bookings(session, tenant, condition, status=None):
    query = select(Booking).where(Booking.tenant == tenant, condition)
    if status is not None:
        query = query.where(Booking.status == status)
    return list(session.scalars(query.order_by(Booking.starts_at, Booking.id).limit(200)))


def _record(session, settings, booking, kind, status, thrower=None):
    booking.status = status
    if status == BookingStatus.CANCELLED:
        booking.cancelled_at, booking.cancelled_by = booking.starts_at - timedelta(hours=3), ACTOR
        reason, cause = LATE.format(hours=3), InfractionCause.LATE_CANCELLATION
    else:
        reason, cause = NO_SHOW, InfractionCause.NO_SHOW
    infraction, _deleted = record_infraction(session, settings, booking, kind, cause, reason,
                                             ACTOR, thrower_instance_id=thrower)
    return infraction


def _contested(session, tenant, settings, booking):
    """A future booking's process records a late cancellation that the customer contests."""
    eng = _engine(session)
    instance_id = on_booking_created(session, eng, booking, ACTOR)
    session.commit()
    if instance_id is None:              # the library was not deployed
        return False
    infraction = _record(session, settings, booking, InfractionKind.MINOR,
                         BookingStatus.CANCELLED, thrower=instance_id)
    booking.cancelled_at = clock.now()
    session.commit()
    correlate(eng, defaults.MESSAGE_CANCELLED, booking.reference, tenant, {
        "has_infraction": True, "infraction_id": infraction.id, "cancelled_by": ACTOR})
    while eng.run_due_jobs():
        pass
    contest_infraction(eng, tenant, infraction.id, ACTOR, CONTEST_REASON)
    while eng.run_due_jobs():            # "Mark the infraction contested", then the review
        pass
    session.rollback()
    return True


def _engine(session):
    """An Engine on the seeding database with every family's handlers (the process's steps)."""
    from processes.registry import build_service_registry   # the registry imports this family
    bind = session.get_bind()
    return Engine(bind, services=build_service_registry(sessionmaker(bind=bind),
                                                        NotificationSettings()))
