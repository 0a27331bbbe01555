"""Changing an instance's variables by hand (the monitor's repair before a Retry).

A supervisor fixes the value a failed step choked on, then retries it: the new values go into
the data of every step still to run, so the retried service task or script sees them.
"""
import json
import re

from SpiffWorkflow.util.task import TaskState

from .errors import InvalidVariables

NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")
MAX_VALUE_CHARS = 10_000           # of one value, as JSON
PENDING = TaskState.READY | TaskState.STARTED | TaskState.WAITING | TaskState.ERROR


def check_changes(changes):
    """The changes as a dict, or InvalidVariables naming every refused variable."""
    if not isinstance(changes, dict) or not changes:
        raise InvalidVariables({"variables": "Give at least one variable to change."})
    errors = {}
    for name, value in changes.items():
        if not isinstance(name, str) or not NAME.fullmatch(name):
            errors[str(name)] = ("A variable name is a letter followed by letters, digits or "
                                 "underscores (at most 64).")
            continue
        try:
            text = json.dumps(value, allow_nan=False)
        except (TypeError, ValueError):
            errors[name] = "Only JSON values (text, numbers, true/false, null, lists, objects)."
            continue
        if len(text) > MAX_VALUE_CHARS:
            errors[name] = f"At most {MAX_VALUE_CHARS} characters as JSON."
    if errors:
        raise InvalidVariables(errors)
    return dict(changes)


def apply_changes(wf, changes):
    """Put `changes` into the data of every pending step (and of the latest one, which the
    lists show, and of a step stuck before it began); returns the previous values (None for a
    new variable)."""
    latest = wf.last_task
    before = {name: (latest.data.get(name) if latest is not None else None) for name in changes}
    targets = list(wf.get_tasks(state=PENDING))
    if latest is not None:
        targets.append(latest)
    # A step that failed while being made ready (a call activity's input mappings) is still
    # FUTURE after a completed one, and takes that one's data when it is tried again.
    for task in wf.get_tasks(state=TaskState.FUTURE):
        if task.parent is not None and task.parent.has_state(TaskState.COMPLETED):
            targets += [task, task.parent]
    for task in targets:
        task.data.update(changes)
    return before
