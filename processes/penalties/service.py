"""What the web app and the bookings family call: block checks, previews, cancel, check-in.

Writes go through `engine.transaction()` (one commit with their audit events); the booking's
cancellation_penalty process hears about them afterwards, by message, and should that message
be lost, reads the booking when its no-show timer fires (handlers.record_no_show).
"""
import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from engine import NotFound, StaleInstance, audit, clock
from processes.bookings.models import Booking

from . import defaults
from .errors import CancellationRefused, CheckInRefused, CustomerBlocked
from .infractions import (blocks_in_force, counting_minor_count, record_infraction,
                          running_instance_id)
from .rules import (blocked_until, decide_cancellation, decide_check_in, describe, no_show_at)
from .settings import load, rules_of
from .status import BookingStatus, InfractionCause, InfractionKind

log = logging.getLogger(__name__)
CORRELATE_ATTEMPTS = 3


@dataclass(frozen=True)
class Preview:
    """What cancelling at the customer's request would do now; `reason` is for the user."""

    allowed: bool
    infraction: str | None
    reason: str


@dataclass(frozen=True)
class CancellationOutcome:
    """A done cancellation: the booking, the infraction it cost (or None), what was deleted."""

    booking_id: int
    reference: str
    status: str
    by_staff: bool
    reason: str
    infraction_id: int | None = None
    infraction_kind: str | None = None
    escalated: bool = False
    blocked_until: datetime | None = None
    deleted_references: tuple = ()


def check_not_blocked(session, tenant, customer_id, starts_at, ends_at, zone_name="UTC"):
    """Raise CustomerBlocked when a block forbids this customer booking [starts_at, ends_at);
    its message gives the block's end in `zone_name` (the site's zone)."""
    now = clock.now()
    until = blocked_until(blocks_in_force(session, tenant, customer_id, now), now,
                          starts_at, ends_at)
    if until is not None:
        raise CustomerBlocked(until, "This customer is blocked by a major infraction and "
                                     f"cannot book until {describe(until, zone_name)}.")


def on_booking_created(session, engine, booking, actor):
    """Start the booking's cancellation_penalty process; returns its id (None if not deployed)."""
    rules = rules_of(load(session, booking.tenant))
    variables = {"booking_id": booking.id, "customer_id": booking.customer_id,
                 "no_show_at": no_show_at(booking.starts_at, rules).isoformat()}
    try:
        return engine.start(defaults.PROCESS_KEY, booking.reference, variables,
                            tenant=booking.tenant, actor=actor)
    except NotFound:
        log.warning("%s is not deployed in tenant %s: booking %s has no penalty process",
                    defaults.PROCESS_KEY, booking.tenant, booking.reference)
        return None


def cancellation_preview(session, booking, now=None):
    """Whether the customer may cancel now and what it would cost (for the Cancel button)."""
    decision = _decide(session, booking, now or clock.now(), by_staff=False)
    return Preview(decision.allowed, decision.infraction, decision.reason)


def check_in_preview(session, booking, now=None):
    """Whether the booking can be checked in now (for the Check-in button)."""
    rules = rules_of(load(session, booking.tenant))
    return decide_check_in(booking.starts_at, now or clock.now(), booking.site.timezone, rules,
                           booking.status)


def get_booking(session, tenant, booking_id):
    """The tenant's booking, or NotFound (another tenant's booking does not exist here)."""
    booking = session.get(Booking, booking_id)
    if booking is None or booking.tenant != tenant:
        raise NotFound(f"booking {booking_id} not found")
    return booking


def cancel_booking(engine, tenant, booking_id, actor, by_staff=False, note=None):
    """Cancel a booking at the customer's request (rules apply) or as staff (never penalised).

    Raises CancellationRefused (409) with the reason when the rules refuse it.
    """
    with engine.transaction() as session:
        booking = get_booking(session, tenant, booking_id)
        now = clock.now()
        decision = _decide(session, booking, now, by_staff)
        if not decision.allowed:
            raise CancellationRefused(decision.reason)
        _move(session, booking, BookingStatus.CANCELLED, CancellationRefused,
              cancelled_at=now, cancelled_by=actor)
        audit.record(session, tenant, "booking_cancelled", actor=actor,
                     booking=booking.reference, by_staff=by_staff, note=note,
                     infraction=decision.infraction, reason=decision.reason)
        infraction, deleted, until = None, [], None
        if decision.infraction:
            thrower = running_instance_id(session, tenant, booking.reference)
            infraction, deleted = record_infraction(
                session, load(session, tenant), booking, decision.infraction,
                InfractionCause.LATE_CANCELLATION, decision.reason, actor,
                escalated=decision.escalated, thrower_instance_id=thrower)
            if infraction.kind == InfractionKind.MAJOR:
                until = max(end for _, end in blocks_in_force(session, tenant,
                                                              booking.customer_id, now))
        outcome = CancellationOutcome(
            booking.id, booking.reference, booking.status, by_staff, decision.reason,
            infraction.id if infraction else None, infraction.kind if infraction else None,
            decision.escalated, until, tuple(b.reference for b in deleted))
    tell_process(engine, defaults.MESSAGE_CANCELLED, outcome.reference, tenant, {
        "has_infraction": infraction is not None, "infraction_id": outcome.infraction_id,
        "cancelled_by": actor})
    return outcome


def check_in_booking(engine, tenant, booking_id, actor):
    """Check a booking in (before start + grace); CheckInRefused (409) with the reason if not."""
    with engine.transaction() as session:
        booking = get_booking(session, tenant, booking_id)
        now = clock.now()
        rules = rules_of(load(session, tenant))
        decision = decide_check_in(booking.starts_at, now, booking.site.timezone, rules,
                                   booking.status)
        if not decision.allowed:
            raise CheckInRefused(decision.reason)
        _move(session, booking, BookingStatus.CHECKED_IN, CheckInRefused, checked_in_at=now)
        audit.record(session, tenant, "booking_checked_in", actor=actor,
                     booking=booking.reference, at=describe(now, booking.site.timezone))
        reference = booking.reference
    tell_process(engine, defaults.MESSAGE_CHECKED_IN, reference, tenant,
                 {"checked_in_by": actor})
    return reference


def _decide(session, booking, now, by_staff):
    rules = rules_of(load(session, booking.tenant))
    minors = counting_minor_count(session, booking.tenant, booking.customer_id)
    return decide_cancellation(booking.starts_at, now, booking.site.timezone, rules, minors,
                               by_staff, booking.status)


def _move(session, booking, status, refusal, **values):
    """Compare-and-set from confirmed: of a check-in, a cancel and a no-show, one wins."""
    result = session.execute(
        update(Booking).where(Booking.id == booking.id,
                              Booking.status == BookingStatus.CONFIRMED)
        .values(status=status, **values).execution_options(synchronize_session="fetch"))
    if result.rowcount != 1:
        session.refresh(booking)
        raise refusal(f"The booking changed meanwhile: it is now {booking.status}.")


def tell_process(engine, message, reference, tenant, variables):
    """Tell the booking's process what was committed; never undoes or fails the commit.

    The booking row is the record: should this message be lost (a crash right after the
    commit, a failure delivering it), the process's no-show timer reads the booking at start +
    grace and takes the cancellation (and its infraction: e-mail, contest) from there.
    """
    try:
        return correlate(engine, message, reference, tenant, variables)
    except Exception:       # noqa: BLE001 - committed already; the no-show timer catches up
        log.exception("message %s for %s not delivered; the process catches up at its "
                      "no-show time", message, reference)
        return 0


def correlate(engine, message, reference, tenant, variables):
    """Tell the booking's process; a concurrent write on it (timer firing) is retried."""
    for attempt in range(1, CORRELATE_ATTEMPTS + 1):
        try:
            return engine.correlate_message(message, reference, variables, tenant=tenant)
        except StaleInstance:
            if attempt == CORRELATE_ATTEMPTS:
                log.warning("message %s for %s lost to concurrent writes", message, reference)
    return 0


def booking_for_reference(session, tenant, reference):
    """The tenant's booking with this reference, or None."""
    return session.scalar(select(Booking).where(Booking.tenant == tenant,
                                                Booking.reference == reference))
