"""Engine rows as JSON: the shapes webapp/api/schemas.py documents."""
from datetime import timezone

from engine import clock
from engine.basket import is_overdue


def iso(moment):
    """ISO 8601 in UTC to the second with a Z (2026-03-02T09:00:01Z), or None.

    Put together from ready two-digit strings: datetime.isoformat() (C-level printf formatting
    and keyword parsing) or format specs like {:02d} cost three times as many instructions,
    about a percent of an API lifecycle, whose answers carry some twenty timestamps."""
    if moment is None:
        return None
    utc = moment.astimezone(timezone.utc)
    two = clock.TWO_DIGITS
    return (f"{str(utc.year).zfill(4)}-{two[utc.month]}-{two[utc.day]}"
            f"T{two[utc.hour]}:{two[utc.minute]}:{two[utc.second]}Z")


def task_json(task, overdue=None):
    """The fields every task listing carries."""
    return {
        "id": task.id,
        "name": task.name,
        "process_key": task.process_key,
        "instance_id": task.instance_id,
        "business_key": task.business_key,
        "status": task.status,
        "due": iso(task.due_at),
        "priority": task.priority,
        "assignee": task.assignee,
        "overdue": is_overdue(task, clock.now()) if overdue is None else bool(overdue),
        "candidate_groups": list(task.candidate_groups or []),
        "candidate_users": list(task.candidate_users or []),
        "created_at": iso(task.created_at),
        "completed_at": iso(task.completed_at),
        "completed_by": task.completed_by,
    }


def task_detail_json(task):
    """A task with its form, as the task endpoints answer."""
    form = task.form or {}
    return {**task_json(task), "form": {"key": form.get("key"), "fields": form.get("fields", [])}}


def task_page_json(view, page):
    """One page of a basket view (engine.basket.Page)."""
    return {
        "view": str(view),
        "page": page.number,
        "page_size": page.size,
        "next_page": page.number + 1 if page.has_next else None,
        "tasks": [_listed(row) for row in page.rows],
    }


def _listed(row):
    """A basket row: its task's fields, the process's name and the chosen variables."""
    listed = task_json(row.task, row.overdue)
    listed["process_name"] = row.process_name
    listed["variables"] = dict(row.details)
    return listed


def event_json(event):
    """One audit event."""
    return {"id": event.id, "kind": event.kind, "actor": event.actor, "at": iso(event.at),
            "task_id": event.task_id, "payload": event.payload or {}}


def instance_json(instance, open_tasks, history):
    """An instance with its open tasks and audit history."""
    return {
        "id": instance.id,
        "process_key": instance.process_key,
        "business_key": instance.business_key,
        "status": instance.status,
        "started_at": iso(instance.started_at),
        "ended_at": iso(instance.ended_at),
        "variables": instance.variables or {},
        "open_tasks": [task_json(t) for t in open_tasks],
        "history": [event_json(e) for e in history],
    }


def deployed_json(deployed):
    """One deployed process or decision version."""
    return {"key": deployed.key, "version": deployed.version, "name": deployed.name,
            "kind": deployed.kind, "created": deployed.created}


def deploy_result_json(results):
    """What POST /definitions answers: the first key and version, and every definition."""
    first = results[0]
    return {"key": first.key, "version": first.version,
            "definitions": [deployed_json(d) for d in results]}
