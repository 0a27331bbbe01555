"""Small helpers of the bookings tests."""
from datetime import datetime, timezone

from sqlalchemy import select

from processes.penalties.infractions import record_infraction
from processes.penalties.models import Block
from processes.penalties.settings import load
from processes.penalties.status import InfractionCause, InfractionKind


def utc(*args):
    """An aware UTC datetime."""
    return datetime(*args, tzinfo=timezone.utc)


def block_customer(session, booking):
    """Block the booking's customer the way penalties does (a major no-show infraction);
    returns the block's end. Bookings only reports blocks: penalties tests how they arise."""
    record_infraction(session, load(session, booking.tenant), booking, InfractionKind.MAJOR,
                      InfractionCause.NO_SHOW, "No check-in.", "system")
    return session.scalar(select(Block.ends_at).where(Block.customer_id == booking.customer_id))
