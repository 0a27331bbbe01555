"""Routes of the occurrences blueprint (thin: parse input, call one service, render)."""
from flask import flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from engine import clock
from processes.occurrences import listing, services
from processes.occurrences.errors import OccurrenceEnded, OccurrenceRefused, ReopenRefused
from processes.occurrences.rules import may_reopen

from ..access import area
from ..extensions import get_engine
from . import bp
from .display import activity_line, local, tr, translated, upload_folder
from .forms import CsrfForm, field_values, read_uploads, report_data

AREA = "occurrences"
REFUSED = 422


@bp.get("/")
@area(AREA)
def index():
    """The occurrences across all bookings: filters, sort, count per status, overdue alerts."""
    errors = {}
    try:
        filters = listing.parse_filters(request.args)
    except OccurrenceRefused as refusal:
        errors, filters = translated(refusal.errors), listing.Filters()
    now = clock.now()
    found = services.find(get_engine(), current_user, filters, now)
    kinds, statuses = services.choices(get_engine(), current_user.tenant)
    return render_template(
        "occurrences/index.html", found=found, filters=filters, errors=errors, kinds=kinds,
        statuses=statuses, sites=_sites(), staff=_staff(), now=now, zone=_zone(),
        local=local, args=request.args, link=_list_link), 422 if errors else 200


def _list_link(**changes):
    """The list's URL with the current filters, some changed (None drops one). Names with a
    leading _ are url_for's own options (_external, _scheme, _anchor): never from the query."""
    args = {k: v for k, v in request.args.items() if v != "" and not k.startswith("_")}
    args.update({k: v for k, v in changes.items() if v is not None})
    return url_for(".index", **{k: v for k, v in args.items()
                                if k not in changes or changes[k] is not None})


@bp.route("/new", methods=["GET", "POST"])
@area(AREA)
def new():
    """Report an occurrence from a booking (site and booking prefilled) or for a site."""
    kinds, _statuses = services.choices(get_engine(), current_user.tenant)
    form = CsrfForm()
    source = request.form if request.method == "POST" else request.args
    chosen = _chosen_type(kinds, source.get("type_id"))
    if request.method == "GET" or "choose" in request.form:
        return _new_page(kinds, chosen, source, {}, form)
    if not form.validate_on_submit():
        return _new_page(kinds, chosen, source, {"form": _("The form expired; try again.")},
                         form), 400
    try:
        uploads = read_uploads(request.files.getlist("files"))
        occurrence = services.report(get_engine(), current_user,
                                     report_data(request.form, chosen), uploads, upload_folder())
    except OccurrenceRefused as refusal:
        return _new_page(kinds, chosen, request.form, translated(refusal.errors), form), REFUSED
    flash(_("%(reference)s was reported.", reference=occurrence.reference), "info")
    return redirect(url_for(".show", occurrence_id=occurrence.id))


def _chosen_type(kinds, raw):
    wanted = str(raw or "")
    return next((k for k in kinds if str(k.id) == wanted), kinds[0] if kinds else None)


def _new_page(kinds, chosen, source, errors, form):
    booking = _booking(source.get("booking_id"))
    return render_template("occurrences/new.html", kinds=kinds, chosen=chosen, source=source,
                           errors=errors, form=form, booking=booking, sites=_sites())


@bp.get("/<int:occurrence_id>")
@area(AREA)
def show(occurrence_id):
    """One occurrence: fields (read-only once ended), status, assignee, comments, activity."""
    return _show_page(occurrence_id)


def _show_page(occurrence_id, errors=None, status=200, source=None):
    page = services.page(get_engine(), current_user, occurrence_id, clock.now())
    return render_template(
        "occurrences/show.html", page=page, occ=page.occurrence, errors=errors or {},
        source=source or {}, form=CsrfForm(), zone=_zone(), local=local,
        activity_line=activity_line, may_reopen=may_reopen(current_user.roles)), status


@bp.post("/<int:occurrence_id>/edit")
@area(AREA)
def edit(occurrence_id):
    """Save the description and custom fields; refused while the occurrence is ended."""
    occurrence = services.load(get_engine(), current_user.tenant, occurrence_id)
    changes = {"description": request.form.get("description", ""),
               "values": field_values(request.form, occurrence.type, "f_")}
    return _change(occurrence_id, changes, _("Saved."))


@bp.post("/<int:occurrence_id>/status")
@area(AREA)
def status(occurrence_id):
    """Change the status; back from an ended one needs a supervisor/admin and a reason."""
    changes = {"status_id": request.form.get("status_id", ""),
               "reason": request.form.get("reason", "")}
    return _change(occurrence_id, changes, _("Status changed."))


@bp.post("/<int:occurrence_id>/assign")
@area(AREA)
def assign(occurrence_id):
    """Assign the occurrence to a staff member (empty: nobody)."""
    return _change(occurrence_id, {"assignee": request.form.get("assignee", "")},
                   _("Assignee saved."))


def _change(occurrence_id, changes, done):
    if not CsrfForm().validate_on_submit():
        return _show_page(occurrence_id, {"form": _("The form expired; try again.")}, 400)
    try:
        services.change(get_engine(), current_user, occurrence_id, changes)
    except OccurrenceRefused as refusal:
        return _show_page(occurrence_id, translated(refusal.errors), REFUSED, request.form)
    except (OccurrenceEnded, ReopenRefused) as refusal:
        code = 409 if isinstance(refusal, OccurrenceEnded) else 403
        return _show_page(occurrence_id, {"form": tr(refusal.msg)}, code, request.form)
    flash(done, "info")
    return redirect(url_for(".show", occurrence_id=occurrence_id))


@bp.post("/<int:occurrence_id>/comments")
@area(AREA)
def comment(occurrence_id):
    """Add a comment, with photos or videos if any."""
    if not CsrfForm().validate_on_submit():
        return _show_page(occurrence_id, {"form": _("The form expired; try again.")}, 400)
    try:
        uploads = read_uploads(request.files.getlist("files"))
        services.comment(get_engine(), current_user, occurrence_id, request.form.get("body"),
                         uploads, upload_folder())
    except OccurrenceRefused as refusal:
        return _show_page(occurrence_id, translated(refusal.errors), REFUSED, request.form)
    flash(_("Comment added."), "info")
    return redirect(url_for(".show", occurrence_id=occurrence_id) + "#comments")


@bp.get("/<int:occurrence_id>/attachments/<int:attachment_id>")
@area(AREA)
def attachment(occurrence_id, attachment_id):
    """Download an attachment (always as a file, never shown inline)."""
    row, path = services.attachment_file(get_engine(), current_user, occurrence_id,
                                         attachment_id, upload_folder())
    response = send_file(path, mimetype=row.content_type, as_attachment=True,
                         download_name=row.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"   # never run as anything else
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _booking(raw):
    raw = str(raw or "")
    return services.booking(get_engine(), current_user.tenant, raw) \
        if raw.isascii() and raw.isdigit() else None


def _sites():
    return services.sites(get_engine(), current_user.tenant)


def _staff():
    return services.staff(get_engine(), current_user.tenant)


def _zone():
    return services.zone(get_engine(), current_user.tenant)
