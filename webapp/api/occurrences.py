"""Occurrences API: report, list, read, change and comment on occurrences; their types and
statuses (thin: parse, call one service, answer JSON)."""
from flask import jsonify, request, url_for

from engine import clock
from processes.occurrences import fields as occurrence_fields
from processes.occurrences import listing, rules, services

from ..extensions import get_engine
from . import bp, openapi
from .auth import api_user, area
from .routes import json_body
from .serializers import iso

AREA = "occurrences"


# -- routes ---------------------------------------------------------------------------------
@bp.post("/occurrences")
@area(AREA)
def create_occurrence():
    """Report an occurrence: 201 with its id and OCC reference; its lifecycle starts."""
    body = json_body(REPORT_REQUEST)
    occurrence = services.report(get_engine(), api_user(), body)
    return jsonify(occurrence_json(occurrence, clock.now())), 201, {
        "Location": url_for(".show_occurrence", occurrence_id=occurrence.id)}


@bp.get("/occurrences")
@area(AREA)
def list_occurrences():
    """One page of the tenant's occurrences across all bookings, filtered and sorted."""
    filters = listing.parse_filters(request.args)
    now = clock.now()
    found = services.find(get_engine(), api_user(), filters, now)
    _kinds, statuses = services.choices(get_engine(), api_user().tenant)
    return jsonify(
        page=found.page, pages=found.pages, total=found.total,
        counts=[{"status_id": s.id, "status": s.name, "count": found.counts.get(s.id, 0)}
                for s in statuses],
        occurrences=[occurrence_json(o, now) for o in found.rows])


@bp.get("/occurrences/<int:occurrence_id>")
@area(AREA)
def show_occurrence(occurrence_id):
    """One occurrence with its comments and activity log."""
    now = clock.now()
    page = services.page(get_engine(), api_user(), occurrence_id, now)
    return jsonify(detail_json(page, now))


@bp.patch("/occurrences/<int:occurrence_id>")
@area(AREA)
def change_occurrence(occurrence_id):
    """Change fields, status or assignee; 409 while ended, reopening needs role and reason."""
    body = json_body(CHANGE_REQUEST)
    services.change(get_engine(), api_user(), occurrence_id, body)
    now = clock.now()
    return jsonify(detail_json(services.page(get_engine(), api_user(), occurrence_id, now), now))


@bp.post("/occurrences/<int:occurrence_id>/comments")
@area(AREA)
def comment_occurrence(occurrence_id):
    """Add a comment to an occurrence."""
    body = json_body(COMMENT_REQUEST)
    row = services.comment(get_engine(), api_user(), occurrence_id, body["body"])
    return jsonify(comment_json(row)), 201


@bp.get("/occurrence-types")
@area(AREA)
def list_occurrence_types():
    """The tenant's active occurrence types with their fields, and its statuses."""
    kinds, statuses = services.choices(get_engine(), api_user().tenant)
    return jsonify(types=[type_json(k) for k in kinds],
                   statuses=[status_json(s) for s in statuses])


# -- serializers ----------------------------------------------------------------------------
def status_json(status):
    """A status as the API shows it."""
    return {"id": status.id, "name": status.name, "colour": status.colour,
            "ended": status.ended}


def type_json(kind):
    """A type with its custom fields."""
    return {"id": kind.id, "name": kind.name, "sla_hours": kind.sla_hours,
            "fields": [{"key": f.key, "label": f.label, "kind": f.kind,
                        "options": list(f.options or []), "required": f.required}
                       for f in kind.fields]}


def occurrence_json(occurrence, now):
    """An occurrence as lists and the detail show it."""
    booking = occurrence.booking
    return {
        "id": occurrence.id, "reference": occurrence.reference,
        "type": {"id": occurrence.type.id, "name": occurrence.type.name},
        "status": status_json(occurrence.status),
        "site": {"id": occurrence.site.id, "name": occurrence.site.name},
        "booking": ({"id": booking.id, "reference": booking.reference}
                    if booking is not None else None),
        "description": occurrence.description, "values": dict(occurrence.values or {}),
        "assignee": occurrence.assignee, "created_by": occurrence.created_by,
        "created_at": iso(occurrence.created_at), "deadline_at": iso(occurrence.deadline_at),
        "overdue": rules.is_overdue(occurrence.deadline_at, occurrence.status.ended, now),
        "read_only": rules.is_read_only(occurrence.status),
        "instance_id": occurrence.instance_id,
    }


def comment_json(row):
    """A comment."""
    return {"id": row.id, "author": row.author, "body": row.body,
            "created_at": iso(row.created_at)}


def detail_json(page, now):
    """An occurrence with its comments, attachments and activity log."""
    return {
        **occurrence_json(page.occurrence, now),
        "comments": [comment_json(c) for c in page.comments],
        "attachments": [{"id": a.id, "filename": a.filename, "content_type": a.content_type,
                         "size": a.size, "comment_id": a.comment_id,
                         "uploaded_by": a.uploaded_by, "created_at": iso(a.created_at)}
                        for a in page.attachments],
        "activity": [{"kind": a.kind, "actor": a.actor, "field": a.field, "old": a.old,
                      "new": a.new, "note": a.note, "at": iso(a.at)} for a in page.activity],
    }


# -- schemas --------------------------------------------------------------------------------
def _obj(required, properties, **extra):
    return {"type": "object", "required": list(required), "properties": properties, **extra}


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


STRING = {"type": "string"}
NULLABLE_ID = {"type": ["integer", "null"]}
TIMESTAMP = {"type": "string", "format": "date-time"}
VALUES = {"type": "object", "additionalProperties": True,
          "description": "Custom field values by field key: text, number, date (YYYY-MM-DD), "
                         "boolean, an option, or a list of options for a multiselect."}

REPORT_REQUEST = _obj(("type_id", "description"), {
    "type_id": {"type": "integer"},
    "description": {"type": "string", "minLength": 1, "maxLength": 5000},
    "values": VALUES,
    "site_id": {**NULLABLE_ID, "description": "Needed when no booking is given."},
    "booking_id": {**NULLABLE_ID, "description": "The occurrence's booking; its site is used."},
}, additionalProperties=False)

CHANGE_REQUEST = _obj((), {
    "description": {"type": "string", "minLength": 1, "maxLength": 5000},
    "values": {**VALUES, "description": "Only the fields to change."},
    "status_id": {"type": "integer"},
    "assignee": {"type": ["string", "null"], "maxLength": 64,
                 "description": "User name of a staff member; null unassigns."},
    "reason": {"type": ["string", "null"], "maxLength": 1000,
               "description": "Why: required when reopening (an ended status back to an "
                              "open one; supervisors and admins only)."},
}, additionalProperties=False)

COMMENT_REQUEST = _obj(("body",), {"body": {"type": "string", "minLength": 1,
                                            "maxLength": 5000}}, additionalProperties=False)

STATUS = _obj(("id", "name", "colour", "ended"), {
    "id": {"type": "integer"}, "name": STRING, "colour": STRING, "ended": {"type": "boolean"}})

FIELD = _obj(("key", "label", "kind", "options", "required"), {
    "key": STRING, "label": STRING, "kind": {"enum": list(occurrence_fields.KINDS)},
    "options": {"type": "array", "items": STRING}, "required": {"type": "boolean"}})

OCCURRENCE_TYPE = _obj(("id", "name", "sla_hours", "fields"), {
    "id": {"type": "integer"}, "name": STRING, "sla_hours": {"type": "integer"},
    "fields": {"type": "array", "items": _ref("OccurrenceField")}})

OCCURRENCE = _obj(
    ("id", "reference", "type", "status", "site", "booking", "description", "values",
     "assignee", "created_by", "created_at", "deadline_at", "overdue", "read_only"), {
        "id": {"type": "integer"}, "reference": {"type": "string", "description": "OCC-0042"},
        "type": _obj(("id", "name"), {"id": {"type": "integer"}, "name": STRING}),
        "status": _ref("OccurrenceStatus"),
        "site": _obj(("id", "name"), {"id": {"type": "integer"}, "name": STRING}),
        "booking": {"type": ["object", "null"], "properties": {
            "id": {"type": "integer"}, "reference": STRING}},
        "description": STRING, "values": VALUES, "assignee": {"type": ["string", "null"]},
        "created_by": STRING, "created_at": TIMESTAMP, "deadline_at": TIMESTAMP,
        "overdue": {"type": "boolean", "description": "Past its deadline and not ended."},
        "read_only": {"type": "boolean", "description": "In an ended status."},
        "instance_id": NULLABLE_ID,
    })

COMMENT = _obj(("id", "author", "body", "created_at"), {
    "id": {"type": "integer"}, "author": STRING, "body": STRING, "created_at": TIMESTAMP})

OCCURRENCE_DETAIL = {"allOf": [_ref("Occurrence"), _obj(("comments", "attachments", "activity"), {
    "comments": {"type": "array", "items": _ref("OccurrenceComment")},
    "attachments": {"type": "array", "items": {"type": "object"}},
    "activity": {"type": "array", "items": _obj(("kind", "actor", "at"), {
        "kind": STRING, "actor": STRING, "field": {"type": ["string", "null"]},
        "old": {"type": ["string", "null"]}, "new": {"type": ["string", "null"]},
        "note": {"type": ["string", "null"]}, "at": TIMESTAMP})},
})]}

OCCURRENCE_LIST = _obj(("page", "pages", "total", "counts", "occurrences"), {
    "page": {"type": "integer"}, "pages": {"type": "integer"}, "total": {"type": "integer"},
    "counts": {"type": "array", "description": "How many occurrences the filters (but the "
                                               "status one) find per status.",
               "items": _obj(("status_id", "status", "count"), {
                   "status_id": {"type": "integer"}, "status": STRING,
                   "count": {"type": "integer"}})},
    "occurrences": {"type": "array", "items": _ref("Occurrence")},
})

OCCURRENCE_TYPES = _obj(("types", "statuses"), {
    "types": {"type": "array", "items": _ref("OccurrenceType")},
    "statuses": {"type": "array", "items": _ref("OccurrenceStatus")}})

COMPONENTS = {
    "OccurrenceReport": REPORT_REQUEST, "OccurrenceChange": CHANGE_REQUEST,
    "OccurrenceCommentRequest": COMMENT_REQUEST, "OccurrenceStatus": STATUS,
    "OccurrenceField": FIELD, "OccurrenceType": OCCURRENCE_TYPE, "Occurrence": OCCURRENCE,
    "OccurrenceComment": COMMENT, "OccurrenceDetail": OCCURRENCE_DETAIL,
    "OccurrenceList": OCCURRENCE_LIST, "OccurrenceTypes": OCCURRENCE_TYPES,
}


# -- OpenAPI --------------------------------------------------------------------------------
def _json(name):
    return {"application/json": {"schema": _ref(name)}}


def _ok(description, name):
    return {"description": description, "content": _json(name)}


OCCURRENCE_ID = {"name": "occurrence_id", "in": "path", "required": True,
                 "schema": {"type": "integer"}}
LIST_PARAMS = [
    {"name": name, "in": "query", "schema": schema, "description": text}
    for name, schema, text in (
        ("type_id", {"type": "integer"}, "Only this type."),
        ("status_id", {"type": "integer"}, "Only this status."),
        ("site_id", {"type": "integer"}, "Only this site."),
        ("booking_id", {"type": "integer"}, "Only this booking."),
        ("assignee", {"type": "string"}, "Only those assigned to this user name."),
        ("overdue", {"type": "boolean"}, "true: past the deadline and not ended; false: not."),
        ("created_from", {"type": "string", "format": "date"},
         "Created on or after this day (the organisation's time zone)."),
        ("created_to", {"type": "string", "format": "date"}, "Created on or before this day."),
        ("sort", {"enum": list(listing.SORTS)}, "Order (default newest)."),
        ("page", {"type": "integer", "minimum": 1}, "Page number (default 1)."))]
STAFF = "For back office, supervisors and admins."

PATHS = {
    "/occurrences": {
        "post": openapi._op(
            "reportOccurrence", "Report an occurrence on a booking or a site",
            {"201": {**_ok("Reported; its lifecycle process started.", "Occurrence"),
                     "headers": {"Location": {"schema": {"type": "string"}}}},
             "400": "BadRequest", "403": "Forbidden", "422": "Invalid"},
            "occurrences", body=_json("OccurrenceReport"),
            description=STAFF + " `values` must hold exactly the type's fields; each is "
                                "checked by its kind."),
        "get": openapi._op(
            "listOccurrences", "The occurrences across all bookings, filtered, with counts",
            {"200": _ok("One page.", "OccurrenceList"), "403": "Forbidden", "422": "Invalid"},
            "occurrences", params=LIST_PARAMS, description=STAFF),
    },
    "/occurrences/{occurrence_id}": {
        "get": openapi._op(
            "getOccurrence", "An occurrence with its comments, attachments and activity",
            {"200": _ok("The occurrence.", "OccurrenceDetail"), "403": "Forbidden",
             "404": "NotFound"}, "occurrences", params=[OCCURRENCE_ID], description=STAFF),
        "patch": openapi._op(
            "changeOccurrence", "Change an occurrence's fields, status or assignee",
            {"200": _ok("The occurrence after the change.", "OccurrenceDetail"),
             "400": "BadRequest",
             "403": {"description": "Reopening is for supervisors and admins.",
                     "content": _json("Error")},
             "404": "NotFound",
             "409": {"description": "The occurrence is in an ended status: its fields are "
                                    "read-only until it is reopened.",
                     "content": _json("Error")},
             "422": "Invalid"},
            "occurrences", body=_json("OccurrenceChange"), params=[OCCURRENCE_ID],
            description=STAFF + " Setting an ended status ends the lifecycle process; "
                                "reopening starts a new one."),
    },
    "/occurrences/{occurrence_id}/comments": {
        "post": openapi._op(
            "commentOccurrence", "Comment on an occurrence",
            {"201": _ok("The comment.", "OccurrenceComment"), "400": "BadRequest",
             "403": "Forbidden", "404": "NotFound", "422": "Invalid"},
            "occurrences", body=_json("OccurrenceCommentRequest"), params=[OCCURRENCE_ID],
            description=STAFF),
    },
    "/occurrence-types": {
        "get": openapi._op(
            "listOccurrenceTypes", "The organisation's occurrence types and statuses",
            {"200": _ok("Types with their fields, and the statuses.", "OccurrenceTypes"),
             "403": "Forbidden"}, "occurrences", description=STAFF),
    },
}

openapi.extend(PATHS, COMPONENTS, tags=["occurrences"])
