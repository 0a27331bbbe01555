"""Timer start events: processes the engine starts by itself, as Camunda does.

A process whose timer start event gives a fixed time (`timeDate` 2027-01-01T06:00Z, a
`timeDuration` P1D after deployment, a `timeCycle` R/2026-12-01T06:00Z/P1D) is scheduled when
it is deployed: one row in engine_start_timer per event, with the next due time. When that
time comes the runner starts an instance of that version, past its start event, and moves the
row to the next occurrence (or deletes it). Deploying a new version of the process replaces
the schedule of the older ones.

The row is moved in the transaction that inserts the instance, guarded by its due time, so a
due start happens exactly once however many runners look at it. Occurrences missed while no
runner ran start one instance, not one each. A timer that reads process variables
(`${run_at}`) cannot be known before an instance exists: such a start event keeps waiting
inside an instance someone started, as before.
"""

import ast
import logging
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (CycleTimerEventDefinition,
                                                              TimeDateEventDefinition,
                                                              TimerEventDefinition)

from . import audit, clock
from .store import ProcessDefinition, StartTimer

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Schedule:
    """When a timer start event starts its first instance, and how many starts it has
    (None: a cycle without end). A cycle's next dates come from its `timer` text."""

    event_id: str
    timer: str
    due_at: object              # datetime (UTC)
    remaining: int | None


KINDS = {"timeDate": "date", "timeDuration": "duration", "timeCycle": "cycle"}


def schedules(parsed, now):
    """The Schedules of a parsed process's timer start events whose time is fixed."""
    found = []
    for start in parsed.spec.bpmn_start_events:
        definition = getattr(start, "event_definition", None)
        if not isinstance(definition, TimerEventDefinition):
            continue
        text = literal(definition.expression)
        planned = schedule(start.name, _kind(definition), text, now) if text else None
        if planned is not None:
            found.append(planned)
    return found


def problem(kind, expression, now):
    """Why a timer start event's fixed `expression` (timeDate/timeDuration/timeCycle text as
    the engine runs it) cannot be scheduled, or None (also None when it is not fixed)."""
    text = literal(expression)
    if text is None:
        return None
    try:
        schedule("", KINDS[kind], text, now)
    except Exception as exc:        # SpiffWorkflow's ISO parsing raises bare Exceptions
        return f"'{text}' is not a {KINDS[kind]} the engine can schedule ({exc})"
    return None


def _kind(definition):
    if isinstance(definition, CycleTimerEventDefinition):
        return "cycle"
    return "date" if isinstance(definition, TimeDateEventDefinition) else "duration"


def literal(expression):
    """The timer text when the expression is a constant (a quoted ISO value), else None."""
    try:
        value = ast.literal_eval(expression.strip())
    except (ValueError, SyntaxError):
        return None
    return value.strip() if isinstance(value, str) else None


def schedule(event_id, kind, text, now):
    """The Schedule of a fixed timer `text` of `kind` (date, duration, cycle) deployed now;
    None for a cycle whose every occurrence is already past."""
    if kind == "cycle":
        cycles, start, period = _cycle(text, now)
        due, remaining = next_occurrence(start, period, None if cycles < 0 else cycles, now,
                                         include_now=True)
        return None if due is None else Schedule(event_id, text, due, remaining)
    if kind == "date":
        return Schedule(event_id, text, TimerEventDefinition.get_datetime(text), 1)
    duration = TimerEventDefinition.parse_iso_duration(text)
    return Schedule(event_id, text,
                    now + TimerEventDefinition.get_timedelta_from_start(duration, now), 1)


def _cycle(text, now):
    """(cycles (-1: no end), first start, period (an ISO duration, parsed)) of
    R[n]/[start/]period, on our clock."""
    parts = text.upper().split("/")
    if not parts[0].startswith("R"):
        raise ValueError("a cycle is R[n]/[start/]period")
    cycles = int(parts[0][1:]) if parts[0][1:] else -1
    if cycles == 0:
        raise ValueError("R0 repeats nothing")
    if len(parts) == 3:
        start = TimerEventDefinition.get_datetime(parts[1])
        period = TimerEventDefinition.parse_iso_duration(parts[2])
    elif len(parts) == 2:
        period = TimerEventDefinition.parse_iso_duration(parts[1])
        start = _after(now, period)
    else:
        raise ValueError("a cycle is R[n]/[start/]period")
    if _after(start, period) <= start:
        raise ValueError("the period must be longer than zero")
    return cycles, start, period


def _after(moment, period):
    """`moment` plus an ISO period, calendar-wise (P1M from Jan 31 is Feb 28 or 29)."""
    return moment + TimerEventDefinition.get_timedelta_from_start(dict(period), moment)


def next_occurrence(due, period, remaining, now, include_now=False):
    """(the first occurrence of a cycle from `due` on that lies after `now` (or at it, with
    `include_now`), starts left then) or (None, 0) when the cycle ends first. Occurrences
    skipped on the way count against `remaining`."""
    step = _after(due, period) - due
    if not {"years", "months"} & set(period) and due < now:
        # A fixed-length period: jump over the past in one step, however long the outage.
        skipped = (now - due) // step
        due += skipped * step
        remaining = None if remaining is None else remaining - skipped
    while due < now or (due == now and not include_now):
        due = _after(due, period)
        remaining = None if remaining is None else remaining - 1
    if remaining is not None and remaining <= 0:
        return None, 0
    return due, remaining


def replace(session, tenant, key, definition_id, found):
    """Make `found` (Schedules of the new version `definition_id` of `key`) the key's only
    scheduled starts: older versions' rows go."""
    older = select(ProcessDefinition.id).where(ProcessDefinition.tenant == tenant,
                                               ProcessDefinition.key == key)
    session.execute(delete(StartTimer).where(StartTimer.definition_id.in_(older),
                                             StartTimer.definition_id != definition_id))
    for planned in found:
        session.add(StartTimer(tenant=tenant, definition_id=definition_id, process_key=key,
                               event_id=planned.event_id, timer=planned.timer,
                               due_at=planned.due_at, remaining=planned.remaining))


def start_due(engine, limit=None):
    """Start an instance for every scheduled start that is due; returns how many started.
    A start that fails (its definition cannot be loaded...) is logged and tried again next
    round; the others go on."""
    with engine.reading() as session:
        due = session.execute(
            select(StartTimer.id, StartTimer.due_at).where(StartTimer.due_at <= clock.now())
            .order_by(StartTimer.due_at, StartTimer.id).limit(limit or 100)).all()
    started = 0
    for row_id, due_at in due:
        try:
            started += _start_one(engine, row_id, due_at)
        except Exception:       # one broken schedule must not hold up the others
            log.exception("scheduled start %s (due %s) failed; trying again later", row_id,
                          due_at)
    return started


class _Taken(Exception):
    """Another runner started this occurrence first: roll the new instance back."""


def _start_one(engine, row_id, due_at):
    try:
        with engine._operation(begin=False) as session:
            row = session.get(StartTimer, row_id)
            if row is None or row.due_at != due_at:
                return 0                    # another runner started this occurrence
            # As in Engine.start, the new instance runs to its first wait before the write
            # transaction begins; inside it the row moves under its due-time guard, or the
            # instance is rolled back.
            instance_id = engine._start(session, engine._runnable(row.definition_id), None,
                                        None, None, timer=row.event_id).id
            if not _advance(session, row, clock.now()):
                raise _Taken()
            audit.record(session, row.tenant, "timer_started", instance_id, name=row.event_id,
                         timer=row.timer, due_at=due_at.isoformat())
            return 1
    except _Taken:
        return 0


def _advance(session, row, now):
    """Move `row` past this occurrence (or delete it), only if nobody did meanwhile. Later
    occurrences already past (missed while no runner ran) are skipped: this start stands for
    them, and they count against the starts left."""
    guard = (StartTimer.id == row.id) & (StartTimer.due_at == row.due_at)
    upcoming, left = None, 0
    if row.timer.upper().startswith("R") and row.remaining != 1:
        period = TimerEventDefinition.parse_iso_duration(row.timer.split("/")[-1].upper())
        remaining = None if row.remaining is None else row.remaining - 1
        upcoming, left = next_occurrence(_after(row.due_at, period), period, remaining, now)
    if upcoming is None:
        result = session.execute(delete(StartTimer).where(guard))
    else:
        result = session.execute(update(StartTimer).where(guard)
                                 .values(due_at=upcoming, remaining=left))
    return result.rowcount == 1


def fixed_sole_start(parsed):
    """The id of the process's start event when it is its only one and a fixed timer (the
    engine starts such a process by itself), else None."""
    starts = parsed.spec.bpmn_start_events
    if len(starts) != 1:
        return None
    definition = getattr(starts[0], "event_definition", None)
    fixed = isinstance(definition, TimerEventDefinition) and literal(definition.expression)
    return starts[0].name if fixed else None


def prime_start_event(wf, event_id):
    """Make the timer start event `event_id` of a new workflow due now, for one occurrence;
    False when the workflow has no such event. Call before the workflow's first steps: a
    cycle would otherwise catch up on its occurrences since its start, one path each (the
    schedule, not the instance, holds the next ones)."""
    task = next((t for t in wf.get_tasks() if t.task_spec.name == event_id), None)
    definition = getattr(task.task_spec, "event_definition", None) if task else None
    if not isinstance(definition, TimerEventDefinition):
        return False
    now = clock.now().isoformat()
    if isinstance(definition, CycleTimerEventDefinition):
        task._set_internal_data(event_value={"cycles": 1, "next": now, "duration": 0.0})
    else:
        task._set_internal_data(event_value=now)
    return True
