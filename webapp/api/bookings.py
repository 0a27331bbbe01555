"""Bookings API: sites, customers with vehicles, and bookings (thin: parse, call, answer)."""
from datetime import datetime

from flask import abort, jsonify, request, url_for

from engine import InvalidVariables
from processes.bookings import services
from processes.bookings.errors import BookingConflict
from processes.bookings.localtime import zone_of
from processes.bookings.plates import check_plate
from processes.bookings.queries import BookingFilter, list_bookings
from processes.bookings.status import BookingKind, BookingStatus, When
from processes.penalties.errors import CustomerBlocked

from ..bookings import actions
from ..extensions import db
from . import bp, defaults, openapi, schemas
from .auth import api_user, area
from .routes import json_body
from .serializers import iso

AREA = "bookings"


# -- routes ---------------------------------------------------------------------------------
@bp.post("/bookings")
@area(AREA)
def create_booking():
    """Book a space: 201 with the booking; 409 when the site is full or the customer blocked."""
    body = json_body(BOOKING_REQUEST)
    times = _times(body)
    user = api_user()
    try:
        booking_id = actions.book(user.tenant, user.username, body["site_id"],
                                  body["customer_id"], body.get("vehicle_id"), times["starts_at"],
                                  times["ends_at"], body.get("kind", BookingKind.BOOKING))
    except CustomerBlocked as blocked:
        return jsonify(error=str(blocked), blocked_until=iso(blocked.until)), 409
    except BookingConflict as conflict:
        return jsonify(error=str(conflict)), 409
    booking = services.get_booking(db.session, user.tenant, booking_id)
    return jsonify(booking_json(booking)), 201, {
        "Location": url_for(".show_booking", booking_id=booking_id)}


@bp.get("/bookings")
@area(AREA)
def list_booking_page():
    """One page of the tenant's bookings, filtered by site, customer, status and day."""
    filters, page = _booking_filter(request.args)
    found = list_bookings(db.session, api_user().tenant, filters, page)
    return jsonify(page=found.number, page_size=found.size,
                   next_page=found.number + 1 if found.has_next else None,
                   bookings=[booking_json(b) for b in found.bookings])


@bp.get("/bookings/<int:booking_id>")
@area(AREA)
def show_booking(booking_id):
    """One booking of the tenant."""
    return jsonify(booking_json(_found(services.get_booking(db.session, api_user().tenant,
                                                            booking_id))))


@bp.post("/sites")
@area(AREA)
def create_site():
    """Create a site (car park) of the tenant."""
    body = json_body(SITE_REQUEST)
    user = api_user()
    site_id = actions.add_site(user.tenant, user.username, **body)
    return jsonify(site_json(services.get_site(db.session, user.tenant, site_id))), 201


@bp.get("/sites")
@area(AREA)
def list_sites():
    """The tenant's sites."""
    return jsonify(sites=[site_json(s) for s in services.list_sites(db.session,
                                                                    api_user().tenant)])


@bp.post("/customers")
@area(AREA)
def create_customer():
    """Create a customer with vehicles; plates of an unknown format come back with a warning."""
    body = _customer_body()
    user = api_user()
    customer_id, _ = actions.add_customer(user.tenant, user.username, **body)
    customer = services.get_customer(db.session, user.tenant, customer_id)
    return jsonify(customer_json(customer)), 201, {
        "Location": url_for(".show_customer", customer_id=customer_id)}


@bp.get("/customers/<int:customer_id>")
@area(AREA)
def show_customer(customer_id):
    """One customer with their vehicles."""
    return jsonify(customer_json(_found(services.get_customer(db.session, api_user().tenant,
                                                              customer_id))))


# -- input ----------------------------------------------------------------------------------
def _found(row):
    if row is None:
        abort(404, description="No such object in your organisation.")
    return row


def _times(body):
    """starts_at and ends_at as aware datetimes; 422 per field when not ISO 8601 with a zone."""
    times, errors = {}, {}
    for field in ("starts_at", "ends_at"):
        try:
            moment = datetime.fromisoformat(body[field])
        except ValueError:
            errors[field] = "Give an ISO 8601 date and time, e.g. 2026-03-04T09:00:00Z."
            continue
        if moment.tzinfo is None:
            errors[field] = "Add the time zone: Z for UTC or an offset such as +01:00."
        times[field] = moment
    if errors:
        raise InvalidVariables(errors)
    return times


def _booking_filter(args):
    errors, values = {}, {}
    for name in ("site", "customer", "page"):
        raw = args.get(name)
        if raw is None:
            continue
        if raw.isascii() and raw.isdigit() and int(raw) >= 1:
            values[name] = int(raw)
        else:
            errors[name] = "Give a whole number from 1."
    for name, choices in (("status", BookingStatus), ("when", When), ("kind", BookingKind)):
        raw = args.get(name)
        if raw is not None and raw not in set(choices):
            errors[name] = f"Choose one of: {', '.join(choices)}."
    if values.get("page", 1) > defaults.MAX_PAGE:
        errors["page"] = f"Enter a page number from 1 to {defaults.MAX_PAGE}."
    if errors:
        raise InvalidVariables(errors)
    return BookingFilter(site_id=values.get("site"), customer_id=values.get("customer"),
                         status=args.get("status"), kind=args.get("kind"),
                         when=When(args["when"]) if args.get("when") else None,
                         text=args.get("q") or None), values.get("page", 1)


def _customer_body():
    """The customer fields checked by CUSTOMER_REQUEST; each vehicle by VEHICLE_REQUEST."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400, description="Send a JSON object as the body, with "
                               "Content-Type: application/json.")
    vehicles = body.get("vehicles", [])
    flat = {k: v for k, v in body.items() if k != "vehicles"}
    errors = {}
    try:
        schemas.check(flat, {**CUSTOMER_REQUEST, "properties": {
            k: v for k, v in CUSTOMER_REQUEST["properties"].items() if k != "vehicles"}})
    except InvalidVariables as refused:
        errors.update(refused.errors)
    if not isinstance(vehicles, list):
        errors["vehicles"] = "Must be a list of vehicles."
        vehicles = []
    for index, vehicle in enumerate(vehicles):
        try:
            schemas.check(vehicle if isinstance(vehicle, dict) else {}, VEHICLE_REQUEST)
        except InvalidVariables as refused:
            errors.update({f"vehicles[{index}].{k}": v for k, v in refused.errors.items()})
    if errors:
        raise InvalidVariables(errors)
    return {**flat, "vehicles": vehicles}


# -- output ---------------------------------------------------------------------------------
def site_json(site):
    """A site as the API shows it."""
    return {"id": site.id, "code": site.code, "name": site.name, "timezone": site.timezone,
            "country": site.country, "capacity": site.capacity}


def vehicle_json(vehicle):
    """A vehicle, with the plate check's warning when its format is not recognised."""
    return {"id": vehicle.id, "plate": vehicle.plate, "country": vehicle.country,
            "description": vehicle.description,
            "warning": check_plate(vehicle.plate, vehicle.country).warning}


def customer_json(customer):
    """A customer with their vehicles."""
    return {"id": customer.id, "name": customer.name, "email": customer.email,
            "phone": customer.phone, "language": customer.language,
            "created_at": iso(customer.created_at),
            "vehicles": [vehicle_json(v) for v in customer.vehicles]}


def booking_json(booking):
    """A booking with its site, customer and vehicle, times in UTC and at the site."""
    zone = booking.site.timezone
    return {
        "id": booking.id, "reference": booking.reference, "kind": booking.kind,
        "status": booking.status, "site": site_json(booking.site),
        "customer": {"id": booking.customer.id, "name": booking.customer.name},
        "vehicle": vehicle_json(booking.vehicle) if booking.vehicle else None,
        "starts_at": iso(booking.starts_at), "ends_at": iso(booking.ends_at),
        "local_starts_at": _local_iso(booking.starts_at, zone),
        "local_ends_at": _local_iso(booking.ends_at, zone),
        "created_at": iso(booking.created_at), "created_by": booking.created_by,
        "checked_in_at": iso(booking.checked_in_at), "cancelled_at": iso(booking.cancelled_at),
    }


def _local_iso(moment, zone):
    return moment.astimezone(zone_of(zone)).isoformat(timespec="seconds")


# -- schemas and documentation ---------------------------------------------------------------
def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


ID = {"type": "integer", "minimum": 1}
TEXT = {"type": "string"}
NULLABLE_TEXT = {"type": ["string", "null"]}
KINDS = [str(k) for k in BookingKind]
STATUSES = [str(s) for s in BookingStatus]

BOOKING_REQUEST = schemas._object(("site_id", "customer_id", "starts_at", "ends_at"), {
    "site_id": ID, "customer_id": ID,
    "vehicle_id": {"type": ["integer", "null"], "description": "One of the customer's vehicles."},
    "starts_at": {**schemas.TIMESTAMP, "minLength": 1,
                  "description": "ISO 8601 with Z or an offset (the site's rules use its zone)."},
    "ends_at": {**schemas.TIMESTAMP, "minLength": 1, "description": "After starts_at."},
    "kind": {"type": "string", "enum": KINDS, "default": "booking"},
}, additionalProperties=False)

SITE_REQUEST = schemas._object(("code", "name", "timezone", "country", "capacity"), {
    "code": {"type": "string", "minLength": 1, "maxLength": 32, "description": "e.g. BRU-C"},
    "name": {"type": "string", "minLength": 1, "maxLength": 200},
    "timezone": {"type": "string", "minLength": 1, "maxLength": 64,
                 "description": "IANA time zone, e.g. Europe/Brussels."},
    "country": {"type": "string", "minLength": 2, "maxLength": 2,
                "description": "ISO 3166-1 alpha-2; the default country of plates."},
    "capacity": {"type": "integer", "minimum": 1, "description": "Number of spaces."},
}, additionalProperties=False)

VEHICLE_REQUEST = schemas._object(("plate", "country"), {
    "plate": {"type": "string", "minLength": 1, "maxLength": 40,
              "description": "As written; stored normalised (upper case, no separators)."},
    "country": {"type": "string", "minLength": 2, "maxLength": 2},
    "description": {"type": ["string", "null"], "maxLength": 120},
}, additionalProperties=False)

CUSTOMER_REQUEST = schemas._object(("name",), {
    "name": {"type": "string", "minLength": 1, "maxLength": 200},
    "email": {"type": ["string", "null"], "maxLength": 254},
    "phone": {"type": ["string", "null"], "maxLength": 40},
    "language": {"type": "string", "minLength": 2, "maxLength": 8, "default": "en"},
    "vehicles": {"type": "array", "items": _ref("VehicleRequest")},
}, additionalProperties=False)

SITE = schemas._object(("id", "code", "name", "timezone", "country", "capacity"), {
    "id": ID, "code": TEXT, "name": TEXT, "timezone": TEXT, "country": TEXT,
    "capacity": {"type": "integer"}})
VEHICLE = schemas._object(("id", "plate", "country", "description", "warning"), {
    "id": ID, "plate": TEXT, "country": TEXT, "description": NULLABLE_TEXT,
    "warning": {**NULLABLE_TEXT, "description": "Set when the plate matches none of the "
                                                "country's known formats."}})
CUSTOMER = schemas._object(("id", "name", "email", "phone", "language", "created_at",
                            "vehicles"), {
    "id": ID, "name": TEXT, "email": NULLABLE_TEXT, "phone": NULLABLE_TEXT, "language": TEXT,
    "created_at": schemas.TIMESTAMP, "vehicles": {"type": "array", "items": _ref("Vehicle")}})
BOOKING = schemas._object(
    ("id", "reference", "kind", "status", "site", "customer", "vehicle", "starts_at",
     "ends_at", "local_starts_at", "local_ends_at", "created_at", "created_by",
     "checked_in_at", "cancelled_at"), {
        "id": ID, "reference": {"type": "string", "description": "e.g. BK-000042"},
        "kind": {"enum": KINDS}, "status": {"enum": STATUSES}, "site": _ref("Site"),
        "customer": schemas._object(("id", "name"), {"id": ID, "name": TEXT}),
        "vehicle": {"oneOf": [_ref("Vehicle"), {"type": "null"}]},
        "starts_at": schemas.TIMESTAMP, "ends_at": schemas.TIMESTAMP,
        "local_starts_at": {"type": "string", "format": "date-time",
                            "description": "The start at the site, with its UTC offset."},
        "local_ends_at": {"type": "string", "format": "date-time"},
        "created_at": schemas.TIMESTAMP, "created_by": TEXT,
        "checked_in_at": schemas.NULLABLE_TIMESTAMP, "cancelled_at": schemas.NULLABLE_TIMESTAMP,
    })
BOOKING_LIST = schemas._object(("page", "page_size", "next_page", "bookings"), {
    "page": {"type": "integer", "minimum": 1}, "page_size": {"type": "integer"},
    "next_page": {"type": ["integer", "null"]},
    "bookings": {"type": "array", "items": _ref("Booking")}})
SITE_LIST = schemas._object(("sites",), {"sites": {"type": "array", "items": _ref("Site")}})
BOOKING_REFUSED = schemas._object(("error",), {
    "error": TEXT,
    "blocked_until": {**schemas.TIMESTAMP, "description": "When the customer is blocked: "
                                                          "the end of the block."}})

COMPONENTS = {
    "BookingRequest": BOOKING_REQUEST, "SiteRequest": SITE_REQUEST,
    "VehicleRequest": VEHICLE_REQUEST, "CustomerRequest": CUSTOMER_REQUEST, "Site": SITE,
    "Vehicle": VEHICLE, "Customer": CUSTOMER, "Booking": BOOKING, "BookingList": BOOKING_LIST,
    "SiteList": SITE_LIST, "BookingConflict": BOOKING_REFUSED,
}

FOR_STAFF = "For back-office staff, supervisors and admins."


def _query(name, schema, description):
    return {"name": name, "in": "query", "schema": schema, "description": description}


def _path_id(name):
    return {"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}


def _ok(description, schema_name):
    return {"description": description, "content": openapi._content(schema_name)}


def _created(description, schema_name):
    return {**_ok(description, schema_name),
            "headers": {"Location": {"schema": {"type": "string"}}}}


LIST_PARAMS = [
    _query("site", {"type": "integer"}, "Only this site's bookings."),
    _query("customer", {"type": "integer"}, "Only this customer's bookings."),
    _query("status", {"enum": STATUSES}, "Only bookings in this status."),
    _query("kind", {"enum": KINDS}, "Only bookings or only pre-bookings."),
    _query("when", {"enum": [str(w) for w in When]},
           "By the site's local day: past (ended before today), today (overlaps today), "
           "future (starts tomorrow or later)."),
    _query("q", {"type": "string"}, "Text in the reference, customer name or plate."),
    openapi.PAGE,
]

PATHS = {
    "/bookings": {
        "post": openapi._op(
            "createBooking", "Book a space at a site",
            {"201": _created("The new, confirmed booking.", "Booking"), "400": "BadRequest",
             "403": "Forbidden", "422": "Invalid",
             "409": openapi._error("The site is full at some moment of the period, or the "
                                   "customer is blocked (then `blocked_until` says until "
                                   "when); nothing was booked.", "BookingConflict")},
            "bookings", body=openapi._content("BookingRequest"),
            description=FOR_STAFF + " The reference (BK-000001, ...) is unique in the "
                                    "organisation. A booking starts its cancellation-penalty "
                                    "process."),
        "get": openapi._op(
            "listBookings", "One page of bookings",
            {"200": _ok("The page; `next_page` is null on the last one.", "BookingList"),
             "403": "Forbidden", "422": "Invalid"},
            "bookings", params=LIST_PARAMS, description=FOR_STAFF),
    },
    "/bookings/{booking_id}": {
        "get": openapi._op("getBooking", "One booking",
                           {"200": _ok("The booking.", "Booking"), "403": "Forbidden",
                            "404": "NotFound"},
                           "bookings", params=[_path_id("booking_id")], description=FOR_STAFF),
    },
    "/sites": {
        "post": openapi._op("createSite", "Create a site (car park)",
                            {"201": _ok("The new site.", "Site"), "400": "BadRequest",
                             "403": "Forbidden", "422": "Invalid"},
                            "bookings", body=openapi._content("SiteRequest"),
                            description=FOR_STAFF),
        "get": openapi._op("listSites", "The organisation's sites",
                           {"200": _ok("Every site, by name.", "SiteList"),
                            "403": "Forbidden"}, "bookings", description=FOR_STAFF),
    },
    "/customers": {
        "post": openapi._op(
            "createCustomer", "Create a customer with vehicles",
            {"201": _created("The new customer; a vehicle whose plate matches no known "
                             "format of its country carries a `warning`.", "Customer"),
             "400": "BadRequest", "403": "Forbidden", "422": "Invalid"},
            "bookings", body=openapi._content("CustomerRequest"),
            description=FOR_STAFF + " Refused vehicle fields are named vehicles[i].field."),
    },
    "/customers/{customer_id}": {
        "get": openapi._op("getCustomer", "One customer with their vehicles",
                           {"200": _ok("The customer.", "Customer"), "403": "Forbidden",
                            "404": "NotFound"},
                           "bookings", params=[_path_id("customer_id")], description=FOR_STAFF),
    },
}

openapi.extend(PATHS, COMPONENTS, tags=["bookings"])
