"""Where a persisted lifecycle spends its time: phase timers, SQL per lifecycle, a profile tree.

Run `python -m bench.profile`. Phase timers wrap a few engine, SpiffWorkflow and SQLAlchemy
functions for the duration of the run only (time is charged to the innermost phase), so the
figures are wall-clock milliseconds with a few microseconds of overhead, not profiler-inflated;
`--cpu` charges CPU time of this process instead, which other load on the machine disturbs less.
Statements the engine runs on the DBAPI cursor (engine.prepared) count and time with the phase
"prepared statements", SQLite's own execution included.
`--tree` adds pyinstrument's call tree (pip install pyinstrument) or, without it, cProfile's.
"""

import argparse
import contextlib
import cProfile
import functools
import importlib
import pstats
import tempfile
import time
from collections import Counter, defaultdict
from unittest import mock

from sqlalchemy import event

from engine import prepared

from .engine import Bench, persisted_lifecycle, timed

OTHER = "engine glue: forms, checks, snapshot, caches, bench task lookup"
SQLITE = "SQLite: executing statements (driver, C)"
COMMIT = "SQLite: COMMIT / ROLLBACK (driver, C)"
PREPARED = "prepared statements: binds, SQLite execution, results"
TRANSACTION = "SQLAlchemy Connection: checkout, BEGIN, commit, checkin"
PROJECTION = "projections: diff against the fingerprint, row dicts"
# (phase, module, attribute path); a phase may wrap several functions.
PHASES = [
    ("SpiffWorkflow: do_engine_steps, task.run", "engine.runtime", "Engine._run_steps"),
    ("SpiffWorkflow: do_engine_steps, task.run", "SpiffWorkflow.task", "Task.run"),
    ("SpiffWorkflow: BpmnWorkflow()", "SpiffWorkflow.bpmn.workflow", "BpmnWorkflow.__init__"),
    ("serialize state: dump_state, settle", "engine.runtime", "dump_state"),
    ("serialize state: dump_state, settle", "engine.runtime", "settle"),
    ("restore state: load_state (less BpmnWorkflow())", "engine.runtime", "load_state"),
    (PROJECTION, "engine.projection", "plan"),
    (PROJECTION, "engine.projection", "Plan.apply"),
    ("audit.record (row dict)", "engine.audit", "record"),
    (PREPARED, "engine.prepared", "Prepared.executemany"),
    (PREPARED, "engine.prepared", "Prepared.rowcount"),
    (PREPARED, "engine.prepared", "Prepared.first"),
    (PREPARED, "engine.prepared", "Prepared.all"),
    (TRANSACTION, "engine.operation", "Operation.__init__"),
    (TRANSACTION, "engine.operation", "Operation.commit"),
    (TRANSACTION, "engine.operation", "Operation.close"),
    ("SQLAlchemy Core: Connection.execute/scalar", "sqlalchemy.engine", "Connection.execute"),
    ("SQLAlchemy Core: Connection.execute/scalar", "sqlalchemy.engine", "Connection.scalar"),
    ("SQLAlchemy ORM: flush", "sqlalchemy.orm", "Session.flush"),
    ("SQLAlchemy ORM: statements (get/select/update/delete)", "sqlalchemy.orm",
     "Session.execute"),
    ("SQLAlchemy ORM: statements (get/select/update/delete)", "sqlalchemy.orm",
     "Session.scalars"),
    ("SQLAlchemy ORM: statements (get/select/update/delete)", "sqlalchemy.orm", "Session.get"),
    ("SQLAlchemy ORM: session begin (connection, BEGIN)", "sqlalchemy.orm",
     "Session.connection"),
    ("SQLAlchemy ORM: commit + close bookkeeping", "sqlalchemy.orm", "Session.commit"),
    ("SQLAlchemy ORM: commit + close bookkeeping", "sqlalchemy.orm", "Session.close"),
]


class PhaseClock:
    """Exclusive wall time per phase: entering a phase stops the clock of the one around it."""

    def __init__(self, now=time.perf_counter):
        self.now = now
        self.totals, self.calls, self.stack = defaultdict(float), Counter(), []
        self.mark = now()

    def enter(self, phase):
        """Start charging time to `phase`."""
        now = self.now()
        if self.stack:
            self.totals[self.stack[-1]] += now - self.mark
        self.stack.append(phase)
        self.calls[phase] += 1
        self.mark = now

    def leave(self):
        """Stop charging the current phase; the enclosing one resumes."""
        now = self.now()
        self.totals[self.stack.pop()] += now - self.mark
        self.mark = now

    def wrap(self, phase, fn):
        """fn, timed as `phase`."""
        @functools.wraps(fn)
        def timed_call(*args, **kwargs):
            """fn(*args, **kwargs) with its wall time charged to `phase`."""
            self.enter(phase)
            try:
                return fn(*args, **kwargs)
            finally:
                self.leave()
        return timed_call


@contextlib.contextmanager
def instrumented(clock, db_engine):
    """Wrap every PHASES function and the driver calls for the duration of the block."""
    with contextlib.ExitStack() as stack:
        for phase, module, path in PHASES:
            *owner_path, name = path.split(".")
            owner = functools.reduce(getattr, owner_path, importlib.import_module(module))
            stack.enter_context(mock.patch.object(owner, name,
                                                  clock.wrap(phase, getattr(owner, name))))
        dialect = db_engine.dialect
        for name in ("do_commit", "do_rollback"):
            stack.enter_context(mock.patch.object(dialect, name,
                                                  clock.wrap(COMMIT, getattr(dialect, name))))
        for name, listener in (("before_cursor_execute", lambda *a: clock.enter(SQLITE)),
                               ("after_cursor_execute", lambda *a: clock.leave())):
            event.listen(db_engine, name, listener)
            stack.callback(event.remove, db_engine, name, listener)
        yield


def phase_table(bench, n, cpu=False):
    """Run n instrumented lifecycles; print ms per lifecycle and share of each phase."""
    clock = PhaseClock(time.process_time if cpu else time.perf_counter)
    statements = Counter()

    def count(conn, cursor, sql, *rest):
        """Tally a statement SQLAlchemy ran by verb and table."""
        statements[_kind(sql)] += 1

    def count_prepared(sql, rows):
        """Tally a prepared statement run on the DBAPI cursor (executemany counts once)."""
        statements[_kind(sql)] += 1
    event.listen(bench.eng.db_engine, "before_cursor_execute", count)
    prepared.observers.append(count_prepared)
    with instrumented(clock, bench.eng.db_engine):
        for _ in range(n):
            clock.enter(OTHER)
            persisted_lifecycle(bench.eng)
            clock.leave()
    prepared.observers.remove(count_prepared)
    event.remove(bench.eng.db_engine, "before_cursor_execute", count)
    total = sum(clock.totals.values())
    width = max(map(len, clock.totals))
    print(f"{'phase':<{width}} {'ms/lifecycle':>12} {'share':>6} {'calls':>6}")
    for phase, seconds in sorted(clock.totals.items(), key=lambda kv: -kv[1]):
        print(f"{phase:<{width}} {seconds / n * 1000:12.3f} {seconds / total:6.1%} "
              f"{clock.calls[phase] / n:6.1f}")
    print(f"{'total (instrumented)':<{width}} {total / n * 1000:12.3f}")
    print(f"\nSQL statements per lifecycle: {sum(statements.values()) / n:.1f} -> " + ", ".join(
        f"{kind} {count / n:g}" for kind, count in statements.most_common()))


def _kind(sql):
    """'SELECT engine_timer', 'INSERT engine_audit_event', 'BEGIN IMMEDIATE'..."""
    words = sql.split()
    verb = words[0].upper()
    if verb in ("BEGIN", "COMMIT", "ROLLBACK"):
        return " ".join(words[:2])
    table = next((w for w in words if w.startswith("engine_")), "?").split(".")[0]
    return f"{verb} {table.strip('(,')}"


def tree(bench, n):
    """Print pyinstrument's call tree of n lifecycles, or cProfile's top functions without it."""
    try:
        from pyinstrument import Profiler
    except ImportError:
        profile = cProfile.Profile()
        profile.runcall(timed, bench.persisted, n)
        pstats.Stats(profile).sort_stats("cumulative").print_stats(40)
        return
    profiler = Profiler(interval=0.0005)
    profiler.start()
    timed(bench.persisted, n)
    profiler.stop()
    print(profiler.output_text(unicode=False, color=False))


def main(argv=None):
    """Print plain timings, the phase table and optionally a profile tree."""
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("--n", type=int, default=300, help="lifecycles per measurement")
    parser.add_argument("--tree", action="store_true", help="also print a profile tree")
    parser.add_argument("--cpu", action="store_true",
                        help="phases in CPU time of this process (steadier on a shared machine)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="parkops-profile-") as directory:
        bench = Bench(directory)
        raw_ms = timed(bench.raw, args.n) / args.n * 1000
        persisted_ms = timed(bench.persisted, args.n) / args.n * 1000
        print(f"plain wall clock: raw {raw_ms:.3f} ms/lifecycle, persisted {persisted_ms:.3f} "
              f"ms/lifecycle (ratio {raw_ms / persisted_ms:.2f})\n")
        phase_table(bench, args.n, cpu=args.cpu)
        if args.tree:
            tree(bench, args.n)
        bench.eng.db_engine.dispose()


if __name__ == "__main__":
    main()
