"""Regression tests of the no-show timer against check-in/cancel races (review of issue #4).

On a READ COMMITTED database (PostgreSQL) a handler may read a booking, then a check-in or a
cancellation commits, then the handler writes. The handler must not act on what it read: the
status moves by compare-and-set, as check-in and cancel already do. The tests reproduce the
interleaving deterministically: the handler's session holds the booking as read before the
other change committed.
"""
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import ServiceCall
from engine import clock as engine_clock
from engine.db import writer
from processes.bookings.models import Booking
from processes.penalties import handlers, infractions, service, settings
from processes.penalties.models import Block, Infraction

from .conftest import TENANT, local


def stale_sessions(world, booking_id):
    """A session factory whose session already read the booking (still confirmed then)."""
    session = Session(writer(world.sa_engine), expire_on_commit=False)
    with session.begin():
        read = session.get(Booking, booking_id)     # held: the identity map keeps it as read
    assert read.status == "confirmed"
    return lambda: read and session


def no_show_call(booking_id):
    """The call the engine makes when the no-show timer fired."""
    return ServiceCall(job_id=1, attempt=1, tenant=TENANT, instance_id=1, business_key=None,
                       task_name="penalties_record_no_show", variables={"booking_id": booking_id})


def test_no_show_never_overwrites_a_check_in_committed_after_the_timer_read_the_booking(
        world, clock):
    """Check-in committed between the handler's read and write: checked in, no infraction."""
    booking_id = world.book("2026-03-02 18:00")
    clock.move_to(local("2026-03-02 18:15"))
    sessions = stale_sessions(world, booking_id)
    clock.move_to(local("2026-03-02 18:14:59"))
    service.check_in_booking(world.eng, TENANT, booking_id, "agent")
    clock.move_to(local("2026-03-02 18:15"))
    outcome = handlers.record_no_show(sessions, no_show_call(booking_id))
    assert (outcome["has_infraction"], outcome["no_show_outcome"]) == (False, "checked_in")
    assert world.booking(booking_id).status == "checked_in"
    with world.session() as session:
        assert session.scalars(select(Infraction)).all() == []
        assert session.scalars(select(Block)).all() == []


def test_no_show_never_overwrites_a_cancellation_committed_after_the_timer_read_the_booking(
        world, clock):
    """A staff cancellation committed in that gap wins too: cancelled, no infraction."""
    booking_id = world.book("2026-03-02 18:00")
    clock.move_to(local("2026-03-02 18:15"))
    sessions = stale_sessions(world, booking_id)
    service.cancel_booking(world.eng, TENANT, booking_id, "admin", by_staff=True,
                           note="barrier broken")
    outcome = handlers.record_no_show(sessions, no_show_call(booking_id))
    assert (outcome["has_infraction"], outcome["no_show_outcome"]) == (False, "cancelled")
    assert world.booking(booking_id).status == "cancelled"
    with world.session() as session:
        assert session.scalars(select(Infraction)).all() == []


def test_raising_the_grace_period_never_lets_a_no_show_go_unrecorded(world, clock):
    """Grace raised from 15 to 30 min after booking: the timer set for 18:15 finds the booking
    not due, waits again until 18:30, and then records the no-show."""
    booking_id = world.book("2026-03-02 18:00")
    with world.eng.transaction() as session:
        settings.update(session, TENANT, {"check_in_grace_minutes": 30}, "admin")
    clock.move_to(local("2026-03-02 18:15"))
    world.run()
    assert world.booking(booking_id).status == "confirmed"     # 18:15: not due any more
    clock.move_to(local("2026-03-02 18:29:59"))
    world.run()
    assert world.booking(booking_id).status == "confirmed"
    clock.move_to(local("2026-03-02 18:30"))
    world.run()
    assert world.booking(booking_id).status == "no_show"
    with world.session() as session:
        infraction = session.scalars(select(Infraction)).one()
        assert session.scalars(select(Block)).one().infraction_id == infraction.id
        assert "No check-in by Mon 2 Mar 2026, 18:30 CET" in infraction.reason


def test_a_block_never_deletes_a_booking_checked_in_after_the_block_read_it(world, clock):
    """The block's deletion is a compare-and-set from confirmed: a check-in committed after
    the block's session read the booking stands, and nothing is deleted or e-mailed for it."""
    inside = world.book("2026-03-02 18:00")
    clock.move_to(local("2026-03-02 17:00"))
    session = Session(writer(world.sa_engine), expire_on_commit=False)
    with session.begin():
        victim = session.get(Booking, inside)               # read while still confirmed
    service.check_in_booking(world.eng, TENANT, inside, "agent")
    with session.begin():
        assert victim.status == "confirmed"                 # what the block's session holds
        deleted = infractions._delete_if_confirmed(session, victim, engine_clock.now(), "system")
    assert deleted is False
    assert victim.status == "checked_in"
    assert world.booking(inside).status == "checked_in"
    assert world.booking(inside).cancelled_by is None
