"""Per-tenant references OCC-0001, OCC-0002, ...: one counter row per tenant, bumped in the
transaction that creates the occurrence, so concurrent creations never share a number (the
UPDATE holds the row lock until commit; SQLite writers hold the database lock)."""
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from . import defaults
from .models import OccurrenceCounter


def format_reference(number):
    """OCC-0042 for 42; more digits once past OCC-9999."""
    return f"{defaults.REFERENCE_PREFIX}{number:0{defaults.REFERENCE_DIGITS}d}"


def next_number(session, tenant):
    """Take the tenant's next reference number inside the caller's transaction."""
    for _attempt in range(2):
        bumped = session.execute(
            update(OccurrenceCounter).where(OccurrenceCounter.tenant == tenant)
            .values(last_number=OccurrenceCounter.last_number + 1)
            .execution_options(synchronize_session=False))
        if bumped.rowcount == 1:
            return session.scalar(select(OccurrenceCounter.last_number)
                                  .where(OccurrenceCounter.tenant == tenant)
                                  .execution_options(populate_existing=True))
        try:
            with session.begin_nested():
                session.add(OccurrenceCounter(tenant=tenant, last_number=1))
            return 1
        except IntegrityError:
            continue    # another transaction created the row first: bump theirs
    raise RuntimeError(f"could not take an occurrence number for tenant {tenant!r}")
