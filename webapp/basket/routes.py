"""Routes of the basket list (thin: parse input, call one service, render or redirect).

GET  /basket/                          -> the Inbox when something is assigned to me, else Queue
GET  /basket/<view>                    -> inbox | queue | escalated (supervisors) | done
POST /basket/<view>/claim              -> bulk claim of the ticked tasks (queue, escalated)
POST /basket/<view>/reassign           -> bulk reassign to a user (supervisors)
POST /basket/<view>/filters            -> save the filter of the page under a name
POST /basket/filters/<id>/delete       -> delete one of my saved filters
"""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

import processes.basket.models  # noqa: F401  (puts the saved-filter table on Base.metadata)
from processes.accounts.roles import SUPERVISOR
from processes.basket import bulk

from ..access import area, roles_required
from ..extensions import db, get_engine
from . import bp, views
from .forms import BulkForm, SaveFilterForm

ANY_VIEW = "<any(inbox, queue, escalated, done):view>"


@bp.get("/")
@area("basket")
def index():
    """Open the Inbox when the user holds tasks, else the Queue."""
    return redirect(url_for("basket.view", view=views.landing_view()))


@bp.get(f"/{ANY_VIEW}")
@area("basket")
def view(view):
    """List one basket view, filtered, sorted and paged by the query string."""
    _check_may_open(view)
    page = views.list_page(view, request.args)
    return render_template("basket/list.html", **page.context), page.status


@bp.post("/<any(queue, escalated):view>/claim")
@area("basket")
def bulk_claim(view):
    """Claim every ticked task for me; report per task what could not be claimed."""
    _check_may_open(view)
    form = BulkForm()
    try:
        report = bulk.claim_many(get_engine(), current_user.tenant, form.task_ids.data,
                                 current_user.username, current_user.roles)
    except bulk.BulkError as exc:
        return _refused(view, form, exc)
    return _reported(view, report)


@bp.post("/<any(inbox, queue, escalated):view>/reassign")
@roles_required(SUPERVISOR)
def bulk_reassign(view):
    """Give every ticked task to the named user; report per task what could not be moved."""
    form = BulkForm()
    try:
        report = bulk.reassign_many(get_engine(), db.session, current_user.tenant,
                                    form.task_ids.data, form.user.data, current_user.username)
    except bulk.BulkError as exc:
        return _refused(view, form, exc)
    return _reported(view, report)


@bp.post(f"/{ANY_VIEW}/filters")
@area("basket")
def save_filter(view):
    """Save the page's filter under a name; the form comes back with messages when refused."""
    _check_may_open(view)
    form = SaveFilterForm()
    saved = views.save_current_filter(view, request.args, form)
    if saved is None:
        page = views.list_page(view, request.args, save_form=form, status=422)
        return render_template("basket/list.html", **page.context), page.status
    flash(f"Filter '{saved.name}' saved.", "info")
    return redirect(url_for("basket.view", view=view, **views.filter_args(view, request.args)),
                    303)


@bp.post("/filters/<int:filter_id>/delete")
@area("basket")
def delete_filter(filter_id):
    """Delete one of my saved filters (another user's is not found)."""
    # The form is only a CSRF token (csrf_token() in the template); CSRFProtect checked it.
    if not views.delete_saved_filter(filter_id):
        abort(404)
    flash("Saved filter deleted.", "info")
    back = request.args.get("view")
    target = (url_for("basket.view", view=back) if back in views.VIEW_LABELS
              else url_for("basket.index"))
    return redirect(target, 303)


def _check_may_open(view):
    if not views.may_open(view):
        abort(403)


def _refused(view, form, exc):
    """Re-render the list with the bulk form's message (nothing was changed)."""
    form[exc.field].errors = [str(exc)]
    page = views.list_page(view, request.args, bulk_form=form, status=422)
    return render_template("basket/list.html", **page.context), page.status


def _reported(view, report):
    """Back to the same filtered list, with the per-task outcome as a message."""
    flash(report.summary() + ".", "info" if report.done and not report.refused else
          "warning" if report.done else "error")
    return redirect(url_for("basket.view", view=view, **views.filter_args(view, request.args)),
                    303)
