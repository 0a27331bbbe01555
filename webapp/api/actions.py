"""What each API endpoint does: the engine's operations under the rules the pages obey.

Tenancy: every lookup and operation is scoped to the token user's tenant, so another
tenant's instance or task is a 404. Claim and complete rights are the engine's; who may view
or reassign a task is processes.worknotes.task_rules; the basket lists come from
engine.basket, the same query the basket pages use.
"""
from engine import (DefinitionError, InvalidVariables, NotAllowed, NotFound, TaskConflict,
                    TaskStatus, basket)
from engine import defaults as engine_defaults
from processes.accounts.roles import SUPERVISOR
from processes.worknotes import task_rules

from ..extensions import db, get_engine
from . import serializers

# Who may open the Escalated view: the people escalations are for.
ESCALATED_ROLES = frozenset({SUPERVISOR})


def deploy(user, upload):
    """Validate and deploy an uploaded .bpmn/.dmn file; DefinitionError (400) when refused."""
    if upload is None or not upload.filename:
        raise InvalidVariables({"file": "Attach a .bpmn or .dmn file as the form field 'file'."})
    # One byte over the engine's cap is enough for it to refuse the file; never read more.
    data = upload.stream.read(engine_defaults.MAX_XML_BYTES + 1)
    results = get_engine().deploy(data, upload.filename, user.tenant, actor=user.username)
    if not results:
        raise DefinitionError("the file holds no executable process or decision",
                              upload.filename)
    return serializers.deploy_result_json(results), any(d.created for d in results)


def start(user, process_key, business_key, variables):
    """Start the latest version of a process; 404 when it is not deployed, 422 on a bad form."""
    started = get_engine().start_instance(process_key, business_key, variables or {},
                                          tenant=user.tenant, actor=user.username)
    return {"id": started.id, "status": started.status}


def instance(user, instance_id):
    """An instance of the user's tenant with its open tasks and history, or 404."""
    eng = get_engine()
    found = eng.instance(instance_id, tenant=user.tenant)
    if found is None:
        raise NotFound(f"instance {instance_id} not found")
    open_tasks = [t for t in eng.instance_tasks(instance_id) if t.status == TaskStatus.OPEN]
    return serializers.instance_json(found, open_tasks, eng.history(instance_id))


def task_page(user, view, page):
    """Page `page` of a basket view; Escalated is for supervisors only (403)."""
    if view == basket.View.ESCALATED and not ESCALATED_ROLES & set(user.roles):
        raise NotAllowed("The Escalated view is for supervisors.")
    viewer = basket.Viewer(tenant=user.tenant, user=user.username, roles=tuple(user.roles))
    found = basket.fetch(get_engine(), view, viewer, page=page)
    return serializers.task_page_json(view, found)


def task(user, task_id):
    """A task the user may view (403 otherwise), with its form; 404 outside their tenant."""
    found = _task(user, task_id)
    task_rules.check_view(found, user)
    return serializers.task_detail_json(found)


def claim(user, task_id):
    """Make the user the task's assignee; 409 when somebody else has it or it is done."""
    claimed = get_engine().claim(task_id, user.username, roles=user.roles, tenant=user.tenant)
    return serializers.task_detail_json(claimed)


def unclaim(user, task_id):
    """Give the user's task back to its queue; 409 when it is somebody else's or done."""
    task_rules.check_view(_task(user, task_id), user)
    returned = get_engine().unclaim(task_id, user.username, tenant=user.tenant)
    return serializers.task_detail_json(returned)


def reassign(user, task_id, target):
    """Hand the task to user `target` (None: back to the queue) under the reassign rules."""
    found = _task(user, task_id)
    if found.status != TaskStatus.OPEN:
        raise TaskConflict(f"this task was already {found.status}")
    try:
        task_rules.check_reassign(db.session, found, user, target)
    finally:
        db.session.rollback()
    assigned = get_engine().assign(task_id, target, user.username, tenant=user.tenant)
    return serializers.task_detail_json(assigned)


def complete(user, task_id, variables):
    """Complete the task with form values; 422 per field, 409 when done or somebody else's."""
    completed = get_engine().complete(task_id, user.username, variables or {},
                                      roles=user.roles, tenant=user.tenant)
    return serializers.task_detail_json(completed)


def _task(user, task_id):
    found = get_engine().task(task_id, tenant=user.tenant)
    if found is None:
        raise NotFound(f"task {task_id} not found")
    return found
