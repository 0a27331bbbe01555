"""Routes of the monitor blueprint (thin: parse input, call one service, render)."""
import json

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from engine import InstanceStatus, InvalidVariables, TaskConflict, monitoring, positions
from engine import defaults as engine_defaults

from ..access import area, get_instance, roles_required
from ..extensions import get_engine
from . import bp, display
from .forms import ActionForm, InstanceFilterForm, RetryForm, VariablesForm

display.install(bp)

# Cancelling throws work away and changed variables steer what runs next: only people
# responsible for the operation may do either.
CANCEL_ROLES = ("supervisor", "admin")
REPAIR_ROLES = CANCEL_ROLES
PAGE_SIZE = engine_defaults.PAGE_SIZE


@bp.get("/")
@area("monitor")
def index():
    """The tenant's instances, newest first, narrowed by the filter form, one page at a time."""
    form = InstanceFilterForm(formdata=request.args)
    form.process_key.choices = [SelectChoice("", "Any process")] + [
        SelectChoice(d.key, d.name or d.key) for d in get_engine().definitions(current_user.tenant)
        if d.kind == "bpmn"]
    if not form.validate():
        return _list_page(form, [], page=1, has_next=False), 422
    page = form.page.data or 1
    rows = monitoring.find_instances(get_engine(), current_user.tenant, form.to_filter(),
                                     limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
    return _list_page(form, rows[:PAGE_SIZE], page=page, has_next=len(rows) > PAGE_SIZE)


@bp.get("/instances/<int:instance_id>")
@area("monitor")
def instance(instance_id):
    """Status, version, variables, open tasks, timers, incidents and history of one instance."""
    return _instance_page(get_instance(instance_id))


@bp.post("/instances/<int:instance_id>/variables")
@roles_required(*REPAIR_ROLES)
def variables(instance_id):
    """Change variables of a running instance, e.g. to repair a failed step's input before
    a Retry; a refused value re-renders the page with the message and the typed text."""
    inst = get_instance(instance_id)
    form = VariablesForm()
    if not form.validate_on_submit():
        return _instance_page(inst, form), 422
    changes = form.changes(inst.variables or {})
    if not changes:
        flash("No variable changed.", "info")
        return redirect(url_for(".instance", instance_id=instance_id))
    try:
        get_engine().set_variables(instance_id, changes, current_user.username,
                                   tenant=current_user.tenant)
    except InvalidVariables as refused:
        form.variables.errors = [f"{name}: {message}" for name, message in refused.errors.items()]
        return _instance_page(inst, form), 422
    except TaskConflict as conflict:
        form.variables.errors = [str(conflict)]
        return _instance_page(inst, form), 409
    hint = (" Retry the incident to run the step with the new values."
            if _has_open_incident(inst) else "")
    flash(f"Changed {', '.join(sorted(changes))}.{hint}", "info")
    return redirect(url_for(".instance", instance_id=instance_id))


@bp.get("/instances/<int:instance_id>/diagram")
@area("monitor")
def diagram(instance_id):
    """The BPMN XML of the version the instance runs on, for the diagram on its page."""
    inst = get_instance(instance_id)
    found = monitoring.instance_source(get_engine(), inst)
    if found is None:
        abort(404)
    response = current_app.response_class(found, mimetype="application/xml")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.get("/incidents")
@area("monitor")
def incidents():
    """Open incidents (or every incident with ?show=all), newest first, with Retry buttons."""
    show_all = request.args.get("show") == "all"
    page = max(1, min(request.args.get("page", 1, type=int), 10_000))
    rows = monitoring.incidents_with_instances(
        get_engine(), current_user.tenant, open_only=not show_all,
        limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
    return render_template(
        "monitor/incidents.html", rows=rows[:PAGE_SIZE], page=page,
        has_next=len(rows) > PAGE_SIZE, show_all=show_all, retry_form=RetryForm(),
        may_cancel=_may_cancel(), running=InstanceStatus.RUNNING)


@bp.post("/incidents/<int:incident_id>/retry")
@area("monitor")
def retry(incident_id):
    """Resolve an incident and run its failed step again; a new failure opens a new one."""
    form = RetryForm()   # CSRFProtect has already checked the token of this POST
    get_engine().retry_incident(incident_id, current_user.username, tenant=current_user.tenant)
    flash(f"Incident #{incident_id} retried. If the step failed again, a new incident "
          "is listed.", "info")
    back = form.back_instance()
    return redirect(url_for(".instance", instance_id=back) if back else url_for(".incidents"))


@bp.get("/instances/<int:instance_id>/cancel")
@roles_required(*CANCEL_ROLES)
def confirm_cancel(instance_id):
    """Ask for confirmation before cancelling a running instance."""
    inst = get_instance(instance_id)
    running = inst.status == InstanceStatus.RUNNING
    page = render_template("monitor/cancel.html", instance=inst, form=ActionForm(),
                           running=running)
    return page, 200 if running else 409


@bp.post("/instances/<int:instance_id>/cancel")
@roles_required(*CANCEL_ROLES)
def cancel(instance_id):
    """Cancel a running instance with its open tasks, timers and jobs."""
    get_engine().cancel(instance_id, current_user.username, tenant=current_user.tenant)
    flash(f"Instance #{instance_id} was cancelled.", "info")
    return redirect(url_for(".instance", instance_id=instance_id))


def _instance_page(inst, variables_form=None):
    overview = monitoring.instance_overview(get_engine(), inst)
    shown = json.dumps(overview.instance.variables or {}, indent=2, sort_keys=True,
                       ensure_ascii=False, default=str)
    running = overview.instance.status == InstanceStatus.RUNNING
    may_repair = running and bool(set(REPAIR_ROLES) & set(current_user.roles))
    return render_template(
        "monitor/instance.html", o=overview, retry_form=RetryForm(back=inst.id),
        variables=shown, may_cancel=_may_cancel(), running=running, may_repair=may_repair,
        where=positions.positions(get_engine(), inst),
        variables_form=variables_form or VariablesForm(formdata=None, variables=shown))


def _has_open_incident(inst):
    overview = monitoring.instance_overview(get_engine(), inst)
    return any(incident.resolved_at is None for incident in overview.incidents)


def _list_page(form, instances, page, has_next):
    return render_template("monitor/index.html", form=form, instances=instances, page=page,
                           has_next=has_next, pager_args=form.query_args())


def _may_cancel():
    return bool(set(CANCEL_ROLES) & set(current_user.roles))
