"""The work-basket query: one page of human tasks for a view, filtered and sorted, in O(page).

Views, and what each one's query walks (indexes from engine/store.py):

- ``inbox``: open tasks assigned to the user. ``ix_task_assignee`` (tenant, assignee, status,
  due_key) gives the rows already in due order, so the default sort reads one page of index.
- ``queue``: open, unassigned tasks offered to one of the user's roles or to the user by name.
  The claim rights live in ``TaskQueueEntry`` rows (one per candidate group/user), so the
  query runs one ``ix_queue_lookup`` (tenant, kind, value, due_key) range per role, each cut
  at offset + page, and merges them: a task offered to two roles is listed once, and no role
  range is read past what the page needs.
- ``escalated``: open tasks whose deadline passed (``due_key <= now``), most overdue first, on
  ``ix_task_open_due`` (tenant, status, due_key). This includes tasks whose deadline passed a
  moment ago and which the runner has not flagged ``overdue`` yet.
- ``done``: tasks the user completed, newest first, on ``ix_task_done_by``.

Filters narrow the same index walk (process, role, due window, minimum priority, text); sorts
other than the view's default order the matching rows instead of reading one index page.
Process names and chosen variables (``basket_columns``) are read for the page's instances only.
"""

import json
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import String, bindparam, cast, or_, select, union_all

from . import clock, defaults, jsontext, queries
from .status import TaskStatus
from .store import NO_DUE, HumanTask, ProcessDefinition, ProcessInstance, TaskQueueEntry


class View(StrEnum):
    """The lists a basket user switches between."""

    INBOX = "inbox"
    QUEUE = "queue"
    ESCALATED = "escalated"
    DONE = "done"


class SortField(StrEnum):
    """Columns a list can be sorted by (completed: the Done view's own order)."""

    DUE = "due"
    PRIORITY = "priority"
    CREATED = "created"
    PROCESS = "process"
    COMPLETED = "completed"


class DueWindow(StrEnum):
    """Deadline windows the due filter offers."""

    OVERDUE = "overdue"     # deadline passed
    TODAY = "today"         # due during today, in the viewer's time zone
    WEEK = "week"           # due during this Monday-to-Sunday week, in the viewer's time zone
    NONE = "none"           # no deadline at all


@dataclass(frozen=True)
class Viewer:
    """Who looks at the basket: tenant, user name, roles and time zone (for day windows)."""

    tenant: str
    user: str
    roles: tuple = ()
    timezone: str = "UTC"


@dataclass(frozen=True)
class Filters:
    """Optional narrowing of a view; None means 'any'."""

    process_key: str | None = None
    role: str | None = None
    due: DueWindow | None = None
    priority_min: int | None = None
    text: str | None = None


@dataclass(frozen=True)
class Order:
    """Sort field and direction; ties fall back to due date, then task id."""

    field: SortField = SortField.DUE
    descending: bool = False


@dataclass
class Row:
    """One listed task with its process name and the process's chosen variables."""

    task: queries.ListedTask
    process_name: str
    details: list = field(default_factory=list)   # [(variable name, value)]
    overdue: bool = False


@dataclass
class Page:
    """One page of rows; `has_next` is known from one extra row, never from a count."""

    rows: list
    number: int
    size: int
    has_next: bool

    @property
    def has_previous(self):
        """True from page 2 on."""
        return self.number > 1


def default_order(view):
    """The order a view opens in: newest completed first for Done, earliest due otherwise."""
    if view == View.DONE:
        return Order(SortField.COMPLETED, descending=True)
    return Order()


def fetch(engine, view, viewer, filters=None, order=None, page=1, size=defaults.PAGE_SIZE):
    """One page (1-based) of `view` for `viewer`, with process names and chosen variables."""
    now = clock.now()
    page = max(int(page), 1)
    view, filters, order = View(view), filters or Filters(), order or default_order(view)
    if view == View.QUEUE and filters == Filters() and order == Order():
        # The page the API and the basket open on: one prepared statement, tasks and details.
        with engine.bare_read() as conn:
            found = queries.queue_page(conn, viewer.tenant, viewer.roles, viewer.user,
                                       size + 1, (page - 1) * size)
        rows = [_row(task, details, now) for task, details in found[:size]]
        return Page(rows=rows, number=page, size=size, has_next=len(found) > size)
    with engine.reading() as session:
        tasks = select_tasks(session, view, viewer, filters, order, size + 1,
                             (page - 1) * size, now)
        rows = _rows(session, tasks[:size], now)
    return Page(rows=rows, number=page, size=size, has_next=len(tasks) > size)


def count(engine, view, viewer, cap=defaults.PAGE_SIZE):
    """How many tasks `view` holds, counted no further than cap + 1 (shown as 'cap+')."""
    with engine.reading() as session:
        return len(select_tasks(session, View(view), viewer, Filters(), default_order(view),
                                cap + 1, 0, clock.now(), ids_only=True))


def select_tasks(session, view, viewer, filters, order, limit, offset, now, ids_only=False):
    """The tasks (queries.ListedTask rows) or their ids of one view page, in order; see the
    module docstring."""
    if view == View.QUEUE:
        ids = _queue_ids(session, viewer, filters, order, limit, offset, now)
        return ids if ids_only else _in_order(session, ids)
    columns = (HumanTask.id,) if ids_only else queries.LISTED_COLUMNS
    query = (select(*columns)
             .where(HumanTask.tenant == viewer.tenant, *_view_conditions(view, viewer, now),
                    *_filter_conditions(filters, viewer, now, role_in_groups=True))
             .order_by(*_order_by(order)).limit(limit).offset(offset))
    if ids_only:
        return list(session.scalars(query))
    return [queries.ListedTask(*row) for row in session.execute(query)]


def is_overdue(task, now):
    """An open task whose deadline has passed (flagged by the runner or not yet)."""
    if task.status != TaskStatus.OPEN:
        return False
    return bool(task.overdue) or (task.due_at is not None and task.due_at <= now)


def due_range(window, now, zone_name="UTC"):
    """UTC (from, before) bounds on `due_key` for a window; day edges in `zone_name`, DST-safe."""
    window = DueWindow(window)
    if window == DueWindow.OVERDUE:
        return None, now + timedelta(microseconds=1)   # due_key <= now, as escalation counts
    if window == DueWindow.NONE:
        return NO_DUE, NO_DUE + timedelta(microseconds=1)
    zone = ZoneInfo(zone_name)
    today = now.astimezone(zone).date()
    first = today if window == DueWindow.TODAY else today - timedelta(days=today.weekday())
    last = first + timedelta(days=1 if window == DueWindow.TODAY else 7)
    # Converted to UTC: arithmetic between datetimes of one ZoneInfo ignores DST shifts.
    return tuple(datetime.combine(day, time(0), tzinfo=zone).astimezone(timezone.utc)
                 for day in (first, last))


# -- building blocks ------------------------------------------------------------------------
def _view_conditions(view, viewer, now):
    if view == View.INBOX:
        return [HumanTask.assignee == viewer.user, HumanTask.status == TaskStatus.OPEN]
    if view == View.ESCALATED:
        return [HumanTask.status == TaskStatus.OPEN, HumanTask.due_key <= now]
    if view == View.DONE:
        return [HumanTask.completed_by == viewer.user,
                HumanTask.status == TaskStatus.COMPLETED]
    raise ValueError(f"unknown basket view {view!r}")


def _filter_conditions(filters, viewer, now, role_in_groups, due_column=HumanTask.due_key):
    conditions = []
    if filters.process_key:
        conditions.append(HumanTask.process_key == filters.process_key)
    if filters.role and role_in_groups:
        conditions.append(_offered_to_group(filters.role))
    if filters.due:
        start, before = due_range(filters.due, now, viewer.timezone)
        if start is not None:
            conditions.append(due_column >= start)
        conditions.append(due_column < before)
    if filters.priority_min is not None:
        conditions.append(HumanTask.priority >= filters.priority_min)
    if filters.text and filters.text.strip():
        text = filters.text.strip()
        conditions.append(or_(HumanTask.name.icontains(text, autoescape=True),
                              HumanTask.business_key.icontains(text, autoescape=True)))
    return conditions


def _offered_to_group(role):
    # candidate_groups is a JSON list; matching its text against the quoted name works the
    # same on SQLite and PostgreSQL without a per-dialect JSON operator. Group names are any
    # text (candidateGroups, expressions): one outside ASCII is \u-escaped in rows the json
    # module wrote and plain UTF-8 in rows engine.jsontext writes, so either spelling matches.
    spellings = dict.fromkeys((json.dumps(role), jsontext.dumps(role)))
    matches = [cast(HumanTask.candidate_groups, String).like(
        "%" + quoted.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%",
        escape="\\") for quoted in spellings]
    return matches[0] if len(matches) == 1 else or_(*matches)


_SORT_COLUMNS = {
    SortField.DUE: HumanTask.due_key,
    SortField.PRIORITY: HumanTask.priority,
    SortField.CREATED: HumanTask.created_at,
    SortField.PROCESS: HumanTask.process_key,
    SortField.COMPLETED: HumanTask.completed_at,
    "id": HumanTask.id,
}


def _order_by(order, columns=None):
    """ORDER BY clauses: the chosen column, then due date and task id so pages never overlap."""
    columns = columns or _SORT_COLUMNS
    primary = columns[SortField(order.field)]
    clauses = [primary.desc() if order.descending else primary.asc()]
    if order.field != SortField.DUE:
        clauses.append(columns[SortField.DUE].asc())
    return clauses + [columns["id"].asc()]


def _queue_keys(viewer, filters):
    if filters.role:
        return [("group", filters.role)] if filters.role in viewer.roles else []
    return [("group", role) for role in viewer.roles] + [("user", viewer.user)]


def _queue_ids(session, viewer, filters, order, limit, offset, now):
    """Ids of claimable tasks: one index range per role/user, each cut at offset + limit."""
    keys = _queue_keys(viewer, filters)
    if not keys:
        return []
    parts = [_queue_part(viewer, kind, value, filters, order, offset + limit, now)
             for kind, value in keys]
    merged = union_all(*parts).subquery()
    columns = {f: merged.c[f.value] for f in SortField} | {"id": merged.c.id}
    query = (select(merged.c.id).group_by(*merged.c)
             .order_by(*_order_by(order, columns=columns)).limit(limit).offset(offset))
    return list(session.scalars(query))


def _queue_part(viewer, kind, value, filters, order, limit, now):
    # The entry's due_key copies the task's; ordering by it lets the index serve the sort.
    entry = TaskQueueEntry
    columns = _SORT_COLUMNS | {SortField.DUE: entry.due_key, "id": entry.task_id}
    part = (select(HumanTask.id.label("id"), *(columns[f].label(f.value) for f in SortField))
            .join(entry, entry.task_id == HumanTask.id)
            .where(entry.tenant == viewer.tenant, entry.kind == kind, entry.value == value,
                   HumanTask.status == TaskStatus.OPEN, HumanTask.assignee.is_(None),
                   *_filter_conditions(filters, viewer, now, role_in_groups=False,
                                       due_column=entry.due_key))
            .order_by(*_order_by(order, columns))
            .limit(limit))
    # SQLite accepts ORDER BY/LIMIT inside a UNION member only when it is a subquery.
    return select(part.subquery())


def _in_order(session, ids):
    if not ids:
        return []
    found = (queries.ListedTask(*row) for row in session.execute(
        select(*queries.LISTED_COLUMNS).where(HumanTask.id.in_(ids))))
    rows = {task.id: task for task in found}
    return [rows[i] for i in ids if i in rows]


def _rows(session, tasks, now):
    """Rows for the page: process names and chosen variables from the page's instances only."""
    instance_ids = {t.instance_id for t in tasks}
    details = {}
    if instance_ids:
        details = {r.id: queries.PageDetails(r.name, r.key, r.basket_columns, r.variables)
                   for r in session.connection().execute(
                       _PAGE_INSTANCES, {"instance_ids": sorted(instance_ids)})}
    return [_row(task, details.get(task.instance_id), now) for task in tasks]


# Built once: Core execution of a ready statement skips the ORM layers and the rebuild.
_PAGE_INSTANCES = (
    select(ProcessInstance.id, ProcessInstance.variables, ProcessDefinition.name,
           ProcessDefinition.key, ProcessDefinition.basket_columns)
    .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
    .where(ProcessInstance.id.in_(bindparam("instance_ids", expanding=True))))


def _row(task, details, now):
    """A Row from a task and its queries.PageDetails (None: the instance is gone)."""
    if details is None or details.process_key is None:
        return Row(task, task.process_key, [], is_overdue(task, now))
    variables = details.variables or {}
    shown = [(name, variables[name]) for name in details.basket_columns or ()
             if variables.get(name) not in (None, "")]
    return Row(task, details.process_name or details.process_key, shown,
               is_overdue(task, now))


