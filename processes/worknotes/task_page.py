"""Everything the task page shows, gathered in read-only sessions (no workflow state loaded)."""
from dataclasses import dataclass, field

from engine import ProcessDefinition, TaskStatus, clock

from processes import timewords
from . import defaults, services, task_rules, timeline, when


@dataclass
class TaskPage:
    """The task, its case, the times in the tenant's zone, what the user may do, the timeline."""

    task: object
    instance: object
    process_name: str
    zone: str
    created: timewords.Moment
    due: timewords.Moment | None
    finished: timewords.Moment | None
    overdue: bool
    priority: str
    key_variables: list
    other_variables: list
    prefill: dict
    can_claim: bool = False
    can_unclaim: bool = False
    can_complete: bool = False
    can_reassign: bool = False
    colleagues: list = field(default_factory=list)
    next_tasks: list = field(default_factory=list)
    attachments: list = field(default_factory=list)
    timeline: list = field(default_factory=list)


def load(eng, task, user):
    """The page of `task` for `user`; NotAllowed when the user may not view it."""
    task_rules.check_view(task, user)
    now = clock.now()
    tz = when.tenant_zone(eng, task.tenant)
    inst = eng.instance(task.instance_id, tenant=task.tenant)
    variables = dict(inst.variables or {}) if inst is not None else {}
    with eng.reading() as session:
        definition = session.get(ProcessDefinition, inst.definition_id) if inst else None
        colleagues = task_rules.colleagues(session, task) if task.status == TaskStatus.OPEN else []
    key_vars, other_vars = _variables(variables, definition)
    page = TaskPage(
        task=task, instance=inst, zone=str(tz),
        process_name=(definition.name if definition else None) or task.process_key,
        created=timewords.moment(task.created_at, tz, now),
        due=timewords.moment(task.due_at, tz, now, past="overdue"),
        finished=timewords.moment(task.completed_at, tz, now),
        overdue=_overdue(task, now), priority=priority_label(task.priority),
        key_variables=key_vars, other_variables=other_vars, prefill=_prefill(task, variables),
        colleagues=[c for c in colleagues if c != task.assignee],
        attachments=services.list_attachments(eng, task.tenant, task.instance_id),
        timeline=timeline.list_timeline(eng, task.tenant, task.instance_id, tz, now))
    _permissions(page, task, user)
    page.next_tasks = _next_tasks(eng, task, user)
    return page


def priority_label(priority):
    """"70 · high", "50 · normal", "20 · low" from a camunda:priority number."""
    if priority is None:
        return "normal"
    if priority >= defaults.PRIORITY_HIGH:
        return f"{priority} · high"
    if priority <= defaults.PRIORITY_LOW:
        return f"{priority} · low"
    return f"{priority} · normal"


def _permissions(page, task, user):
    is_open = task.status == TaskStatus.OPEN
    works = task_rules.can_work(task, user.username, user.roles)
    page.can_claim = is_open and task.assignee is None and works
    page.can_unclaim = is_open and task.assignee == user.username
    page.can_complete = is_open and task.assignee in (None, user.username) and works
    page.can_reassign = task_rules.may_reassign(task, user)


def _overdue(task, now):
    if task.status != TaskStatus.OPEN:
        return False
    return bool(task.overdue) or (task.due_at is not None and task.due_at <= now)


def _variables(variables, definition):
    """(key variables in the definition's basketColumns order, every other variable by name)."""
    keys = [k for k in (definition.basket_columns or []) if k] if definition else []
    key_vars = [(k, variables.get(k)) for k in keys]
    others = [(k, v) for k, v in sorted(variables.items()) if k not in keys]
    return key_vars, others


def _prefill(task, variables):
    """Form values to show: the case's current value of a field, else the field's default."""
    fields = (task.form or {}).get("fields", [])
    return {f["id"]: variables.get(f["id"], f.get("default")) for f in fields}


def _next_tasks(eng, task, user):
    """Other open tasks of the same case this user may work on (handy right after completing)."""
    return [t for t in eng.instance_tasks(task.instance_id)
            if t.id != task.id and t.status == TaskStatus.OPEN
            and task_rules.can_work(t, user.username, user.roles)]
