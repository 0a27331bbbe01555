"""Booking lists: filter by site, customer, status, text and by day in each site's time zone."""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, false, func, or_, select
from sqlalchemy.orm import joinedload

from engine import clock

from . import defaults
from .localtime import day_bounds, today_bounds
from .models import Booking, Customer, Site, Vehicle
from .status import When


@dataclass(frozen=True)
class BookingFilter:
    """What a booking list shows; None (or empty) means any."""

    site_id: int | None = None
    customer_id: int | None = None
    status: str | None = None
    kind: str | None = None
    when: When | None = None
    text: str | None = None              # reference, customer name or plate
    date_from: date | None = None        # local dates at each booking's site, inclusive
    date_to: date | None = None


@dataclass(frozen=True)
class BookingPage:
    """One page of bookings, soonest start first for today and the future, latest for the past."""

    bookings: list
    number: int
    size: int
    has_next: bool


def list_bookings(session, tenant, filters=BookingFilter(), page=1, size=defaults.PAGE_SIZE):
    """One BookingPage of the tenant's bookings matching `filters`."""
    sites = _sites(session, tenant, filters.site_id)
    query = (select(Booking).where(Booking.tenant == tenant, *_conditions(filters))
             .options(joinedload(Booking.site), joinedload(Booking.customer),
                      joinedload(Booking.vehicle)))
    local = _local_conditions(filters, sites)
    if local is not None:
        query = query.where(local)
    newest_first = filters.when == When.PAST
    order = (Booking.starts_at.desc(), Booking.id.desc()) if newest_first \
        else (Booking.starts_at, Booking.id)
    rows = list(session.scalars(query.order_by(*order).offset((page - 1) * size)
                                .limit(size + 1)).unique())
    return BookingPage(rows[:size], page, size, len(rows) > size)


def count_by_status(session, tenant):
    """{status: number of bookings} of the tenant."""
    return dict(session.execute(select(Booking.status, func.count()).where(
        Booking.tenant == tenant).group_by(Booking.status)).all())


def _sites(session, tenant, site_id):
    query = select(Site).where(Site.tenant == tenant)
    if site_id is not None:
        query = query.where(Site.id == site_id)
    return list(session.scalars(query))


def _conditions(filters):
    conditions = []
    if filters.site_id is not None:
        conditions.append(Booking.site_id == filters.site_id)
    if filters.customer_id is not None:
        conditions.append(Booking.customer_id == filters.customer_id)
    if filters.status:
        conditions.append(Booking.status == filters.status)
    if filters.kind:
        conditions.append(Booking.kind == filters.kind)
    text = (filters.text or "").strip()
    if text:
        conditions.append(_text_condition(text))
    return conditions


def _text_condition(text):
    like = f"%{text.lower()}%"
    plate = "".join(ch for ch in text.upper() if ch.isalnum())
    customers = select(Customer.id).where(func.lower(Customer.name).like(like))
    vehicles = select(Vehicle.id).where(Vehicle.plate.like(f"%{plate}%")) if plate else None
    matches = [func.lower(Booking.reference).like(like), Booking.customer_id.in_(customers)]
    if vehicles is not None:
        matches.append(Booking.vehicle_id.in_(vehicles))
    return or_(*matches)


def _local_conditions(filters, sites):
    """Per site, the UTC bounds of the local days asked for (today differs per zone)."""
    if filters.when is None and filters.date_from is None and filters.date_to is None:
        return None
    per_site = [and_(Booking.site_id == site.id, *_site_bounds(filters, site.timezone))
                for site in sites]
    return or_(*per_site) if per_site else false()


def _site_bounds(filters, zone):
    bounds = []
    if filters.when is not None:
        today_start, tomorrow_start = today_bounds(clock.now(), zone)
        if filters.when == When.PAST:
            bounds.append(Booking.ends_at <= today_start)
        elif filters.when == When.TODAY:
            bounds += [Booking.starts_at < tomorrow_start, Booking.ends_at > today_start]
        else:
            bounds.append(Booking.starts_at >= tomorrow_start)
    if filters.date_from is not None:
        bounds.append(Booking.starts_at >= day_bounds(filters.date_from, zone)[0])
    if filters.date_to is not None:
        bounds.append(Booking.starts_at < day_bounds(filters.date_to, zone)[1])
    return bounds
