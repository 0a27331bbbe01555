"""Bulk-fill an engine database with copies of one real instance's rows (Core executemany).

Starting 100,000 instances through the engine would take minutes, so the bench starts one
instance per shape through the engine and copies every row it wrote (instance, human task,
queue entry, timer, audit events) with fresh ids. The copied state and projection fingerprint
have the ids of the human task and timer rewritten, so a copy is a real instance the engine can
load and complete.
"""

import json
import random
from dataclasses import dataclass
from datetime import timedelta
from uuid import uuid4

from sqlalchemy import func, select

from engine import clock
from engine.store import (NO_DUE, AuditEvent, HumanTask, PendingTimer, ProcessInstance,
                          TaskQueueEntry)

INSTANCES = ProcessInstance.__table__
TASKS = HumanTask.__table__
QUEUE = TaskQueueEntry.__table__
TIMERS = PendingTimer.__table__
AUDIT = AuditEvent.__table__
# Several roles, so one role's basket is a fifth of the open tasks, not the first rows read.
ROLES = ("back-office", "field-agents", "finance", "legal", "supervisors")
BATCH = 2_000


@dataclass
class Template:
    """Every row one real instance wrote, as plain dicts ready to copy."""

    instance: dict
    tasks: list
    queue: list
    timers: list
    audit: list


def capture(db_engine, instance_id):
    """Read the rows of `instance_id` from every table the benchmark shape writes to."""
    with db_engine.connect() as conn:
        tasks = _rows(conn, TASKS, TASKS.c.instance_id, instance_id)
        return Template(
            instance=_rows(conn, INSTANCES, INSTANCES.c.id, instance_id)[0],
            tasks=tasks,
            queue=[r for t in tasks for r in _rows(conn, QUEUE, QUEUE.c.task_id, t["id"])],
            timers=_rows(conn, TIMERS, TIMERS.c.instance_id, instance_id),
            audit=_rows(conn, AUDIT, AUDIT.c.instance_id, instance_id))


def _rows(conn, table, column, value):
    # Integer primary keys are dropped so SQLite assigns fresh ones on insert.
    drop = set() if table is INSTANCES or table is TASKS else {"id"}
    return [{k: v for k, v in row._mapping.items() if k not in drop}
            for row in conn.execute(select(table).where(column == value))]


def copy(db_engine, template, count, seed=0):
    """Insert `count` copies of `template` in batches; returns the ids of the new instances."""
    rng = random.Random(seed)
    with db_engine.connect() as conn:
        next_id = (conn.scalar(select(func.max(INSTANCES.c.id))) or 0) + 1
    made = []
    for start in range(0, count, BATCH):
        ids = range(next_id + start, next_id + min(start + BATCH, count))
        _insert(db_engine, [_copy_rows(template, iid, rng) for iid in ids])
        made.extend(ids)
    return made


def _insert(db_engine, copies):
    # Parents first: the connection enforces foreign keys.
    with db_engine.begin() as conn:
        for index, table in enumerate((INSTANCES, TASKS, QUEUE, TIMERS, AUDIT)):
            rows = [row for rows in copies for row in rows[index]]
            if rows:
                conn.execute(table.insert(), rows)


def _copy_rows(tpl, iid, rng):
    """One copy: fresh task ids, a role, a due date spread over six weeks (some overdue)."""
    fresh = {t["id"]: str(uuid4()) for t in tpl.tasks}
    fresh.update({t["task_id"]: str(uuid4()) for t in tpl.timers})
    # The state and the projection fingerprint both name the task ids; both get the new ones.
    state, projection = tpl.instance["state"], json.dumps(tpl.instance["projection"])
    for old, new in fresh.items():
        state, projection = state.replace(old, new), projection.replace(old, new)
    role = rng.choice(ROLES)
    due = None if rng.random() < 0.05 else clock.now() + timedelta(
        minutes=rng.randint(-14 * 24 * 60, 28 * 24 * 60))
    key = f"FILL-{iid}"
    return (
        [{**tpl.instance, "id": iid, "business_key": key, "state": state,
          "projection": json.loads(projection)}],
        [{**t, "id": fresh[t["id"]], "instance_id": iid, "business_key": key,
          "candidate_groups": [role], "due_at": due, "due_key": due or NO_DUE}
         for t in tpl.tasks],
        [{**q, "task_id": fresh[q["task_id"]], "value": role, "due_key": due or NO_DUE}
         for q in tpl.queue],
        [{**t, "instance_id": iid, "task_id": fresh[t["task_id"]]} for t in tpl.timers],
        [{**a, "instance_id": iid, "task_id": fresh.get(a["task_id"], a["task_id"])}
         for a in tpl.audit])


def counts(db_engine):
    """(stored instances, open human tasks) right now."""
    with db_engine.connect() as conn:
        stored = conn.scalar(select(func.count()).select_from(INSTANCES))
        open_tasks = conn.scalar(select(func.count()).select_from(TASKS)
                                 .where(TASKS.c.status == "open"))
    return stored, open_tasks
