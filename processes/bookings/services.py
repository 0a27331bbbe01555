"""Sites, customers, vehicles and bookings: create them by the rules, look them up per tenant.

Callers own the transaction: these functions flush, never commit. create_booking must run in
a write transaction (Engine.transaction()): it bumps the tenant's reference counter there.
Every creation is audited.
"""
import re
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from engine import audit, clock
from processes.languages import LANGUAGES

from . import defaults
from .errors import BookingRefused, SiteFull
from .localtime import NoSuchLocalTime, to_utc, zone_of
from .models import Booking, Customer, Site, Vehicle
from .occupancy import peak_occupancy
from .plates import PlateError, check_plate
from .references import reserve_references
from .status import OCCUPYING, BookingKind, BookingStatus

CODE_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
EMAIL_PATTERN = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
PHONE_PATTERN = re.compile(r"\+?[0-9 ()./-]{6,40}")


# -- sites ----------------------------------------------------------------------------------
def create_site(session, tenant, code, name, timezone, country, capacity, actor=None):
    """A new car park of the tenant; BookingRefused names every refused field."""
    code, name = (code or "").strip().upper(), (name or "").strip()
    country = (country or "").strip().upper()
    errors = {"code": _code_problem(session, tenant, code),
              "name": _text_problem(name, "Enter the site's name."),
              "timezone": _zone_problem(timezone), "country": _country_problem(country),
              "capacity": _capacity_problem(capacity)}
    _refuse(errors)
    site = Site(tenant=tenant, code=code, name=name, timezone=timezone, country=country,
                capacity=capacity)
    session.add(site)
    session.flush()
    audit.record(session, tenant, "site_created", actor=actor, site=site.id, code=code)
    return site


def list_sites(session, tenant):
    """The tenant's sites by name."""
    return list(session.scalars(select(Site).where(Site.tenant == tenant).order_by(Site.name)))


def get_site(session, tenant, site_id):
    """Site `site_id` of the tenant, or None (another tenant's site is None too)."""
    return _scoped(session, Site, tenant, site_id)


# -- customers and vehicles -----------------------------------------------------------------
def create_customer(session, tenant, name, email=None, phone=None, language="en",
                    actor=None):
    """A new customer of the tenant; BookingRefused names every refused field."""
    name, email, phone = (name or "").strip(), (email or "").strip() or None, \
        (phone or "").strip() or None
    language = language or "en"
    errors = {
        "name": _text_problem(name, "Enter the customer's name."),
        "email": None if email is None or (EMAIL_PATTERN.fullmatch(email) and len(email) <= 254)
        else "Enter an e-mail address such as ana@example.com.",
        "phone": None if phone is None or PHONE_PATTERN.fullmatch(phone)
        else "Enter a phone number with digits only, e.g. +32 2 555 01 23.",
        "language": None if language in LANGUAGES
        else f"Choose one of: {', '.join(LANGUAGES)}.",
    }
    _refuse(errors)
    customer = Customer(tenant=tenant, name=name, email=email, phone=phone, language=language,
                        created_at=clock.now())
    session.add(customer)
    session.flush()
    audit.record(session, tenant, "customer_created", actor=actor, customer=customer.id)
    return customer


def add_vehicle(session, tenant, customer, plate, country, description=None, actor=None,
                field_prefix=""):
    """Register a vehicle of `customer`: (Vehicle, warning or None).

    The plate is stored normalised; one of an unknown format is kept with a warning.
    """
    try:
        checked = check_plate(plate, country)
    except PlateError as error:
        field = "country" if "country" in str(error) else "plate"
        raise BookingRefused({f"{field_prefix}{field}": str(error)}) from error
    description = (description or "").strip() or None
    if description and len(description) > 120:
        raise BookingRefused({f"{field_prefix}description": "Keep the description under 120 "
                                                            "characters."})
    if any(v.plate == checked.plate and v.country == checked.country
           for v in customer.vehicles):
        raise BookingRefused({f"{field_prefix}plate": f"{customer.name} already has "
                                                      f"{checked.plate}."})
    vehicle = Vehicle(tenant=tenant, customer=customer, plate=checked.plate,
                      country=checked.country, description=description)
    session.add(vehicle)
    session.flush()
    audit.record(session, tenant, "vehicle_added", actor=actor, customer=customer.id,
                 vehicle=vehicle.id, plate=vehicle.plate)
    return vehicle, checked.warning


def get_customer(session, tenant, customer_id):
    """Customer `customer_id` of the tenant, or None."""
    return _scoped(session, Customer, tenant, customer_id)


def list_customers(session, tenant, text=None, page=1, size=defaults.PAGE_SIZE):
    """(customers by name, has_next), optionally matching `text` in name, e-mail or a plate."""
    query = select(Customer).where(Customer.tenant == tenant)
    text = (text or "").strip()
    if text:
        like = f"%{text.lower()}%"
        plates = select(Vehicle.customer_id).where(Vehicle.tenant == tenant,
                                                   Vehicle.plate.like(f"%{_plate_like(text)}%"))
        query = query.where(func.lower(Customer.name).like(like)
                            | func.lower(Customer.email).like(like)
                            | Customer.id.in_(plates))
    rows = list(session.scalars(query.order_by(Customer.name, Customer.id)
                                .offset((page - 1) * size).limit(size + 1)))
    return rows[:size], len(rows) > size


# -- bookings -------------------------------------------------------------------------------
def create_booking(session, tenant, site, customer, vehicle, starts_at, ends_at,
                   kind=BookingKind.BOOKING, actor=None):
    """Book a space at `site` for [starts_at, ends_at); returns the confirmed Booking.

    site, customer and vehicle are rows or ids (vehicle may be None). Refuses bad input per
    field (BookingRefused), a blocked customer (penalties' CustomerBlocked) and a full site
    (SiteFull); the reference is unique in the tenant even under concurrent creation.
    """
    site_row, customer_row, vehicle_row = _parties(session, tenant, site, customer, vehicle)
    _refuse({**_period_problems(starts_at, ends_at), "kind": _kind_problem(kind),
             "site_id": None if site_row else "Choose one of your sites.",
             "customer_id": None if customer_row else "Choose one of your customers.",
             "vehicle_id": _vehicle_problem(vehicle, vehicle_row, customer_row)})
    [reference] = reserve_references(session, tenant)   # from here on, one booker at a time
    from processes.penalties import service as penalties   # it imports bookings: no cycle
    penalties.check_not_blocked(session, tenant, customer_row.id, starts_at, ends_at,
                                site_row.timezone)
    _check_capacity(session, site_row, starts_at, ends_at)
    booking = record_booking(session, tenant, reference, site_row, customer_row, vehicle_row,
                             starts_at, ends_at, kind, actor)
    session.flush()
    audit.record(session, tenant, "booking_created", actor=actor, booking=booking.id,
                 reference=reference, booking_kind=str(kind), site=site_row.id,
                 customer=customer_row.id)
    return booking


def record_booking(session, tenant, reference, site, customer, vehicle, starts_at, ends_at,
                   kind=BookingKind.BOOKING, actor=None, status=BookingStatus.CONFIRMED,
                   created_at=None):
    """Add a booking row as given, checking nothing (create_booking checks; demo data)."""
    booking = Booking(tenant=tenant, reference=reference, kind=str(kind), site=site,
                      customer=customer, vehicle=vehicle, starts_at=starts_at, ends_at=ends_at,
                      status=str(status), created_at=created_at or clock.now(),
                      created_by=actor or "system")
    session.add(booking)
    return booking


def get_booking(session, tenant, booking_id):
    """Booking `booking_id` of the tenant, or None."""
    return _scoped(session, Booking, tenant, booking_id)


def peak_at_site(session, site, starts_at, ends_at):
    """Spaces taken at the site's busiest moment of [starts_at, ends_at)."""
    periods = session.execute(select(Booking.starts_at, Booking.ends_at).where(
        Booking.site_id == site.id, Booking.status.in_([str(s) for s in OCCUPYING]),
        Booking.starts_at < ends_at, Booking.ends_at > starts_at)).all()
    return peak_occupancy(periods, starts_at, ends_at)


def _check_capacity(session, site, starts_at, ends_at):
    if peak_at_site(session, site, starts_at, ends_at) >= site.capacity:
        zone = zone_of(site.timezone)
        raise SiteFull(f"{site.name} is full at some moment between "
                       f"{starts_at.astimezone(zone):%d %b %Y %H:%M} and "
                       f"{ends_at.astimezone(zone):%d %b %Y %H:%M} (all {site.capacity} "
                       "spaces are booked). Choose another period or site.")


def _parties(session, tenant, site, customer, vehicle):
    site_row = _scoped(session, Site, tenant, _id_of(site))
    customer_row = _scoped(session, Customer, tenant, _id_of(customer))
    vehicle_row = _scoped(session, Vehicle, tenant, _id_of(vehicle)) if vehicle else None
    return site_row, customer_row, vehicle_row


def _vehicle_problem(given, vehicle, customer):
    if not given:
        return None
    if vehicle is None:
        return "Choose one of your customers' vehicles."
    if customer is not None and vehicle.customer_id != customer.id:
        return f"{vehicle.plate} is not a vehicle of {customer.name}."
    return None


def _period_problems(starts_at, ends_at):
    problems = {}
    for field, moment in (("starts_at", starts_at), ("ends_at", ends_at)):
        if not isinstance(moment, datetime):
            problems[field] = "Enter a date and time."
        elif moment.tzinfo is None:
            problems[field] = "Give the time with its time zone (UTC or an offset)."
    if problems:
        return problems
    if ends_at <= starts_at:
        return {"ends_at": "The end must be after the start."}
    if ends_at - starts_at > defaults.MAX_BOOKING_LENGTH:
        return {"ends_at": f"A booking lasts at most {defaults.MAX_BOOKING_LENGTH.days} days."}
    if ends_at <= clock.now():
        return {"ends_at": "This period is over: a booking must end in the future."}
    return {}


def _kind_problem(kind):
    if kind in set(BookingKind):
        return None
    return f"Choose one of: {', '.join(BookingKind)}."


def _code_problem(session, tenant, code):
    if not code:
        return "Enter a short code such as BRU-C."
    if len(code) > defaults.MAX_CODE_CHARS or not CODE_PATTERN.fullmatch(code):
        return (f"Use up to {defaults.MAX_CODE_CHARS} letters, digits, dashes or "
                "underscores.")
    taken = session.scalar(select(Site.id).where(Site.tenant == tenant, Site.code == code))
    return f"Another site already has the code {code}." if taken else None


def _zone_problem(name):
    try:
        zone_of(name)
    except ValueError as error:
        return str(error)
    return None


def _country_problem(country):
    if re.fullmatch(r"[A-Z]{2}", country):
        return None
    return "Give the country as two letters, e.g. BE."


def _capacity_problem(capacity):
    if isinstance(capacity, int) and not isinstance(capacity, bool) \
            and 1 <= capacity <= defaults.MAX_CAPACITY:
        return None
    return f"Enter a number of spaces from 1 to {defaults.MAX_CAPACITY}."


def _text_problem(text, missing):
    if not text:
        return missing
    if len(text) > defaults.MAX_NAME_CHARS:
        return f"Keep it under {defaults.MAX_NAME_CHARS} characters."
    return None


def _refuse(errors):
    errors = {field: message for field, message in errors.items() if message}
    if errors:
        raise BookingRefused(errors)


def _id_of(row_or_id):
    return getattr(row_or_id, "id", row_or_id)


def _scoped(session, model, tenant, row_id):
    if not isinstance(row_id, int) or isinstance(row_id, bool):
        return None
    row = session.get(model, row_id)
    return row if row is not None and row.tenant == tenant else None


def _plate_like(text):
    return re.sub(r"[\s\-.·_/]+", "", text.upper())


def local_period(site, starts_wall, ends_wall):
    """(starts_at, ends_at) in UTC of wall times typed in the site's local time."""
    if site is None:
        raise BookingRefused({"site_id": "Choose one of your sites."})
    period, errors = [], {}
    for field, wall in (("starts_at", starts_wall), ("ends_at", ends_wall)):
        try:
            period.append(to_utc(wall, site.timezone) if wall else None)
        except NoSuchLocalTime as error:
            errors[field] = str(error)
        if not wall:
            errors[field] = "Enter a date and time."
    _refuse(errors)
    return tuple(period)


def all_customers(session, tenant):
    """Every customer of the tenant by name, with their vehicles loaded (for pickers)."""
    return list(session.scalars(select(Customer).where(Customer.tenant == tenant)
                                .options(selectinload(Customer.vehicles))
                                .order_by(Customer.name, Customer.id)))
