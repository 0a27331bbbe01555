"""Routes of the penalties blueprint (thin: parse input, call one service, render or redirect)."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from engine import NotFound, clock
from processes.bookings.models import Customer
from processes.penalties import contest, service, settings
from processes.penalties.errors import (CancellationRefused, CheckInRefused, ContestRefused)
from processes.penalties.infractions import (block_zone, blocks_in_force,
                                            counting_minor_count)
from processes.penalties.models import Infraction
from processes.penalties.notices import PLACEHOLDERS
from processes.penalties.rules import blocked_until, describe
from processes.penalties.status import InfractionStatus

from ..access import area
from ..api.auth import writing
from ..basket.views import tenant_timezone
from ..extensions import db, get_engine
from . import bp
from .forms import CancelForm, CheckInForm, ContestForm, SettingsForm

REFUSED = 422
CONFLICT = 409
RECENT = 100


@bp.app_template_global()
def penalty_actions(booking):
    """What _booking_actions.html shows for a booking: previews and the two forms."""
    return {"cancel": service.cancellation_preview(db.session, booking),
            "check_in": service.check_in_preview(db.session, booking),
            "cancel_form": CancelForm(formdata=None, next=request.path),
            "staff_form": CancelForm(formdata=None, by="staff", next=request.path),
            "check_in_form": CheckInForm(formdata=None, next=request.path)}


@bp.post("/bookings/<int:booking_id>/cancel")
@area("penalties")
def cancel(booking_id):
    """Cancel a booking for the customer (rules apply) or as staff with a note (no penalty)."""
    form = CancelForm()
    back = _next(form.next.data, booking_id)
    if not form.validate_on_submit():
        return _refused(_("The form expired; go back, reload the page and try again."), back,
                        REFUSED)
    by_staff = form.by.data == "staff"
    note = (form.note.data or "").strip() or None
    if by_staff and note is None:
        return _refused(_("Say why staff cancel this booking."), back, REFUSED)
    try:
        outcome = service.cancel_booking(get_engine(), current_user.tenant, booking_id,
                                         current_user.username, by_staff=by_staff, note=note)
    except CancellationRefused as refusal:
        return _refused(str(refusal), back, CONFLICT)
    flash(_("Booking %(ref)s cancelled. %(reason)s", ref=outcome.reference,
            reason=outcome.reason), "warning" if outcome.infraction_id else "info")
    return redirect(back)


@bp.post("/bookings/<int:booking_id>/check-in")
@area("penalties")
def check_in(booking_id):
    """Check a booking in (until start + grace)."""
    form = CheckInForm()
    back = _next(form.next.data, booking_id)
    if not form.validate_on_submit():
        return _refused(_("The form expired; go back, reload the page and try again."), back,
                        REFUSED)
    try:
        reference = service.check_in_booking(get_engine(), current_user.tenant, booking_id,
                                             current_user.username)
    except CheckInRefused as refusal:
        return _refused(str(refusal), back, CONFLICT)
    flash(_("Booking %(ref)s checked in.", ref=reference), "info")
    return redirect(back)


@bp.get("/penalties/")
@area("penalties")
def index():
    """The organisation's most recent infractions."""
    rows = db.session.scalars(select(Infraction).where(
        Infraction.tenant == current_user.tenant)
        .order_by(Infraction.created_at.desc(), Infraction.id.desc()).limit(RECENT)).all()
    return render_template("penalties/index.html", infractions=rows, describe=describe)


@bp.get("/penalties/customers/<int:customer_id>")
@area("penalties")
def customer(customer_id):
    """A customer's infractions, block and contest forms."""
    return _customer_page(_get_customer(customer_id))


@bp.post("/penalties/infractions/<int:infraction_id>/contest")
@area("penalties")
def contest_infraction(infraction_id):
    """Contest an infraction for the customer: a review task opens for the back office."""
    infraction = contest.get_infraction(db.session, current_user.tenant, infraction_id)
    form = ContestForm()
    if not form.validate_on_submit():
        return _customer_page(infraction.customer, form, infraction_id), REFUSED
    try:
        contest.contest_infraction(get_engine(), current_user.tenant, infraction_id,
                                   current_user.username, form.reason.data)
    except ContestRefused as refusal:
        form.reason.errors = [str(refusal)]
        return _customer_page(infraction.customer, form, infraction_id), CONFLICT
    flash(_("Infraction contested: a review task is waiting in the back office's queue."),
          "info")
    return redirect(url_for(".customer", customer_id=infraction.customer_id))


@bp.route("/penalties/settings", methods=["GET", "POST"])
@area("penalty_settings")
def edit_settings():
    """Admin page of the penalty settings; refused input re-renders with every message."""
    current = settings.load(db.session, current_user.tenant)
    form = SettingsForm(data=settings.as_dict(current))
    if not form.is_submitted():
        return _settings_page(form)
    if not form.validate():
        return _settings_page(form), REFUSED
    values = {name: form[name].data for name in settings.FIELDS}
    try:
        with writing() as session:
            settings.update(session, current_user.tenant, values, current_user.username)
    except settings.SettingsRefused as refusal:
        for name, message in refusal.errors.items():
            form[name].errors = [*form[name].errors, message]
        return _settings_page(form), REFUSED
    flash(_("Penalty settings saved."), "info")
    return redirect(url_for(".edit_settings"))


# -- helpers ---------------------------------------------------------------------------------
def _next(target, booking_id):
    """A local path to go back to (never another site), else the customer's penalties page."""
    if target and target.startswith("/") and not target.startswith("//") \
            and "\\" not in target:
        return target
    try:
        booking = service.get_booking(db.session, current_user.tenant, booking_id)
    except NotFound:
        return url_for(".index")
    return url_for(".customer", customer_id=booking.customer_id)


def _refused(message, back, status):
    return render_template("penalties/refused.html", message=message, back=back), status


def _get_customer(customer_id):
    found = db.session.get(Customer, customer_id)
    if found is None or found.tenant != current_user.tenant:
        abort(404)
    return found


def _customer_page(customer_row, contest_form=None, contest_id=None):
    tenant, now = current_user.tenant, clock.now()
    until = blocked_until(blocks_in_force(db.session, tenant, customer_row.id, now),
                          now, now, now)
    zone = block_zone(db.session, tenant, customer_row.id, now) or tenant_timezone()
    return render_template(
        "penalties/customer.html", customer=customer_row,
        infractions=contest.list_infractions(db.session, tenant, customer_row.id),
        minors=counting_minor_count(db.session, tenant, customer_row.id),
        rules=settings.rules_of(settings.load(db.session, tenant)),
        blocked_until=describe(until, zone) if until else None,
        contest_form=contest_form or ContestForm(formdata=None), contest_id=contest_id,
        contestable=InfractionStatus.ACTIVE, describe=describe)


def _settings_page(form):
    return render_template("penalties/settings.html", form=form, placeholders=PLACEHOLDERS)
