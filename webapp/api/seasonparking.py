"""Season-parker API: applications (start the onboarding) and contracts (thin views)."""
from flask import jsonify, url_for

from processes.seasonparking import contracts as contract_service
from processes.seasonparking import defaults as season_defaults
from processes.seasonparking.applications import ApplicationRequest, get_application
from processes.access import LocalAccessControl
from processes.seasonparking.errors import InvalidInput
from processes.seasonparking.onboarding import apply
from processes.seasonparking.paid import access_until, last_paid_day
from processes.seasonparking.rules import revocation_day
from processes.seasonparking.status import ApplicationStatus, ContractStatus

from ..extensions import db, get_engine
from ..seasonparking.common import provider, writing
from . import bp, openapi, schemas
from .auth import api_user, area
from .routes import json_body

AREA = "seasonparking"


@bp.post("/season-applications")
@area(AREA)
def create_season_application():
    """Store an application and start its onboarding: 201 with the application."""
    body = json_body(FLAT_REQUEST)
    _unknown(body)
    user = api_user()
    request = ApplicationRequest(
        site_id=body.get("site_id"), product_id=body["product_id"], name=body["name"],
        email=body["email"], phone=body.get("phone"), language=body.get("language") or "en",
        vehicles=_vehicles(body.get("vehicles")), starts_on=body["starts_on"],
        term_months=body.get("term_months", 0), discount_percent=body.get("discount_percent", 0),
        notes=body.get("notes"), payment=_payment(body.get("payment")))
    if request.site_id is None:
        request.site_id = _site_of_product(user.tenant, body["product_id"])
    with writing() as session:
        application_id, _number = apply(get_engine(), session, provider(), user.tenant,
                                        request, "api", user.username)
    db.session.rollback()       # end the earlier read: see the committed application
    found = get_application(db.session, user.tenant, application_id)
    return jsonify(application_json(found)), 201, {
        "Location": url_for(".show_season_application", application_id=application_id)}


@bp.get("/season-applications/<int:application_id>")
@area(AREA)
def show_season_application(application_id):
    """One application of the tenant, with where its onboarding stands."""
    return jsonify(application_json(get_application(db.session, api_user().tenant,
                                                    application_id)))


@bp.get("/contracts/<int:contract_id>")
@area(AREA)
def show_contract(contract_id):
    """One contract of the tenant, with its vehicles, paid-up day and access credentials."""
    contract = contract_service.get_contract(db.session, api_user().tenant, contract_id)
    return jsonify(contract_json(contract))


# -- JSON shapes -----------------------------------------------------------------------------
def application_json(found):
    """An application as the API shows it (no payment token: only its label)."""
    return {
        "id": found.id, "number": found.number, "status": found.status,
        "channel": found.channel, "site_id": found.site_id, "product_id": found.product_id,
        "name": found.name, "email": found.email, "starts_on": found.starts_on.isoformat(),
        "term_months": found.term_months, "discount_percent": found.discount_percent,
        "vehicles": [{"plate": v["plate"], "country": v["country"], "warning": v.get("warning")}
                     for v in found.vehicles],
        "payment_label": found.payment_label, "payment_status": found.payment_status,
        "unusual": list(found.unusual or []), "refusal_reason": found.refusal_reason,
        "contract_id": found.contract_id, "instance_id": found.instance_id,
    }


def contract_json(contract):
    """A contract as the API shows it (invoicing reads the same columns)."""
    paid_to, access_to = last_paid_day(db.session, contract), access_until(db.session, contract)
    credentials = LocalAccessControl(db.session).credentials(contract.tenant, contract.number)
    return {
        "id": contract.id, "number": contract.number, "status": contract.status,
        "customer_id": contract.customer_id, "site_id": contract.site_id,
        "product_id": contract.product_id, "monthly_price_cents": contract.monthly_price_cents,
        "discount_percent": int(contract.discount_percent or 0),
        "starts_on": contract.starts_on.isoformat(),
        "ends_on": contract.ends_on.isoformat() if contract.ends_on else None,
        "notice_given_on": (contract.notice_given_on.isoformat()
                            if contract.notice_given_on else None),
        "payment_method": contract.payment_method, "payment_label": contract.payment_label,
        "vehicles": [{"plate": link.vehicle.plate, "country": link.vehicle.country}
                     for link in contract.vehicles],
        "last_paid_day": paid_to.isoformat() if paid_to else None,
        "access_until": access_to.isoformat() if access_to else None,
        "access_revoked_on": (revocation_day(access_to).isoformat() if access_to else None),
        "credentials": [{"kind": c.kind, "value": c.value,
                         "valid_from": c.valid_from.isoformat(),
                         "valid_to": c.valid_to.isoformat() if c.valid_to else None}
                        for c in credentials],
    }


def _unknown(body):
    unknown = sorted(set(body) - set(APPLICATION_REQUEST["properties"]))
    if unknown:
        raise InvalidInput({name: "Unknown field." for name in unknown})


def _vehicles(given):
    if not isinstance(given, list) or not all(isinstance(v, dict) for v in given):
        raise InvalidInput({"vehicles": "Give a list of {plate, country} objects."})
    return [(str(v.get("plate") or ""), str(v.get("country") or "")) for v in given]


def _payment(given):
    if given is None:
        return {}
    if not isinstance(given, dict):
        raise InvalidInput({"payment": "Give a JSON object or leave it out."})
    return {key: given.get(key) for key in PAYMENT_FIELDS}


def _site_of_product(tenant, product_id):
    from processes.seasonparking.models import Product
    product = db.session.get(Product, product_id)
    return product.site_id if product is not None and product.tenant == tenant else None


# -- schemas ---------------------------------------------------------------------------------
PAYMENT_FIELDS = ("method", "card_number", "card_exp_month", "card_exp_year", "card_cvc", "iban",
                  "holder")
_STR, _INT = {"type": "string"}, {"type": "integer"}
_NULL_STR, _DATE = {"type": ["string", "null"]}, {"type": "string", "format": "date"}
_NULL_DATE = {"type": ["string", "null"], "format": "date"}
VEHICLE = schemas._object(("plate",), {"plate": {"type": "string", "maxLength": 20},
                                       "country": {"type": "string", "maxLength": 2}})
PAYMENT = schemas._object(("method",), {
    "method": {"enum": ["card", "sepa"]}, "card_number": _STR,
    "card_exp_month": _INT, "card_exp_year": _INT, "card_cvc": _STR, "iban": _STR,
    "holder": _STR}, description="Card details or an IBAN: handed to the payment provider, "
                                 "only its token and a label are kept.")
_FIELDS = {
    "product_id": _INT,
    "site_id": {"type": ["integer", "null"], "description": "Defaults to the product's site."},
    "name": {"type": "string", "minLength": 1, "maxLength": 200},
    "email": {"type": "string", "minLength": 3, "maxLength": 254},
    "phone": {"type": ["string", "null"], "maxLength": 40},
    "language": {"type": ["string", "null"], "maxLength": 8},
    "starts_on": {**_DATE, "description": "First day (YYYY-MM-DD), site time."},
    "term_months": {"type": "integer", "enum": list(season_defaults.TERMS),
                    "description": "0: monthly rolling, until notice."},
    "discount_percent": {"type": "integer", "minimum": 0,
                         "maximum": season_defaults.MAX_DISCOUNT_PERCENT,
                         "description": "Any discount needs a supervisor's approval."},
    "notes": {"type": ["string", "null"], "maxLength": 2000},
}
APPLICATION_REQUEST = schemas._object(
    ("product_id", "name", "email", "vehicles", "starts_on"),
    {**_FIELDS, "vehicles": {"type": "array", "minItems": 1, "maxItems": 3,
                             "items": schemas._ref("SeasonVehicle")},
     "payment": {"oneOf": [schemas._ref("SeasonPayment"), {"type": "null"}]}},
    additionalProperties=False)
# What json_body checks (the shared checker knows no arrays): the flat fields; the nested
# vehicles and payment are checked by _vehicles and _payment, unknown fields by _unknown.
FLAT_REQUEST = schemas._object(APPLICATION_REQUEST["required"], _FIELDS)
APPLICATION = schemas._object(
    ("id", "number", "status", "channel", "vehicles", "payment_label", "contract_id"), {
        "id": _INT, "number": _STR, "status": {"enum": [str(s) for s in ApplicationStatus]},
        "channel": _STR, "site_id": _INT, "product_id": _INT, "name": _STR, "email": _STR,
        "starts_on": _DATE, "term_months": _INT, "discount_percent": _INT,
        "vehicles": {"type": "array", "items": schemas._object(("plate", "country"), {
            "plate": _STR, "country": _STR, "warning": _NULL_STR})},
        "payment_label": _NULL_STR, "payment_status": _NULL_STR,
        "unusual": {"type": "array", "items": _STR}, "refusal_reason": _NULL_STR,
        "contract_id": {"type": ["integer", "null"]},
        "instance_id": {"type": ["integer", "null"]}})
CONTRACT = schemas._object(
    ("id", "number", "status", "monthly_price_cents", "starts_on", "ends_on", "vehicles",
     "credentials"), {
        "id": _INT, "number": _STR, "status": {"enum": [str(s) for s in ContractStatus]},
        "customer_id": _INT, "site_id": _INT, "product_id": _INT,
        "monthly_price_cents": {"type": "integer", "description": "Net, after any discount."},
        "discount_percent": _INT, "starts_on": _DATE,
        "ends_on": {**_NULL_DATE, "description": "Last day; null while it rolls monthly."},
        "notice_given_on": _NULL_DATE, "payment_method": _NULL_STR, "payment_label": _NULL_STR,
        "vehicles": {"type": "array", "items": schemas._object(("plate", "country"), {
            "plate": _STR, "country": _STR})},
        "last_paid_day": {**_NULL_DATE, "description": "End of the latest paid invoice period "
                          "(capped at the last day); null while nothing is paid."},
        "access_until": {**_NULL_DATE, "description": (
            "Last day the credentials are valid. Active contract: the last period paid or "
            "still within its payment term, before the first overdue invoice; otherwise the "
            "paid-up day. Null while nothing limits it.")},
        "access_revoked_on": {**_NULL_DATE, "description": "The day after access_until."},
        "credentials": {"type": "array", "items": schemas._object(
            ("kind", "value", "valid_from", "valid_to"), {
                "kind": {"enum": ["plate", "card"]}, "value": _STR, "valid_from": _DATE,
                "valid_to": _NULL_DATE})}})
COMPONENTS = {"SeasonApplicationRequest": APPLICATION_REQUEST, "SeasonVehicle": VEHICLE,
              "SeasonPayment": PAYMENT, "SeasonApplication": APPLICATION, "Contract": CONTRACT}
FOR_STAFF = "For back-office, supervisor and admin users."


def _id(name):
    return {"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}


def _ok(description, schema_name, created=False):
    answer = {"description": description, "content": openapi._content(schema_name)}
    if created:
        answer["headers"] = {"Location": {"schema": {"type": "string"}}}
    return answer


PATHS = {
    "/season-applications": {
        "post": openapi._op(
            "createSeasonApplication", "Apply for a season place (starts the onboarding)",
            {"201": _ok("The stored application; its onboarding has started.",
                        "SeasonApplication", created=True),
             "400": "BadRequest", "403": "Forbidden", "422": "Invalid"},
            "season parkers", body=openapi._content("SeasonApplicationRequest"),
            description=FOR_STAFF + " Refused fields are named as in the body; vehicles as "
                                    "vehicle_1..vehicle_3, card fields as card_number, "
                                    "card_expiry, card_cvc, iban."),
    },
    "/season-applications/{application_id}": {
        "get": openapi._op("getSeasonApplication", "One season application",
                           {"200": _ok("The application.", "SeasonApplication"),
                            "403": "Forbidden", "404": "NotFound"},
                           "season parkers", params=[_id("application_id")],
                           description=FOR_STAFF),
    },
    "/contracts/{contract_id}": {
        "get": openapi._op("getContract", "One season contract",
                           {"200": _ok("The contract with vehicles and access.", "Contract"),
                            "403": "Forbidden", "404": "NotFound"},
                           "season parkers", params=[_id("contract_id")],
                           description=FOR_STAFF),
    },
}

openapi.extend(PATHS, COMPONENTS, tags=["season parkers"])
