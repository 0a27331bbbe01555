"""Occurrence settings of the organisation (admins): types, their fields and SLA, statuses."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from processes.occurrences import catalogue, defaults, fields, services, settings

from ..access import roles_required
from ..extensions import get_engine
from . import bp
from .display import translated
from .forms import CsrfForm

REFUSED = 422


def _page(errors=None, target=None, status=200):
    services.choices(get_engine(), current_user.tenant)     # the defaults on first visit
    with get_engine().reading() as session:
        kinds = catalogue.types(session, current_user.tenant)
        for kind in kinds:
            _unused = kind.fields
        statuses = catalogue.statuses(session, current_user.tenant)
    return render_template("occurrences/settings.html", kinds=kinds, statuses=statuses,
                           errors=errors or {}, target=target, form=CsrfForm(),
                           kinds_of_field=fields.KINDS, milestones=catalogue.MILESTONES,
                           source=request.form), status


@bp.get("/settings")
@roles_required(*defaults.SETTINGS_ROLES)
def settings_page():
    """Types with their SLA and fields, and statuses with colour, order and "ended"."""
    return _page()


def _save(target, change, done):
    """Run one settings change in a transaction; refused input re-renders with messages."""
    if not CsrfForm().validate_on_submit():
        return _page({"form": _("The form expired; try again.")}, target, 400)
    try:
        with get_engine().transaction() as session:
            change(session)
    except settings.OccurrenceRefused as refusal:
        return _page(translated(refusal.errors), target, REFUSED)
    flash(done, "info")
    return redirect(url_for(".settings_page") + (f"#{target}" if target else ""))


@bp.post("/settings/types")
@roles_required(*defaults.SETTINGS_ROLES)
def add_type():
    """Add an occurrence type."""
    form = request.form
    return _save("new-type", lambda s: settings.save_type(
        s, current_user.tenant, form.get("name"), form.get("sla_hours"), True),
        _("Type added."))


@bp.post("/settings/types/<int:type_id>")
@roles_required(*defaults.SETTINGS_ROLES)
def save_type(type_id):
    """Rename a type, change its SLA, or take it out of use."""
    form = request.form
    return _save(f"type-{type_id}", lambda s: settings.save_type(
        s, current_user.tenant, form.get("name"), form.get("sla_hours"),
        "active" in form, type_id=type_id), _("Type saved."))


@bp.post("/settings/types/<int:type_id>/fields")
@roles_required(*defaults.SETTINGS_ROLES)
def add_field(type_id):
    """Add a custom field to a type."""
    form = request.form
    return _save(f"type-{type_id}", lambda s: settings.save_field(
        s, current_user.tenant, type_id, form.get("key"), form.get("label"), form.get("kind"),
        form.get("options", ""), "required" in form), _("Field added."))


@bp.post("/settings/types/<int:type_id>/fields/<int:field_id>")
@roles_required(*defaults.SETTINGS_ROLES)
def save_field(type_id, field_id):
    """Change a custom field, or remove it."""
    form = request.form
    if "remove" in form:
        return _save(f"type-{type_id}", lambda s: settings.remove_field(
            s, current_user.tenant, type_id, field_id), _("Field removed."))
    return _save(f"type-{type_id}", lambda s: settings.save_field(
        s, current_user.tenant, type_id, None, form.get("label"), form.get("kind"),
        form.get("options", ""), "required" in form, field_id=field_id), _("Field saved."))


@bp.post("/settings/statuses")
@roles_required(*defaults.SETTINGS_ROLES)
def add_status():
    """Add a status."""
    form = request.form
    return _save("statuses", lambda s: settings.save_status(
        s, current_user.tenant, form.get("name"), form.get("colour"), "ended" in form,
        form.get("position"), form.get("milestone")), _("Status added."))


@bp.post("/settings/statuses/<int:status_id>")
@roles_required(*defaults.SETTINGS_ROLES)
def save_status(status_id):
    """Change a status's name, colour, order, "ended" flag or process step."""
    form = request.form
    return _save("statuses", lambda s: settings.save_status(
        s, current_user.tenant, form.get("name"), form.get("colour"), "ended" in form,
        form.get("position"), form.get("milestone"), status_id=status_id),
        _("Status saved."))
