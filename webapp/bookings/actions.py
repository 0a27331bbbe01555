"""What the booking pages and the API both do: one write transaction per change, then the
penalty process for a new booking once its row is committed."""
from processes.bookings import services
from processes.bookings.models import Booking
from processes.penalties import service as penalties

from ..extensions import db, get_engine


def book(tenant, actor, site_id, customer_id, vehicle_id, starts_at, ends_at, kind):
    """Create a booking and start its cancellation-penalty process; returns the booking id.

    Raises BookingRefused (per field), SiteFull, or penalties' CustomerBlocked; then nothing
    was written.
    """
    eng = get_engine()
    with eng.transaction() as session:
        booking = services.create_booking(session, tenant, site_id, customer_id, vehicle_id,
                                          starts_at, ends_at, kind=kind, actor=actor)
        booking_id = booking.id
    db.session.rollback()   # end the request's read snapshot, taken before the booking existed
    created = db.session.get(Booking, booking_id)
    penalties.on_booking_created(db.session, eng, created, actor)
    db.session.commit()
    return booking_id


def add_site(tenant, actor, **fields):
    """Create a site; returns its id."""
    with get_engine().transaction() as session:
        return services.create_site(session, tenant, actor=actor, **fields).id


def add_customer(tenant, actor, vehicles=(), **fields):
    """Create a customer with vehicles [{plate, country, description}] in one transaction.

    Returns (customer id, {vehicle index: plate warning}); a refused vehicle field is named
    vehicles[i].field (API) and nothing is created.
    """
    warnings = {}
    with get_engine().transaction() as session:
        customer = services.create_customer(session, tenant, actor=actor, **fields)
        for index, vehicle in enumerate(vehicles):
            _, warning = services.add_vehicle(
                session, tenant, customer, vehicle.get("plate"), vehicle.get("country"),
                vehicle.get("description"), actor=actor, field_prefix=f"vehicles[{index}].")
            if warning:
                warnings[index] = warning
        return customer.id, warnings


def add_vehicle(tenant, actor, customer_id, plate, country, description=None):
    """Register one more vehicle of a customer; returns the plate warning or None."""
    with get_engine().transaction() as session:
        customer = services.get_customer(session, tenant, customer_id)
        _, warning = services.add_vehicle(session, tenant, customer, plate, country,
                                          description, actor=actor)
        return warning
