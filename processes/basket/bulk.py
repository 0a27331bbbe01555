"""Bulk claim and bulk reassign: each task is its own engine transaction, reported one by one.

A refused task never stops the others and is never half-changed: the engine either applies the
whole operation to that task or nothing. Tasks of another tenant are "not found", untouched.
"""
from collections import Counter
from dataclasses import dataclass, field

from engine import TaskStatus
from engine.errors import NotAllowed, NotFound, StaleInstance, TaskConflict
from processes.accounts.services import get_user

from . import defaults


class BulkError(ValueError):
    """The bulk request itself is unusable (no tasks, too many, unknown user); `field` names why."""

    def __init__(self, message, field="task_ids"):
        super().__init__(message)
        self.field = field


@dataclass
class BulkReport:
    """What happened to each task of a bulk action."""

    verb: str
    done: list = field(default_factory=list)        # task ids
    refused: list = field(default_factory=list)     # (task id, reason)

    def summary(self):
        """One line such as '2 claimed, 1 already claimed by bob'."""
        reasons = Counter(reason for _, reason in self.refused)
        return ", ".join([f"{len(self.done)} {self.verb}"]
                         + [f"{n} {reason}" for reason, n in reasons.items()])


def claim_many(engine, tenant, task_ids, actor, roles):
    """Claim each task for `actor`, who must be offered it by role or name."""
    report = BulkReport("claimed")
    for task_id in clean_ids(task_ids):
        _apply(engine, tenant, report, task_id,
               lambda t: engine.claim(t, actor, roles=list(roles), tenant=tenant))
    return report


def reassign_many(engine, session, tenant, task_ids, user, actor):
    """Assign each task to `user` (an active user of the tenant) on behalf of `actor`."""
    ids = clean_ids(task_ids)
    user = (user or "").strip()
    account = get_user(session, tenant, user) if user else None
    if account is None or not account.active:
        raise BulkError(f"There is no active user '{user}' here." if user
                        else "Name the user to give the tasks to.", field="user")
    report = BulkReport(f"reassigned to {account.username}")
    for task_id in ids:
        _apply(engine, tenant, report, task_id,
               lambda t: engine.assign(t, account.username, actor, tenant=tenant))
    return report


def clean_ids(task_ids):
    """Distinct, non-empty task ids in the order given; BulkError when none or too many."""
    ids = list(dict.fromkeys(str(t).strip() for t in task_ids or () if str(t).strip()))
    if not ids:
        raise BulkError("Select at least one task.")
    if len(ids) > defaults.MAX_BULK_TASKS:
        raise BulkError(f"Select at most {defaults.MAX_BULK_TASKS} tasks at a time.")
    return ids


def _apply(engine, tenant, report, task_id, operation):
    try:
        operation(task_id)
    except NotFound:
        report.refused.append((task_id, "not found"))
    except NotAllowed:
        report.refused.append((task_id, "not offered to your roles"))
    except (TaskConflict, StaleInstance):
        report.refused.append((task_id, _conflict(engine, tenant, task_id)))
    else:
        report.done.append(task_id)


def _conflict(engine, tenant, task_id):
    """Why a task could not be changed, told from its row rather than from error wording."""
    task = engine.task(task_id, tenant=tenant)
    if task is None:
        return "not found"
    if task.status != TaskStatus.OPEN:
        return f"already {task.status}"
    if task.assignee:
        return f"already claimed by {task.assignee}"
    return "changed meanwhile, try again"
