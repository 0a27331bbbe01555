"""A workflow's task tree as compact rows for the state column, and back.

SpiffWorkflow's own TaskConverter writes one dict per task with every id spelt out three
times (its key, its parent's `children`, its children's `parent`). A row here holds the same
facts; tasks refer to each other by position in the list:

    [id, parent, state, task spec name, last state change, triggered, internal data,
     data, children]

`parent` is the position of the parent task, or None when the parent is not a task of this
workflow (a subprocess's root). `data` is the full data for a task without a parent, else
`[updates, deletions]` against the parent's data, exactly as SpiffWorkflow's delta encoding
keeps it. `children` are positions (a child outside the list, which SpiffWorkflow never
makes, would be kept as its id). Values inside data go through the serializer registry
like everywhere else in the state, so dates, event definitions and the like survive.

Restoring builds the very objects TaskConverter.from_dict builds; the engine tests check
that every stored state restores to a workflow that dumps to the same text.
"""

from uuid import UUID

from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.deep_merge import DeepMerge
from SpiffWorkflow.util.task import TaskState

ATOMS = (str, int, float, bool, type(None))      # values JSON keeps as they are


def to_rows(workflow, registry):
    """The task tree of `workflow` (a BpmnWorkflow or a subprocess) as rows."""
    tasks = workflow.tasks
    position = {task_id: i for i, task_id in enumerate(tasks)}
    rows = []
    for task in tasks.values():
        parent = tasks.get(task._parent)
        if parent is None:
            data = task.data
        else:
            before, after = parent.data, task.data
            data = [{k: v for k, v in after.items() if k not in before or v != before[k]},
                    [k for k in before if k not in after]]
        internal = task.internal_data
        rows.append([
            str(task.id), None if parent is None else position[task._parent], task._state,
            task.task_spec.name, task.last_state_change, task.triggered,
            registry.convert(internal) if internal else {}, data,
            [position[child] if child in position else str(child) for child in task._children]])
    return rows


def from_rows(rows, workflow, registry):
    """{id: Task} of `workflow` from rows written by to_rows()."""
    specs = workflow.spec.task_specs
    events = workflow.top_workflow.event_manager
    made = [Task(workflow, specs.get(row[3]), state=row[2], id=UUID(row[0])) for row in rows]
    for task, row in zip(made, rows):
        parent = row[1]
        task._parent = None if parent is None else made[parent].id
        task._children = [made[c].id if type(c) is int else UUID(c) for c in row[8]]
        task.last_state_change = row[4]
        task.triggered = row[5]
        task.internal_data = registry.restore(row[6]) if row[6] else {}
        if isinstance(task.task_spec, CatchingEvent) and task.has_state(TaskState.WAITING):
            events.add_task(task)
    datas = [None] * len(rows)
    for i, task in enumerate(made):
        task.data = _data(i, rows, datas, registry)
    return {task.id: task for task in made}


def _data(i, rows, datas, registry):
    """The data of the task at position i: its own, or its parent's with the row's changes
    applied (a parent listed after its child is restored first)."""
    if datas[i] is None:
        parent, stored = rows[i][1], rows[i][7]
        if parent is None:
            datas[i] = _restore(registry, stored)
        else:
            updates, deletions = stored
            data = DeepMerge.merge({}, _data(parent, rows, datas, registry))
            data.update(_restore(registry, updates))
            for key in deletions:
                data.pop(key, None)
            datas[i] = data
    return datas[i]


def _restore(registry, values):
    """registry.restore, skipped for a dict of plain values (most task data)."""
    if all(type(v) in ATOMS for v in values.values()):
        return dict(values)
    return registry.restore(values)
