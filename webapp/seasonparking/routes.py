"""Back-office pages: applications and contracts, with their actions (thin views)."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from engine import TaskConflict
from processes.access import LocalAccessControl
from processes.seasonparking import contracts as contract_service
from processes.seasonparking.applications import (get_application, list_applications,
                                                  set_payment_method, tokenise)
from processes.seasonparking.errors import InvalidInput, NotInTenant
from processes.seasonparking.onboarding import apply
from processes.seasonparking.paid import access_until, last_paid_day
from processes.seasonparking.rules import revocation_day
from processes.seasonparking.status import ApplicationStatus, ContractStatus
from processes.seasonparking.waitlist import wake_waitlist

from ..access import area
from ..extensions import db, get_engine
from . import bp
from .common import product_choices, provider, request_from, show_errors, writing
from .forms import (BackOfficeApplicationForm, RenewForm, ReplacePaymentForm, TerminateForm,
                    VehiclesForm)

REFUSED, CONFLICT = 422, 409


@bp.get("/")
@area("seasonparking")
def index():
    """The applications list is the entry page."""
    return redirect(url_for(".applications"))


@bp.get("/applications")
@area("seasonparking")
def applications():
    """Applications of the organisation, newest first, optionally by status."""
    status = request.args.get("status") or None
    if status is not None and status not in set(ApplicationStatus):
        status = None
    rows = list_applications(db.session, current_user.tenant, status)
    return render_template("seasonparking/applications.html", applications=rows,
                           status=status, statuses=list(ApplicationStatus))


@bp.route("/applications/new", methods=["GET", "POST"])
@area("seasonparking")
def new_application():
    """Back-office entry of an application (discount allowed, payment method optional)."""
    form = BackOfficeApplicationForm()
    form.product.choices = product_choices(current_user.tenant)
    if not form.validate_on_submit():
        return _new_page(form), REFUSED if form.is_submitted() else 200
    try:
        with writing() as session:
            application_id, number = apply(
                get_engine(), session, provider(), current_user.tenant,
                request_from(form, session, current_user.tenant), "back-office",
                current_user.username)
    except InvalidInput as refused:
        show_errors(form, refused.errors)
        return _new_page(form), REFUSED
    flash(_("Application %(number)s was created; its onboarding has started.", number=number),
          "info")
    return redirect(url_for(".application", application_id=application_id))


@bp.get("/applications/<int:application_id>")
@area("seasonparking")
def application(application_id):
    """One application: applicant, vehicles, payment, unusual reasons, process and tasks."""
    return _application_page(_application(application_id))


@bp.post("/applications/<int:application_id>/payment")
@area("seasonparking")
def replace_payment(application_id):
    """Register a new card or mandate on an application whose method was declined."""
    found, form = _application(application_id), ReplacePaymentForm()
    if found.status not in (ApplicationStatus.PAYMENT, ApplicationStatus.IN_REVIEW,
                            ApplicationStatus.SUBMITTED, ApplicationStatus.WAITLISTED):
        abort(CONFLICT, description=_("The payment method can no longer be changed."))
    errors = {}
    method = tokenise(provider(), form.payment(), found.name, errors) if form.validate_on_submit() \
        else None
    if method is None:
        show_errors(form, errors or {"payment_method": _("Give a card or an IBAN.")})
        return _application_page(found, payment_form=form), REFUSED
    with writing() as session:
        set_payment_method(get_application(session, current_user.tenant, application_id), method)
        session.commit()
    flash(_("%(label)s was registered; complete the task “Obtain a payment method” with "
            "“verify it”.", label=method.label), "info")
    return redirect(url_for(".application", application_id=application_id))


@bp.get("/contracts")
@area("seasonparking")
def contracts():
    """Contracts of the organisation, newest first, optionally by status."""
    status = request.args.get("status") or None
    if status is not None and status not in set(ContractStatus):
        status = None
    rows = contract_service.list_contracts(db.session, current_user.tenant, status)
    return render_template("seasonparking/contracts.html", contracts=rows, status=status,
                           statuses=list(ContractStatus))


@bp.get("/contracts/<int:contract_id>")
@area("seasonparking")
def contract(contract_id):
    """One contract: vehicles, access credentials, paid-up day, and its actions."""
    return _contract_page(_contract(contract_id))


@bp.post("/contracts/<int:contract_id>/vehicles")
@area("seasonparking")
def change_vehicles(contract_id):
    """Replace the contract's plates; the access whitelist follows."""
    form = VehiclesForm()
    if not form.validate_on_submit():
        return _contract_page(_contract(contract_id), vehicles_form=form), REFUSED
    supervisor = "supervisor" in current_user.roles
    return _change(contract_id, lambda session, found: contract_service.change_vehicles(
        session, found, form.vehicles(), may_exceed_product=supervisor),
        _("Vehicles saved; access updated."), vehicles_form=form)


@bp.post("/contracts/<int:contract_id>/renew")
@area("seasonparking")
def renew(contract_id):
    """Renew a fixed-term contract."""
    form = RenewForm()
    if not form.validate_on_submit():
        return _contract_page(_contract(contract_id), renew_form=form), REFUSED
    return _change(contract_id, lambda session, found: contract_service.renew(
        session, found, form.months.data), _("Contract renewed."), renew_form=form)


@bp.post("/contracts/<int:contract_id>/terminate")
@area("seasonparking")
def terminate(contract_id):
    """Give notice: the contract ends at the month end after the notice period."""
    form = TerminateForm()
    if not form.validate_on_submit():
        return _contract_page(_contract(contract_id), terminate_form=form), REFUSED
    return _change(contract_id, lambda session, found: contract_service.terminate(
        session, found, form.requested_end.data), _("Notice given."), terminate_form=form,
        then=_offer_place)


# -- helpers ---------------------------------------------------------------------------------
def _change(contract_id, change, done, then=None, **forms):
    """Apply one contract change in a write transaction; refused input re-renders the page.
    `then(contract_id)` runs after the commit."""
    try:
        with writing() as session:
            result = change(session, contract_service.get_contract(
                session, current_user.tenant, contract_id))
            session.commit()
    except NotInTenant:
        abort(404)
    except InvalidInput as refused:
        form = next(iter(forms.values()))
        show_errors(form, refused.errors)
        return _contract_page(_contract(contract_id), **forms), REFUSED
    except TaskConflict as conflict:
        flash(str(conflict), "error")
        return _contract_page(_contract(contract_id), **forms), CONFLICT
    if then is not None:
        then(contract_id)
    flash(done, "info")
    for warning in result if isinstance(result, list) else []:
        flash(warning, "warning")
    return redirect(url_for(".contract", contract_id=contract_id))


def _offer_place(contract_id):
    """A place the contract let go (its last day passed) goes to the site's waitlist now."""
    db.session.rollback()       # end the earlier read: see the committed change
    found = _contract(contract_id)
    wake_waitlist(get_engine(), db.session, found.tenant, found.site_id)


def _application(application_id):
    try:
        return get_application(db.session, current_user.tenant, application_id)
    except NotInTenant:
        abort(404)


def _contract(contract_id):
    try:
        return contract_service.get_contract(db.session, current_user.tenant, contract_id)
    except NotInTenant:
        abort(404)


def _new_page(form):
    return render_template("seasonparking/new_application.html", form=form)


def _application_page(found, payment_form=None):
    eng = get_engine()
    tasks = ([t for t in eng.instance_tasks(found.instance_id) if t.status == "open"]
             if found.instance_id else [])
    return render_template("seasonparking/application.html", application=found, tasks=tasks,
                           payment_form=payment_form or ReplacePaymentForm(formdata=None))


def _contract_page(found, vehicles_form=None, renew_form=None, terminate_form=None):
    if vehicles_form is None:
        vehicles_form = VehiclesForm(formdata=None)
        for n, link in enumerate(found.vehicles, start=1):
            getattr(vehicles_form, f"plate_{n}").data = link.vehicle.plate
            getattr(vehicles_form, f"country_{n}").data = link.vehicle.country
    paid_to, access_to = last_paid_day(db.session, found), access_until(db.session, found)
    return render_template(
        "seasonparking/contract.html", contract=found, vehicles_form=vehicles_form,
        renew_form=renew_form or RenewForm(formdata=None),
        terminate_form=terminate_form or TerminateForm(formdata=None),
        credentials=LocalAccessControl(db.session).credentials(found.tenant, found.number),
        paid_to=paid_to, access_to=access_to, revoked_on=revocation_day(access_to),
        changeable=found.status in contract_service.CHANGEABLE)
