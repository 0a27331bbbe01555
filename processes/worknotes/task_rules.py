"""Who may view, work on and reassign a human task; the task page obeys these, in one place.

- Work (claim, complete): the assignee, a candidate user, a holder of a candidate group, and a
  supervisor once the task is escalated. The engine enforces the same rule on claim/complete;
  here it decides which buttons the page offers and who a task may be handed to.
- View: anyone who may work on it, whoever completed it, and every supervisor of the tenant.
  Anyone else (a designer opening a back-office task, an admin) is refused: 403.
- Reassign (open tasks only): a supervisor, any task; the assignee, their own task. The new
  assignee must be an active user of the tenant who may work on the task; nobody (None) sends
  it back to the queue.
"""
from sqlalchemy import or_, select

from engine import NotAllowed, TaskStatus
from engine import defaults as engine_defaults
from processes.accounts.models import Tenant, User, UserRole
from processes.accounts.roles import SUPERVISOR

from .errors import InputRefused


def can_work(task, username, roles):
    """True when `username` holding `roles` may claim and complete `task`."""
    if task.assignee == username or username in (task.candidate_users or []):
        return True
    groups = set(task.candidate_groups or [])
    if task.overdue:
        groups.add(engine_defaults.ESCALATION_GROUP)
    return bool(groups & set(roles))


def may_view(task, user):
    """True when `user` may open the task page."""
    return (SUPERVISOR in user.roles or task.completed_by == user.username
            or can_work(task, user.username, user.roles))


def check_view(task, user):
    """Raise NotAllowed unless `user` may open the task page."""
    if not may_view(task, user):
        raise NotAllowed(f"'{task.name}' is for {_audience(task)}; you cannot open it.")


def may_reassign(task, user):
    """True when `user` may hand the open task to someone else (or back to the queue)."""
    return task.status == TaskStatus.OPEN and (
        SUPERVISOR in user.roles or (task.assignee is not None and task.assignee == user.username))


def check_reassign(session, task, user, target):
    """Raise NotAllowed or InputRefused unless `user` may hand `task` to user name `target`."""
    if not may_reassign(task, user):
        raise NotAllowed("Only a supervisor or the task's assignee can reassign it.")
    if target is None:
        return
    if target == task.assignee:
        raise InputRefused({"user": f"{target} already has this task."})
    colleague = _active_user(session, task.tenant, target)
    if colleague is None:
        raise InputRefused({"user": f"There is no active user '{target}' here."})
    if not can_work(task, colleague.username, colleague.roles):
        raise InputRefused({"user": f"{target} cannot work on '{task.name}': it is for "
                                    f"{_audience(task)}."})


def colleagues(session, task):
    """User names of the tenant's active users who may work on `task`, sorted."""
    groups = set(task.candidate_groups or [])
    if task.overdue:
        groups.add(engine_defaults.ESCALATION_GROUP)
    users = session.scalars(
        select(User).join(Tenant).outerjoin(UserRole)
        .where(Tenant.key == task.tenant, User.active.is_(True),
               or_(UserRole.role.in_(groups), User.username.in_(task.candidate_users or [])))
        .distinct().order_by(User.username))
    return [u.username for u in users if can_work(task, u.username, u.roles)]


def _active_user(session, tenant, username):
    user = session.scalar(select(User).join(Tenant).where(
        Tenant.key == tenant, User.username == username))
    return user if user is not None and user.active else None


def _audience(task):
    names = list(task.candidate_groups or []) + list(task.candidate_users or [])
    return ", ".join(names) or "its assignee"
