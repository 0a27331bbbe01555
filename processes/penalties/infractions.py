"""Recording infractions, and what a major one does: block the customer, delete bookings.

These functions run inside the caller's write transaction (they flush, never commit), so an
infraction, its block, the deleted bookings, their audit events and e-mail notices are
written together or not at all.
"""
from sqlalchemy import func, select, update

from engine import Job, JobStatus, ProcessInstance, audit, clock
from engine.status import JobKind
from processes.bookings.models import Booking, Site

from . import defaults
from .models import Block, Infraction
from .notices import add_deletion_notice, add_infraction_notice
from .rules import block_period, blocked_until, bookings_to_delete
from .settings import rules_of
from .status import COUNTING, BookingStatus, InfractionKind

SYSTEM = "system"      # the actor of what the process does by itself (no-show)


def counting_minor_count(session, tenant, customer_id):
    """Minor infractions that count: not cancelled, recorded after the last counting major."""
    last_major = session.scalar(select(func.max(Infraction.created_at)).where(
        Infraction.tenant == tenant, Infraction.customer_id == customer_id,
        Infraction.kind == InfractionKind.MAJOR, Infraction.status.in_(COUNTING)))
    query = select(func.count(Infraction.id)).where(
        Infraction.tenant == tenant, Infraction.customer_id == customer_id,
        Infraction.kind == InfractionKind.MINOR, Infraction.status.in_(COUNTING))
    if last_major is not None:
        query = query.where(Infraction.created_at > last_major)
    return session.scalar(query)


def blocks_in_force(session, tenant, customer_id, after):
    """(start, end) of the customer's blocks not lifted and not ended by `after`."""
    rows = session.execute(select(Block.starts_at, Block.ends_at).where(
        Block.tenant == tenant, Block.customer_id == customer_id, Block.lifted_at.is_(None),
        Block.ends_at > after))
    return [(row.starts_at, row.ends_at) for row in rows]


def block_zone(session, tenant, customer_id, after):
    """IANA zone of the site whose booking imposed the customer's latest block in force (its
    end reads in that site's time, as in the e-mail), or None when no block is in force."""
    return session.scalar(
        select(Site.timezone).join(Booking, Booking.site_id == Site.id)
        .join(Infraction, Infraction.booking_id == Booking.id)
        .join(Block, Block.infraction_id == Infraction.id)
        .where(Block.tenant == tenant, Block.customer_id == customer_id,
               Block.lifted_at.is_(None), Block.ends_at > after)
        .order_by(Block.ends_at.desc()).limit(1))


def record_infraction(session, settings, booking, kind, cause, reason, actor, escalated=False,
                      thrower_instance_id=None):
    """Add an infraction about `booking` with its audit event and e-mail; a major one blocks.

    Returns (infraction, deleted bookings). Processes of deleted bookings are told through the
    outbox (message `booking_cancelled`) when `thrower_instance_id` names the sending instance.
    """
    now = clock.now()
    infraction = Infraction(
        tenant=booking.tenant, customer_id=booking.customer_id, booking_id=booking.id, kind=kind,
        cause=cause, escalated=escalated, reason=reason, created_at=now, created_by=actor)
    session.add(infraction)
    session.flush()
    audit.record(session, booking.tenant, "infraction_recorded", actor=actor,
                 infraction=infraction.id, infraction_kind=kind, cause=cause, escalated=escalated,
                 booking=booking.reference, customer=booking.customer_id, reason=reason)
    deleted, until = [], None
    if kind == InfractionKind.MAJOR:
        deleted, until = _block(session, settings, infraction, booking, actor, now,
                                thrower_instance_id)
    add_infraction_notice(session, settings, infraction, booking, until)
    session.flush()
    return infraction, deleted


def _block(session, settings, infraction, booking, actor, now, thrower_instance_id):
    start, end = block_period(now, rules_of(settings), booking.site.timezone)
    block = Block(tenant=infraction.tenant, customer_id=infraction.customer_id,
                  infraction_id=infraction.id, starts_at=start, ends_at=end)
    session.add(block)
    session.flush()
    until = blocked_until(blocks_in_force(session, block.tenant, block.customer_id, now),
                          now, start, end)
    audit.record(session, block.tenant, "customer_blocked", actor=actor, block=block.id,
                 infraction=infraction.id, customer=block.customer_id,
                 starts_at=start.isoformat(), ends_at=end.isoformat(),
                 blocked_until=until.isoformat())
    candidates = session.scalars(select(Booking).where(
        Booking.tenant == block.tenant, Booking.customer_id == block.customer_id,
        Booking.id != booking.id, Booking.status == BookingStatus.CONFIRMED,
        Booking.starts_at < end, Booking.ends_at > start).order_by(Booking.starts_at))
    deleted = []
    for victim in bookings_to_delete(list(candidates), start, end):
        if not _delete_if_confirmed(session, victim, now, actor):
            continue        # checked in or cancelled since it was read: that change stands
        deleted.append(victim)
        audit.record(session, block.tenant, "booking_deleted_by_block", actor=actor,
                     booking=victim.reference, booking_kind=victim.kind, block=block.id,
                     infraction=infraction.id, customer=block.customer_id)
        add_deletion_notice(session, infraction, victim, until)
        if thrower_instance_id is not None:
            _tell_process(session, block.tenant, thrower_instance_id, victim, now)
    return deleted, until


def _delete_if_confirmed(session, victim, now, actor):
    """Compare-and-set, as check-in, cancel and no-show do: delete the booking only if it is
    still confirmed (a check-in committed after the candidates were read wins). True if done."""
    moved = session.execute(
        update(Booking).where(Booking.id == victim.id, Booking.status == BookingStatus.CONFIRMED)
        .values(status=BookingStatus.DELETED, cancelled_at=now, cancelled_by=actor)
        .execution_options(synchronize_session="fetch"))
    if moved.rowcount != 1:
        session.refresh(victim)
        return False
    return True


def _tell_process(session, tenant, thrower_instance_id, victim, now):
    """Outbox message ending the deleted booking's own penalty process (after commit)."""
    session.add(Job(
        tenant=tenant, instance_id=thrower_instance_id, kind=JobKind.MESSAGE,
        handler=defaults.MESSAGE_CANCELLED, status=JobStatus.PENDING, attempts=0, run_after=now,
        created_at=now, payload={"business_key": victim.reference,
                                 "variables": {"has_infraction": False, "infraction_id": None,
                                               "cancelled_by": SYSTEM}}))


def running_instance_id(session, tenant, business_key):
    """The running cancellation_penalty instance of a booking, or None."""
    return session.scalar(select(ProcessInstance.id).where(
        ProcessInstance.tenant == tenant, ProcessInstance.process_key == defaults.PROCESS_KEY,
        ProcessInstance.business_key == business_key, ProcessInstance.status == "running")
        .order_by(ProcessInstance.id.desc()).limit(1))
