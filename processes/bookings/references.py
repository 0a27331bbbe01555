"""Booking references BK-000001, BK-000002, ... per tenant, never handed out twice.

The tenant's counter row is bumped with one UPDATE in the caller's transaction: a concurrent
booking waits on that row until this transaction ends, and a rolled-back booking gives its
number back.
"""
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from . import defaults
from .models import BookingCounter


def format_reference(number):
    """'BK-000042' for 42."""
    return f"{defaults.REFERENCE_PREFIX}{number:0{defaults.REFERENCE_DIGITS}d}"


def reserve_references(session, tenant, count=1):
    """The next `count` references of the tenant, reserved in the session's transaction."""
    last = _bump(session, tenant, count)
    if last is None:
        _create_counter(session, tenant)
        last = _bump(session, tenant, count)
    return [format_reference(n) for n in range(last - count + 1, last + 1)]


def _bump(session, tenant, count):
    statement = (update(BookingCounter).where(BookingCounter.tenant == tenant)
                 .values(last_number=BookingCounter.last_number + count)
                 .returning(BookingCounter.last_number))
    return session.execute(statement, execution_options={"synchronize_session": False}
                           ).scalar_one_or_none()


def _create_counter(session, tenant):
    """The tenant's first booking: a counter row at 0 (a concurrent creator may win the race)."""
    try:
        with session.begin_nested():
            session.add(BookingCounter(tenant=tenant, last_number=0))
    except IntegrityError:
        pass   # the other transaction created it; our UPDATE now waits for its row
