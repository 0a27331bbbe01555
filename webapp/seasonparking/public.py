"""The public application form: anyone may apply for a season place (no login).

Protected by CSRF like every form, and rate-limited per address; the organisation is part of
the address (/apply/<tenant>/season), an unknown one is a 404.
"""
import re

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from processes.accounts.services import get_tenant
from processes.seasonparking import defaults
from processes.seasonparking.errors import InvalidInput
from processes.seasonparking.models import Application
from processes.seasonparking.onboarding import apply

from ..extensions import db, get_engine, limiter
from . import public_bp
from .common import product_choices, provider, request_from, show_errors, writing
from .forms import ApplicationForm

APPLICATION_NUMBER = re.compile(re.escape(defaults.APPLICATION_PREFIX) + r"[0-9]{1,12}")


def _limit():
    return current_app.config.get("SEASON_PUBLIC_FORM_LIMIT", defaults.PUBLIC_FORM_LIMIT)


@public_bp.route("/<tenant>/season", methods=["GET", "POST"])
@limiter.limit(_limit, methods=["POST"], error_message="Too many applications from your address.")
def apply_form(tenant):
    """Show the application form; a valid one is stored and its onboarding starts."""
    organisation = get_tenant(db.session, tenant)
    if organisation is None:
        abort(404)
    form = ApplicationForm()
    form.product.choices = product_choices(tenant)
    if not form.validate_on_submit():
        return _page(form, organisation), 422 if form.is_submitted() else 200
    try:
        with writing() as session:
            application_id, number = apply(get_engine(), session, provider(), tenant,
                                           request_from(form, session, tenant), "web", "public")
            warnings = [v["warning"] for v in session.get(Application, application_id).vehicles
                        if v.get("warning")]
    except InvalidInput as refused:
        show_errors(form, refused.errors)
        return _page(form, organisation), 422
    for warning in warnings:        # unusual plates are accepted; the applicant should check
        flash(warning, "warning")
    return redirect(url_for(".sent", tenant=tenant, number=number))


@public_bp.get("/<tenant>/season/sent")
def sent(tenant):
    """Thanks page naming the application number (only a number of ours: the page must not
    repeat text a link-maker chose, under the organisation's name)."""
    if get_tenant(db.session, tenant) is None:
        abort(404)
    number = request.args.get("number", "")
    if not APPLICATION_NUMBER.fullmatch(number):
        number = ""
    return render_template("seasonparking/public_sent.html", number=number,
                           title=_("Application received"))


def _page(form, organisation):
    return render_template("seasonparking/public_apply.html", form=form,
                           organisation=organisation)
