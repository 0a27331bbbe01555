"""Claim, unclaim, complete and reassign from the task page: each calls one engine operation.

Each returns the sentence to tell the user. A lost race comes back as TaskConflict worded for
a person ("This task was already completed by agent at 10:42."), never as the raw engine text.
"""
from contextlib import contextmanager

from engine import StaleInstance, TaskConflict, TaskStatus, clock

from processes import timewords
from . import when
from .task_rules import check_reassign, check_view


def claim(eng, task, user):
    """Make `user` the task's assignee."""
    check_view(task, user)
    with _explained(eng, task, user):
        eng.claim(task.id, user.username, roles=list(user.roles), tenant=task.tenant)
    return f"You claimed “{task.name}”."


def unclaim(eng, task, user):
    """Give the user's task back to its queue."""
    check_view(task, user)
    with _explained(eng, task, user):
        eng.unclaim(task.id, user.username, tenant=task.tenant)
    return f"“{task.name}” is back in the queue."


def complete(eng, task, user, values):
    """Complete the task with form `values`; an unclaimed task is claimed on the way."""
    check_view(task, user)
    # The engine lets anyone who may work on an unassigned task complete it directly: that is
    # the implicit claim, and it leaves nothing half done when the values are refused (422).
    with _explained(eng, task, user):
        eng.complete(task.id, user.username, values, roles=list(user.roles), tenant=task.tenant)
    return f"You completed “{task.name}”."


def reassign(eng, task, user, target):
    """Hand the task to user name `target`, or back to the queue when `target` is None."""
    with eng.reading() as session:
        check_reassign(session, task, user, target)
    with _explained(eng, task, user):
        eng.assign(task.id, target, user.username, tenant=task.tenant)
    if target is None:
        return f"“{task.name}” is back in the queue."
    return f"“{task.name}” is now with {target}."


@contextmanager
def _explained(eng, task, user):
    try:
        yield
    except (TaskConflict, StaleInstance) as exc:
        raise TaskConflict(conflict_message(eng, task, user, exc)) from exc


def conflict_message(eng, task, user, error):
    """Why an operation on `task` lost, from the task's state now."""
    fresh = eng.task(task.id, tenant=task.tenant) or task
    if fresh.status == TaskStatus.COMPLETED:
        at = _at(eng, fresh)
        return f"This task was already completed by {fresh.completed_by or 'someone'} at {at}."
    if fresh.status == TaskStatus.CANCELLED:
        return f"This task was withdrawn at {_at(eng, fresh)}: the process moved on without it."
    if fresh.assignee not in (None, user.username):
        return f"This task is already claimed by {fresh.assignee}."
    text = str(error).rstrip(".")
    return f"{text[:1].upper()}{text[1:]}."


def _at(eng, task):
    if task.completed_at is None:
        return "an earlier moment"
    return timewords.short(task.completed_at, when.tenant_zone(eng, task.tenant), clock.now())
