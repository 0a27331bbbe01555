"""Routes of the bookings blueprint (thin: parse input, call one action, render or redirect)."""
from flask import abort, flash, redirect, render_template, request, url_for
from babel.dates import format_datetime
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from processes.bookings import services
from processes.bookings.errors import BookingConflict, BookingRefused
from processes.bookings.localtime import zone_of
from processes.bookings.queries import BookingFilter, count_by_status, list_bookings
from processes.bookings.status import When
from processes.penalties.errors import CustomerBlocked

from ..access import area, roles_required
from ..extensions import db
from . import actions, bp
from .forms import (KIND_LABELS, STATUS_LABELS, BookingFilterForm, NewBookingForm,
                    NewCustomerForm, NewSiteForm, VehicleForm)

REFUSED = 422
CONFLICT = 409
# Who may add sites and customers (everyone of the area may view them and book).
MANAGE_ROLES = ("admin", "back-office")


@bp.context_processor
def _helpers():
    return {"site_time": site_time, "status_label": lambda s: STATUS_LABELS.get(s, s),
            "kind_label": lambda k: KIND_LABELS.get(k, k),
            # Anonymous too: a stale form posted after logging out gets the CSRF error page.
            "may_manage": bool(set(MANAGE_ROLES) & set(getattr(current_user, "roles", ())))}


def site_time(moment, site):
    """A UTC moment as the site's wall clock shows it: 'Mon 2 Mar 2026, 10:00 CET'."""
    if moment is None:
        return ""
    at = moment.astimezone(zone_of(site.timezone))
    return f"{format_datetime(at, 'EEE d MMM y, HH:mm', locale=get_locale())} {at.tzname()}"


# -- bookings -------------------------------------------------------------------------------
@bp.get("/")
@area("bookings")
def index():
    """The tenant's bookings, narrowed by the filter, one page at a time."""
    tenant = current_user.tenant
    form = BookingFilterForm(formdata=request.args)
    sites = services.list_sites(db.session, tenant)
    form.site.choices = form.site.choices[:1] + [SelectChoice(str(s.id), s.name) for s in sites]
    if not form.validate():
        return _list_page(form, None, sites), REFUSED
    filters = BookingFilter(site_id=int(form.site.data) if form.site.data else None,
                            status=form.status.data or None, kind=form.kind.data or None,
                            when=When(form.when.data) if form.when.data else None,
                            text=form.q.data or None)
    return _list_page(form, list_bookings(db.session, tenant, filters, form.page.data or 1),
                      sites)


def _list_page(form, page, sites):
    return render_template("bookings/index.html", form=form, page=page, sites=sites,
                           counts=count_by_status(db.session, current_user.tenant))


@bp.get("/<int:booking_id>")
@area("bookings")
def booking(booking_id):
    """One booking, with the Cancel and Check-in buttons when the penalties family offers them."""
    return render_template("bookings/booking.html", booking=_found(
        services.get_booking(db.session, current_user.tenant, booking_id)))


@bp.route("/new", methods=["GET", "POST"])
@area("bookings")
def new_booking():
    """Book a space; times are typed in the site's local time and stored in UTC."""
    form = NewBookingForm()
    _booking_choices(form)
    if request.method == "GET" and request.args.get("customer", type=int):
        form.customer_id.data = request.args.get("customer", type=int)
    if not form.validate_on_submit():
        return _booking_form(form), REFUSED if form.is_submitted() else 200
    tenant = current_user.tenant
    site = services.get_site(db.session, tenant, form.site_id.data)
    try:
        starts_at, ends_at = services.local_period(site, form.starts_at.data, form.ends_at.data)
        booking_id = actions.book(tenant, current_user.username, form.site_id.data,
                                  form.customer_id.data, form.vehicle_id.data or None,
                                  starts_at, ends_at, form.kind.data)
    except BookingRefused as refusal:
        _show(form, refusal.errors)
        return _booking_form(form), REFUSED
    except CustomerBlocked as blocked:
        form.form_errors.append(_("This customer is blocked until %(until)s: no new bookings "
                                  "until then.", until=site_time(blocked.until, site)))
        return _booking_form(form), CONFLICT
    except BookingConflict as conflict:
        form.form_errors.append(str(conflict))
        return _booking_form(form), CONFLICT
    created = services.get_booking(db.session, tenant, booking_id)
    flash(_("Booking %(reference)s was created.", reference=created.reference), "info")
    return redirect(url_for(".booking", booking_id=booking_id))


def _booking_choices(form):
    tenant = current_user.tenant
    form.site_id.choices = [SelectChoice(0, _("Choose a site…"))] + [
        SelectChoice(s.id, f"{s.name} ({s.timezone})")
        for s in services.list_sites(db.session, tenant)]
    customers = services.all_customers(db.session, tenant)
    form.customer_id.choices = [SelectChoice(0, _("Choose a customer…"))] + [
        SelectChoice(c.id, f"{c.name} — {c.email}" if c.email else c.name) for c in customers]
    form.vehicle_id.choices = [SelectChoice(0, _("No vehicle"))] + [
        SelectChoice(v.id, f"{v.plate} ({v.country})", optgroup=f"{c.name} (#{c.id})")
        for c in customers for v in c.vehicles]


def _booking_form(form):
    return render_template("bookings/new_booking.html", form=form)


# -- sites ----------------------------------------------------------------------------------
@bp.get("/sites")
@area("bookings")
def sites():
    """The tenant's sites with time zone and capacity."""
    return render_template("bookings/sites.html",
                           sites=services.list_sites(db.session, current_user.tenant))


@bp.route("/sites/new", methods=["GET", "POST"])
@roles_required(*MANAGE_ROLES)
def new_site():
    """Create a site."""
    form = NewSiteForm()
    if not form.validate_on_submit():
        return _site_form(form), REFUSED if form.is_submitted() else 200
    try:
        actions.add_site(current_user.tenant, current_user.username, code=form.code.data,
                         name=form.name.data, timezone=form.timezone.data,
                         country=form.country.data, capacity=form.capacity.data)
    except BookingRefused as refusal:
        _show(form, refusal.errors)
        return _site_form(form), REFUSED
    flash(_("Site %(name)s was created.", name=form.name.data.strip()), "info")
    return redirect(url_for(".sites"))


def _site_form(form):
    return render_template("bookings/new_site.html", form=form)


# -- customers ------------------------------------------------------------------------------
@bp.get("/customers")
@area("bookings")
def customers():
    """The tenant's customers by name, searchable by name, e-mail or plate."""
    text = request.args.get("q", "")[:100]
    page = max(1, min(request.args.get("page", 1, type=int), 10_000))
    rows, has_next = services.list_customers(db.session, current_user.tenant, text, page)
    return render_template("bookings/customers.html", customers=rows, q=text, page=page,
                           has_next=has_next)


@bp.route("/customers/new", methods=["GET", "POST"])
@roles_required(*MANAGE_ROLES)
def new_customer():
    """Create a customer, optionally with a first vehicle."""
    form = NewCustomerForm()
    if not form.validate_on_submit():
        return _customer_form(form), REFUSED if form.is_submitted() else 200
    vehicles = [{"plate": form.plate.data, "country": form.country.data,
                 "description": form.description.data}] if form.plate.data else []
    try:
        customer_id, warnings = actions.add_customer(
            current_user.tenant, current_user.username, vehicles=vehicles, name=form.name.data,
            email=form.email.data, phone=form.phone.data, language=form.language.data)
    except BookingRefused as refusal:
        _show(form, {field.removeprefix("vehicles[0]."): message
                     for field, message in refusal.errors.items()})
        return _customer_form(form), REFUSED
    flash(_("Customer %(name)s was created.", name=form.name.data.strip()), "info")
    for warning in warnings.values():
        flash(warning, "warning")
    return redirect(url_for(".customer", customer_id=customer_id))


def _customer_form(form):
    return render_template("bookings/new_customer.html", form=form)


@bp.get("/customers/<int:customer_id>")
@area("bookings")
def customer(customer_id):
    """A customer: contact details, vehicles and bookings."""
    return _customer_page(_get_customer(customer_id), VehicleForm(formdata=None))


@bp.post("/customers/<int:customer_id>/vehicles")
@roles_required(*MANAGE_ROLES)
def add_vehicle(customer_id):
    """Register one more vehicle; a plate of unknown format is kept, with a warning."""
    target, form = _get_customer(customer_id), VehicleForm()
    if not form.validate_on_submit() or not form.plate.data:
        if not form.plate.data:
            form.plate.errors = [*form.plate.errors, _("Enter the number plate.")]
        return _customer_page(target, form), REFUSED
    try:
        warning = actions.add_vehicle(current_user.tenant, current_user.username, customer_id,
                                      form.plate.data, form.country.data, form.description.data)
    except BookingRefused as refusal:
        _show(form, refusal.errors)
        return _customer_page(target, form), REFUSED
    flash(_("Vehicle added."), "info")
    if warning:
        flash(warning, "warning")
    return redirect(url_for(".customer", customer_id=customer_id))


def _customer_page(target, vehicle_form):
    bookings = list_bookings(db.session, current_user.tenant,
                             BookingFilter(customer_id=target.id), size=50).bookings
    return render_template("bookings/customer.html", customer=target, bookings=bookings,
                           vehicle_form=vehicle_form)


def _get_customer(customer_id):
    return _found(services.get_customer(db.session, current_user.tenant, customer_id))


# -- shared ---------------------------------------------------------------------------------
def _found(row):
    if row is None:
        abort(404)
    return row


def _show(form, errors):
    """Put the service's messages on the form's fields (or above the form)."""
    for field, message in errors.items():
        if field in form:
            form[field].errors = [*form[field].errors, message]
        else:
            form.form_errors.append(message)
