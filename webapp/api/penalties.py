"""Penalties API: cancel and check in bookings, a customer's infractions, contests, settings."""
from flask import jsonify, request

from engine import InvalidVariables, NotFound, clock
from processes.bookings.models import Customer
from processes.penalties import contest, service, settings
from processes.penalties.infractions import blocks_in_force, counting_minor_count
from processes.penalties.notices import PLACEHOLDERS
from processes.penalties.rules import blocked_until
from processes.penalties.status import InfractionCause, InfractionKind, InfractionStatus

from ..extensions import db, get_engine
from . import bp, openapi, schemas
from .auth import api_user, area, writing
from .routes import json_body
from .serializers import iso

AREA = "penalties"
BY_CHOICES = ("customer", "staff")


# -- routes ---------------------------------------------------------------------------------
@bp.post("/bookings/<int:booking_id>/cancel")
@area(AREA)
def cancel_booking(booking_id):
    """Cancel at the customer's request (penalty rules) or as staff (never penalised)."""
    body = json_body(CANCEL_REQUEST) if request.content_length else {}
    by = body.get("by", "customer")
    note = (body.get("note") or "").strip() or None
    errors = {}
    if by not in BY_CHOICES:
        errors["by"] = "Choose customer or staff."
    elif by == "staff" and note is None:
        errors["note"] = "Say why staff cancel this booking (it is never penalised)."
    if errors:
        raise InvalidVariables(errors)
    user = api_user()
    outcome = service.cancel_booking(get_engine(), user.tenant, booking_id, user.username,
                                     by_staff=by == "staff", note=note)
    return jsonify(outcome_json(outcome))


@bp.post("/bookings/<int:booking_id>/check-in")
@area(AREA)
def check_in_booking(booking_id):
    """Check a booking in before start + grace; 409 with the reason otherwise."""
    user = api_user()
    service.check_in_booking(get_engine(), user.tenant, booking_id, user.username)
    booking = service.get_booking(db.session, user.tenant, booking_id)
    return jsonify(booking_id=booking.id, reference=booking.reference, status=booking.status,
                   checked_in_at=iso(booking.checked_in_at))


@bp.get("/users/<int:customer_id>/infractions")
@area(AREA)
def list_infractions(customer_id):
    """A customer's infractions (newest first), counting minors and the block in force."""
    tenant = api_user().tenant
    customer = db.session.get(Customer, customer_id)
    if customer is None or customer.tenant != tenant:
        raise NotFound(f"customer {customer_id} not found")
    return jsonify(customer_infractions_json(db.session, tenant, customer))


@bp.post("/infractions/<int:infraction_id>/contest")
@area(AREA)
def contest_infraction(infraction_id):
    """Contest an infraction for the customer: a back-office review task opens."""
    body = json_body(CONTEST_REQUEST)
    user = api_user()
    contest.contest_infraction(get_engine(), user.tenant, infraction_id, user.username,
                               body["reason"])
    return jsonify(infraction_json(contest.get_infraction(db.session, user.tenant,
                                                          infraction_id))), 202


@bp.get("/settings/penalties")
@area("penalty_settings")
def show_penalty_settings():
    """The organisation's penalty settings (defaults until an admin saves them)."""
    return jsonify(settings_json(settings.load(db.session, api_user().tenant)))


@bp.put("/settings/penalties")
@area("penalty_settings")
def update_penalty_settings():
    """Change penalty settings; fields left out keep their value, a refused one changes none."""
    body = json_body(SETTINGS_REQUEST)
    user = api_user()
    with writing() as session:
        saved = settings_json(settings.update(session, user.tenant, body, user.username))
    return jsonify(saved)


# -- output ---------------------------------------------------------------------------------
def outcome_json(outcome):
    """What a cancellation did."""
    infraction = None
    if outcome.infraction_id is not None:
        infraction = {"id": outcome.infraction_id, "kind": outcome.infraction_kind,
                      "escalated": outcome.escalated}
    return {"booking_id": outcome.booking_id, "reference": outcome.reference,
            "status": outcome.status, "by_staff": outcome.by_staff, "reason": outcome.reason,
            "infraction": infraction, "blocked_until": iso(outcome.blocked_until),
            "deleted_bookings": list(outcome.deleted_references)}


def infraction_json(infraction):
    """One infraction as the API shows it."""
    return {"id": infraction.id, "type": infraction.kind, "cause": infraction.cause,
            "status": infraction.status, "escalated": infraction.escalated,
            "reason": infraction.reason, "created": iso(infraction.created_at),
            "created_by": infraction.created_by,
            "booking": {"id": infraction.booking_id,
                        "reference": infraction.booking.reference},
            "contest_reason": infraction.contest_reason,
            "contested_at": iso(infraction.contested_at),
            "decided_at": iso(infraction.decided_at), "decided_by": infraction.decided_by}


def customer_infractions_json(session, tenant, customer):
    """A customer's infractions with the count that escalates and the block in force."""
    now = clock.now()
    until = blocked_until(blocks_in_force(session, tenant, customer.id, now), now, now, now)
    return {"customer_id": customer.id, "customer_name": customer.name,
            "counting_minor_infractions": counting_minor_count(session, tenant, customer.id),
            "blocked_until": iso(until),
            "infractions": [infraction_json(i) for i in
                            contest.list_infractions(session, tenant, customer.id)]}


def settings_json(row):
    """Settings as plain values, times 'HH:MM' in the sites' local time."""
    return settings.as_dict(row)


# -- schemas and documentation ---------------------------------------------------------------
def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


NULLABLE_TIMESTAMP = schemas.NULLABLE_TIMESTAMP
TEXT = {"type": "string"}
HHMM = {"type": "string", "pattern": "^[0-2]?[0-9]:[0-5][0-9]$",
        "description": "Time of day HH:MM in each site's local time zone."}
PLACEHOLDER_HELP = "Placeholders: " + ", ".join(f"{{{p}}} ({d})" for p, d in PLACEHOLDERS.items())

CANCEL_REQUEST = schemas._object((), {
    "by": {"type": "string", "enum": list(BY_CHOICES), "default": "customer",
           "description": "customer: the customer's own cancellation, penalty rules apply; "
                          "staff: cancelled on the operator's behalf, never penalised."},
    "note": {"type": ["string", "null"], "maxLength": 1000,
             "description": "Why; required when by = staff."},
}, additionalProperties=False)

CONTEST_REQUEST = schemas._object(("reason",), {
    "reason": {"type": "string", "minLength": 1, "maxLength": 1000,
               "description": "Why the customer contests the infraction."},
}, additionalProperties=False)

SETTINGS_FIELDS = {
    "cancel_limit_hours": {"type": "integer", "minimum": 0,
                           "description": "Cancelling closes this many hours before the start."},
    "free_window_start": {**HHMM, "description": "Start of the no-infraction cancellation "
                                                 "window (site time, included)."},
    "free_window_end": {**HHMM, "description": "End of the window (site time, excluded); "
                                               "before the start it runs over midnight."},
    "max_minor_infractions": {"type": "integer", "minimum": 0,
                              "description": "Minor infractions a customer may hold; the next "
                                             "one is major."},
    "check_in_grace_minutes": {"type": "integer", "minimum": 0,
                               "description": "No check-in by start + grace is a no-show "
                                              "(major)."},
    "block_days": {"type": "integer", "minimum": 1,
                   "description": "A major infraction blocks bookings for this many days."},
    "minor_subject": {**TEXT, "description": PLACEHOLDER_HELP},
    "minor_body": {**TEXT, "description": PLACEHOLDER_HELP},
    "major_subject": {**TEXT, "description": PLACEHOLDER_HELP},
    "major_body": {**TEXT, "description": PLACEHOLDER_HELP},
}
SETTINGS = schemas._object(tuple(SETTINGS_FIELDS), SETTINGS_FIELDS)
SETTINGS_REQUEST = schemas._object((), SETTINGS_FIELDS, additionalProperties=False)

INFRACTION = schemas._object(
    ("id", "type", "cause", "status", "reason", "created", "booking"), {
        "id": {"type": "integer"},
        "type": {"enum": [str(k) for k in InfractionKind],
                 "description": "minor (first degree) or major (second degree)."},
        "cause": {"enum": [str(c) for c in InfractionCause]},
        "status": {"enum": [str(s) for s in InfractionStatus],
                   "description": "A cancelled infraction no longer counts."},
        "escalated": {"type": "boolean",
                      "description": "A minor infraction made major (too many minors)."},
        "reason": TEXT, "created": schemas.TIMESTAMP, "created_by": TEXT,
        "booking": schemas._object(("id", "reference"), {"id": {"type": "integer"},
                                                         "reference": TEXT}),
        "contest_reason": {"type": ["string", "null"]}, "contested_at": NULLABLE_TIMESTAMP,
        "decided_at": NULLABLE_TIMESTAMP, "decided_by": {"type": ["string", "null"]},
    })

CUSTOMER_INFRACTIONS = schemas._object(
    ("customer_id", "counting_minor_infractions", "blocked_until", "infractions"), {
        "customer_id": {"type": "integer"}, "customer_name": TEXT,
        "counting_minor_infractions": {"type": "integer",
                                       "description": "Minors counting towards escalation."},
        "blocked_until": {**NULLABLE_TIMESTAMP, "description": "End of the block in force."},
        "infractions": {"type": "array", "items": _ref("Infraction")},
    })

CANCELLATION = schemas._object(
    ("booking_id", "reference", "status", "by_staff", "reason", "infraction", "blocked_until",
     "deleted_bookings"), {
        "booking_id": {"type": "integer"}, "reference": TEXT, "status": TEXT,
        "by_staff": {"type": "boolean"}, "reason": TEXT,
        "infraction": {"oneOf": [{"type": "null"}, schemas._object(
            ("id", "kind", "escalated"), {"id": {"type": "integer"},
                                          "kind": {"enum": ["minor", "major"]},
                                          "escalated": {"type": "boolean"}})]},
        "blocked_until": NULLABLE_TIMESTAMP,
        "deleted_bookings": {"type": "array", "items": TEXT,
                             "description": "References of bookings the block deleted."},
    })

CHECK_IN = schemas._object(("booking_id", "reference", "status", "checked_in_at"), {
    "booking_id": {"type": "integer"}, "reference": TEXT, "status": {"const": "checked_in"},
    "checked_in_at": schemas.TIMESTAMP,
})

BOOKING_ID = {"name": "booking_id", "in": "path", "required": True,
              "schema": {"type": "integer"}}
CUSTOMER_ID = {"name": "customer_id", "in": "path", "required": True,
               "schema": {"type": "integer"}, "description": "The customer's id."}
INFRACTION_ID = {"name": "infraction_id", "in": "path", "required": True,
                 "schema": {"type": "integer"}}
REFUSED = openapi._error("Refused with the reason in `error` (too late, already cancelled or "
                         "checked in, contest period over...); nothing was changed.")
STAFF = "For back-office, supervisors and admins."

openapi.extend({
    "/bookings/{booking_id}/cancel": {"post": openapi._op(
        "cancelBooking", "Cancel a booking",
        {"200": openapi._ok("What the cancellation did, with the infraction it cost.",
                            "Cancellation"),
         "400": "BadRequest", "403": "Forbidden", "404": "NotFound", "409": REFUSED,
         "422": "Invalid"},
        "penalties", body=openapi._content("CancelRequest"), params=[BOOKING_ID],
        description=f"{STAFF} Inside the no-infraction window: free; outside it but before the "
                    "limit: a minor infraction (major once the customer holds the maximum), "
                    "e-mailed; after the limit: 409. `by: staff` is never penalised.")},
    "/bookings/{booking_id}/check-in": {"post": openapi._op(
        "checkInBooking", "Check a booking in",
        {"200": openapi._ok("Checked in.", "CheckIn"), "403": "Forbidden",
         "404": "NotFound", "409": REFUSED},
        "penalties", params=[BOOKING_ID],
        description=f"{STAFF} Open from 2 h before the start until start + grace (excluded).")},
    "/users/{customer_id}/infractions": {"get": openapi._op(
        "listInfractions", "A customer's infractions",
        {"200": openapi._ok("Newest first.", "CustomerInfractions"), "403": "Forbidden",
         "404": "NotFound"},
        "penalties", params=[CUSTOMER_ID],
        description=f"{STAFF} Users here are the operator's customers.")},
    "/infractions/{infraction_id}/contest": {"post": openapi._op(
        "contestInfraction", "Contest an infraction",
        {"202": openapi._ok("Contested: a back-office review task is open.", "Infraction"),
         "400": "BadRequest", "403": "Forbidden", "404": "NotFound", "409": REFUSED,
         "422": "Invalid"},
        "penalties", body=openapi._content("ContestRequest"), params=[INFRACTION_ID],
        description=f"{STAFF} A reviewer who cannot decide hands it to a supervisor.")},
    "/settings/penalties": {
        "get": openapi._op("getPenaltySettings", "Penalty settings",
                           {"200": openapi._ok("The settings.", "PenaltySettings"),
                            "403": "Forbidden"}, "penalties", description="For admins."),
        "put": openapi._op("updatePenaltySettings", "Change penalty settings",
                           {"200": openapi._ok("The saved settings.", "PenaltySettings"),
                            "400": "BadRequest", "403": "Forbidden", "422": "Invalid"},
                           "penalties", body=openapi._content("PenaltySettingsUpdate"),
                           description="For admins. Fields left out keep their value."),
    },
}, {
    "CancelRequest": CANCEL_REQUEST, "Cancellation": CANCELLATION, "CheckIn": CHECK_IN,
    "Infraction": INFRACTION, "CustomerInfractions": CUSTOMER_INFRACTIONS,
    "ContestRequest": CONTEST_REQUEST, "PenaltySettings": SETTINGS,
    "PenaltySettingsUpdate": SETTINGS_REQUEST,
}, tags=["penalties"])
