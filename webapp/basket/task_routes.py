"""The task page: show a task and its case; claim, unclaim, complete, reassign, comment, attach.

Views stay thin: load the task through the tenant-scoped access helper (404 for another
tenant's), call one service of processes.worknotes, then redirect (PRG) or re-render the page
with the refusal and its status (409 lost race, 422 bad input with per-field messages).
"""
from pathlib import Path

from flask import current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from wtforms import SelectChoice

from engine import InvalidVariables, StaleInstance, TaskConflict
from processes.worknotes import defaults, services, task_actions, task_page
from processes.worknotes.filecheck import human_size

from ..access import area, get_task
from ..errors import status_of
from ..extensions import get_engine
from . import bp
from .task_forms import (ActionForm, AttachmentForm, CommentForm, ReassignForm, apply_errors,
                         build_task_form, submitted_values)

# Refusals shown on the task page itself; NotAllowed and NotFound go to the error page.
RESHOWN = (InvalidVariables, TaskConflict, StaleInstance)


@bp.get("/tasks/<task_id>")
@area("basket")
def task(task_id):
    """Show a task: facts, its form, actions, comments, attachments and the case's timeline."""
    return _render(get_task(task_id))


@bp.post("/tasks/<task_id>/claim")
@area("basket")
def task_claim(task_id):
    """Claim the task for the current user."""
    row = get_task(task_id)
    return _act(row, lambda: task_actions.claim(get_engine(), row, current_user))


@bp.post("/tasks/<task_id>/unclaim")
@area("basket")
def task_unclaim(task_id):
    """Give the current user's task back to its queue."""
    row = get_task(task_id)
    return _act(row, lambda: task_actions.unclaim(get_engine(), row, current_user))


@bp.post("/tasks/<task_id>/complete")
@area("basket")
def task_complete(task_id):
    """Complete the task with the submitted form (claiming it on the way when unclaimed)."""
    row = get_task(task_id)
    values = submitted_values(row.form, request.form)
    return _act(row, lambda: task_actions.complete(get_engine(), row, current_user, values),
                refused=lambda page: build_task_form(row.form, page.prefill, request.form))


@bp.post("/tasks/<task_id>/reassign")
@area("basket")
def task_reassign(task_id):
    """Hand the task to a colleague or back to the queue (supervisors, or its assignee)."""
    row = get_task(task_id)
    form = ReassignForm()
    target = (form.user.data or "").strip() or None
    return _act(row, lambda: task_actions.reassign(get_engine(), row, current_user, target),
                refused=lambda page: form)


@bp.post("/tasks/<task_id>/comments")
@area("basket")
def task_comment(task_id):
    """Add a comment to the task's case."""
    row = get_task(task_id)
    form = CommentForm()
    return _act(row, lambda: services.add_comment(get_engine(), row, current_user,
                                                  form.body.data),
                done="Comment added.", refused=lambda page: form)


@bp.post("/tasks/<task_id>/attachments")
@area("basket")
def task_attach(task_id):
    """Attach an uploaded file to the task's case."""
    row = get_task(task_id)
    form = AttachmentForm()
    upload = form.file.data
    return _act(row, lambda: services.add_attachment(
        get_engine(), row, current_user, _upload_dir(), upload.stream if upload else None,
        upload.filename if upload else None, max_bytes=_max_bytes()),
        done="File attached.", refused=lambda page: form)


@bp.get("/tasks/<task_id>/attachments/<int:attachment_id>")
@area("basket")
def task_attachment(task_id, attachment_id):
    """Download an attachment of the task's case: always as a file, never rendered inline."""
    row = get_task(task_id)
    attachment, path = services.attachment_file(get_engine(), row, current_user, attachment_id,
                                                _upload_dir())
    response = send_file(path, mimetype=attachment.content_type, as_attachment=True,
                         download_name=attachment.filename, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _act(row, action, done=None, refused=None):
    """Run `action`, flash `done` or its sentence and redirect (PRG); else re-show the refusal."""
    try:
        result = action()
    except RESHOWN as exc:
        return _render(get_task(row.id), problem=exc, refused=refused)
    flash(done or result, "success")
    return redirect(url_for(".task", task_id=row.id))


def _render(row, problem=None, refused=None):
    """The task page; a refusal shows on top, sets the status (409, 422...) and marks its form."""
    page = task_page.load(get_engine(), row, current_user)
    form = refused(page) if refused is not None else None
    unplaced = []
    if form is not None and isinstance(problem, InvalidVariables):
        unplaced = apply_errors(form, problem.errors)
    forms = _forms(page, form)
    status = status_of(problem) if problem is not None else 200
    return render_template("basket/task.html", page=page, forms=forms, problem=problem,
                           unplaced=unplaced, upload_limit=human_size(_max_bytes()),
                           back_url=_back_url()), status


def _forms(page, refused):
    """The page's forms, with the refused one (holding its errors) in its own place."""
    forms = {
        "task": build_task_form(page.task.form, page.prefill),
        "action": ActionForm(formdata=None),
        "reassign": ReassignForm(formdata=None),
        "comment": CommentForm(formdata=None),
        "attachment": AttachmentForm(formdata=None),
    }
    kinds = {ReassignForm: "reassign", CommentForm: "comment", AttachmentForm: "attachment"}
    if refused is not None:
        forms[kinds.get(type(refused), "task")] = refused
    forms["reassign"].user.choices = _reassign_choices(page)
    return forms


def _reassign_choices(page):
    queue = [SelectChoice("", "Back to the queue")] if page.task.assignee else []
    return [SelectChoice(name) for name in page.colleagues] + queue


def _back_url():
    has_basket = "basket.index" in current_app.view_functions
    return url_for("basket.index") if has_basket else url_for("home.index")


def _upload_dir():
    configured = current_app.config.get("UPLOAD_FOLDER")
    return Path(configured) if configured else Path(current_app.instance_path) / \
        defaults.UPLOAD_SUBDIR


def _max_bytes():
    return int(current_app.config.get("ATTACHMENT_MAX_BYTES", defaults.MAX_ATTACHMENT_BYTES))
