"""The workflow classes ParkOps runs: SpiffWorkflow's, with cheaper walks of the task tree.

SpiffWorkflow finds the tasks to run by walking the whole task tree with its TaskIterator:
once per pass of `do_engine_steps` (the READY tasks) and once after every task that
completes (`update_waiting_tasks`, the WAITING ones), and its task specs ask it for more
(tasks of a spec, unfinished tasks). That iterator is general (filters, depth limits,
breadth-first order), and its per-task overhead made those walks about two fifths of the time
SpiffWorkflow needs to run a process (bench/engine.py's shape in memory: 2.10 -> 1.27 ms per
lifecycle with the walks below).

Here the same walks are a plain depth-first loop that visits the same tasks in the same order
and descends by the same rule: into the children of a task that is at least FUTURE (never
below a predicted task), and into the subprocess a task started, before its children. The
behaviour does not change, only its cost. One difference is deliberate: SpiffWorkflow stops
descending 1,000 levels down (its max_depth), so an instance whose loops have made its tree
deeper than that stops finding the work below; here nothing is left behind.

The classes are registered with the serializer under SpiffWorkflow's own type names, so the
stored state does not change and every stored instance restores as these classes.

SpiffWorkflow also writes a log line for every change of a task's state, and builds its text
and extras (the state's name from a table it rebuilds on every call, the task's spec, parent
and ids) before the logger decides whether anyone listens: 6 % of the instructions of an API
lifecycle. For tasks of these classes the line is built only when the `spiff.task` logger
would emit it (set it to INFO or DEBUG to get the lines back); the state changes the same.
Tasks are created by SpiffWorkflow itself (class Task, named in its code), so this is the one
place where ParkOps replaces a method of SpiffWorkflow's: Task._set_state, which hands every
other task (plain BpmnWorkflow's, the benchmarks' baseline) to SpiffWorkflow's own.
"""
import logging
import time

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.util.subworkflow import BpmnSubWorkflow
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

_WAITING = TaskState.WAITING
_FINISHED = TaskState.FINISHED_MASK


def walk_tasks(root, state=TaskState.ANY_MASK, subprocesses=None, spec_name=None):
    """Tasks under `root` (itself included) whose state is in the mask `state`, depth first.

    The tasks and their order are SpiffWorkflow's TaskIterator(root, state=state,
    spec_name=spec_name); with `subprocesses` (the top workflow's map of task id ->
    subprocess) BpmnTaskIterator's, which walks a subprocess's tree right after the task that
    started it. Lazy like those: a task's children are looked up when the task is reached, so
    a caller may change the tree below the tasks it has not reached yet.
    """
    # Below a task in a state the mask cannot reach, nothing can match: predicted tasks
    # follow definite ones, definite tasks follow finished ones, never the other way round.
    if state & TaskState.PREDICTED_MASK:
        lowest = TaskState.MAYBE
    elif state & TaskState.DEFINITE_MASK:
        lowest = TaskState.FUTURE
    else:
        lowest = TaskState.COMPLETED
    stack = [root]
    pop, push = stack.pop, stack.extend
    while stack:
        task = pop()
        started = subprocesses.get(task.id) if subprocesses else None
        children = task._children
        if (children and task._state >= lowest) or started is not None:
            tasks = task.workflow.tasks
            below = [tasks.get(child) for child in reversed(children)]
            # BpmnTaskIterator skips the subprocess of a finished task only for a filter
            # that asks for finished states alone (a numeric comparison SpiffWorkflow makes).
            if started is not None and not (task._state >= _FINISHED and state <= _FINISHED):
                below.append(started.task_tree)
            push(below)
        if task._state & state and (spec_name is None or task.task_spec.name == spec_name):
            yield task


class _Walks:
    """get_tasks(), get_next_task() and update_waiting_tasks() on the walk above."""

    def get_tasks_iterator(self, first_task=None, **kwargs):
        """The tasks get_tasks() and get_next_task() filter by `state` and `spec_name`; other
        filters (end_at_spec, skip_subprocesses, ...) go to SpiffWorkflow's iterator."""
        if kwargs.keys() <= {"state", "spec_name"}:
            return walk_tasks(first_task or self.task_tree,
                              kwargs.get("state", TaskState.ANY_MASK),
                              self.top_workflow.subprocesses, kwargs.get("spec_name"))
        return super().get_tasks_iterator(first_task, **kwargs)

    def update_waiting_tasks(self):
        """Update every WAITING task of this workflow's own tree (after each completed task,
        as Workflow.update_waiting_tasks does)."""
        for task in walk_tasks(self.task_tree, _WAITING):
            task.task_spec._update(task)


class ParkOpsSubWorkflow(_Walks, BpmnSubWorkflow):
    """A subprocess (embedded subprocess, call activity) of a ParkOpsWorkflow."""


class ParkOpsWorkflow(_Walks, BpmnWorkflow):
    """A process instance in memory: BpmnWorkflow with the walks above."""

    def create_subprocess(self, my_task, spec_name):
        """Start the subprocess `spec_name` for `my_task` (as BpmnWorkflow does)."""
        subprocess = ParkOpsSubWorkflow(self.subprocess_specs[spec_name],
                                        parent_task_id=my_task.id, top_workflow=self)
        self.subprocesses[my_task.id] = subprocess
        return subprocess


_OWN_CLASSES = (ParkOpsWorkflow, ParkOpsSubWorkflow)
_TASK_LOG = logging.getLogger("spiff.task")
_SPIFF_SET_STATE = Task._set_state


def _set_state(task, value):
    """Task._set_state: for tasks of ParkOps' workflows, without the log line nobody reads."""
    if type(task.workflow) not in _OWN_CLASSES or _TASK_LOG.isEnabledFor(
            logging.INFO if value != task._state else logging.DEBUG):
        _SPIFF_SET_STATE(task, value)
    elif value != task._state:
        task.last_state_change = time.time()
        task._state = value


Task._set_state = _set_state
