"""Submitting a season application: per-field checks, payment tokenisation, the record.

Every channel (public form, back-office form, API) calls `submit_application` with the same
field names; refused input raises InvalidInput with a message per field and stores nothing.
"""
import re
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from engine import clock
from processes.bookings.models import Site
from processes.bookings.plates import PlateError, check_plate
from processes.payments import PaymentMethodInvalid

from . import defaults, rules
from .errors import InvalidInput, NotInTenant
from .models import Application, Product
from .numbering import next_number
from .status import ApplicationStatus

EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
CHANNELS = ("web", "back-office", "api")


@dataclass
class ApplicationRequest:
    """What an applicant (or the back office for them) asks for; plain values from any form."""

    site_id: object
    product_id: object
    name: str
    email: str
    vehicles: list                      # [(plate text, country)]
    starts_on: object                   # date or "YYYY-MM-DD"
    phone: str | None = None
    language: str = "en"
    term_months: object = 0
    discount_percent: object = 0
    notes: str | None = None
    payment: dict = field(default_factory=dict)   # {"method": "card"|"sepa", ...} or {}


def submit_application(session, provider, tenant, request, channel, actor):
    """Check, tokenise the payment method, and add a new application (the caller commits).

    The read transaction of the checks ends before the provider is called: the provider
    writes on its own connection, and SQLite lets one writer in at a time.
    """
    values = check_request(session, tenant, request, channel)
    session.rollback()
    errors = {}
    method = tokenise(provider, request.payment, values["name"], errors)
    if errors:
        raise InvalidInput(errors)
    application = Application(
        tenant=tenant, number=next_number(session, Application.number, Application.tenant,
                                          tenant, defaults.APPLICATION_PREFIX),
        status=ApplicationStatus.SUBMITTED, channel=channel, created_at=clock.now(),
        created_by=actor, **values)
    set_payment_method(application, method)
    session.add(application)
    session.flush()
    return application


def check_request(session, tenant, request, channel):
    """The application's column values from `request`; InvalidInput with every problem."""
    errors, values = {}, {}
    site, product = _site_and_product(session, tenant, request, errors)
    values["site_id"], values["product_id"] = getattr(site, "id", None), getattr(product, "id", None)
    values["name"] = _text(request.name, "name", 200, errors, "Give your name.")
    values["email"] = _email(request.email, errors)
    values["phone"] = (request.phone or "").strip()[:40] or None
    values["language"] = (request.language or "en")[:8]
    values["notes"] = (request.notes or "").strip()[:2000] or None
    values["vehicles"] = check_vehicles(request.vehicles, site.country if site else "BE", errors)
    values["starts_on"] = _start(request.starts_on, site, errors)
    values["term_months"] = _choice_int(request.term_months, defaults.TERMS, "term_months",
                                        errors, "Choose a term.")
    values["discount_percent"] = _discount(request.discount_percent, channel, errors)
    if errors:
        raise InvalidInput(errors)
    return values


def set_payment_method(application, method):
    """Record a tokenised method (or none) and start its verification count afresh."""
    application.payment_method = method.kind if method else None
    application.payment_token = method.token if method else None
    application.payment_label = method.label if method else None
    application.payment_status = None
    application.payment_message = None
    application.payment_attempts = 0


def tokenise(provider, payment, holder, errors):
    """The PaymentMethod for the form's card or IBAN; None when none was given."""
    payment = payment or {}
    kind = payment.get("method") or None
    try:
        if kind == "card":
            return provider.tokenise_card(
                payment.get("card_number"), payment.get("card_exp_month"),
                payment.get("card_exp_year"), payment.get("card_cvc"),
                payment.get("holder") or holder)
        if kind == "sepa":
            return provider.create_mandate(payment.get("iban"), payment.get("holder") or holder,
                                           reference=None)
    except PaymentMethodInvalid as refused:
        errors[refused.field] = refused.message
        return None
    if kind is not None:
        errors["payment_method"] = "Choose card or SEPA direct debit."
    return None


def check_vehicles(vehicles, default_country, errors):
    """[{plate, country, warning}] for 1 to 3 plates; unknown formats warn, never refuse."""
    checked, seen = [], set()
    given = [(str(p or "").strip(), str(c or "").strip() or default_country)
             for p, c in vehicles or [] if str(p or "").strip()]
    for index, (text, country) in enumerate(given, start=1):
        try:
            plate = check_plate(text, country)
        except PlateError as refused:
            errors[f"vehicle_{index}"] = str(refused)
            continue
        if plate.plate in seen:
            errors[f"vehicle_{index}"] = f"{plate.plate} is given twice."
            continue
        seen.add(plate.plate)
        checked.append({"plate": plate.plate, "country": plate.country,
                        "warning": plate.warning})
    problem = rules.vehicle_count_problem(len(given))
    if problem:
        errors["vehicles"] = problem
    return checked


def get_application(session, tenant, application_id):
    """The tenant's application, or NotInTenant."""
    application = session.get(Application, application_id)
    if application is None or application.tenant != tenant:
        raise NotInTenant(f"application {application_id} not found")
    return application


def list_applications(session, tenant, status=None, limit=defaults.PAGE_SIZE, offset=0):
    """The tenant's applications, newest first, optionally of one status."""
    query = select(Application).where(Application.tenant == tenant)
    if status:
        query = query.where(Application.status == status)
    return list(session.scalars(query.order_by(Application.id.desc())
                                .limit(limit).offset(offset)))


def offer(session, tenant):
    """Sites of the tenant with their active products, for the application forms."""
    sites = session.scalars(select(Site).where(Site.tenant == tenant).order_by(Site.name))
    products = session.scalars(select(Product).where(
        Product.tenant == tenant, Product.active.is_(True)).order_by(Product.name))
    by_site = {}
    for product in products:
        by_site.setdefault(product.site_id, []).append(product)
    return [(site, by_site.get(site.id, [])) for site in sites]


# -- field checks --------------------------------------------------------------------------
def _site_and_product(session, tenant, request, errors):
    site = _owned(session, Site, request.site_id, tenant)
    if site is None:
        errors["site"] = "Choose a car park."
    product = _owned(session, Product, request.product_id, tenant)
    if product is None or not product.active:
        errors["product"] = "Choose a product."
    elif site is not None and product.site_id != site.id:
        errors["product"] = "This product is not sold at the chosen car park."
    return site, product


def _owned(session, model, key, tenant):
    try:
        row = session.get(model, int(key))
    except (TypeError, ValueError):
        return None
    return row if row is not None and row.tenant == tenant else None


def _text(value, name, limit, errors, missing):
    value = " ".join(str(value or "").split())
    if not value:
        errors[name] = missing
    elif len(value) > limit:
        errors[name] = f"At most {limit} characters."
    return value


def _email(value, errors):
    value = str(value or "").strip()
    if not EMAIL.fullmatch(value) or len(value) > 254:
        errors["email"] = "Give a valid e-mail address; the contract is sent there."
    return value.lower()


def _start(value, site, errors):
    try:
        starts_on = value if isinstance(value, date) else date.fromisoformat(str(value))
    except ValueError:
        errors["starts_on"] = "Give the start date as YYYY-MM-DD."
        return None
    if site is not None and starts_on < rules.site_today(site.timezone, clock.now()):
        errors["starts_on"] = "The start date cannot be in the past."
    return starts_on


def _choice_int(value, choices, name, errors, message):
    try:
        number = int(value or 0)
    except (TypeError, ValueError):
        number = None
    if number not in choices:
        errors[name] = message
    return number


def _discount(value, channel, errors):
    try:
        discount = int(value or 0)
    except (TypeError, ValueError):
        errors["discount_percent"] = "Give the discount as a whole percentage."
        return 0
    if discount and channel == "web":
        errors["discount_percent"] = "Discounts are granted by the back office only."
    problem = rules.discount_problem(discount)
    if problem:
        errors["discount_percent"] = problem
    return discount
