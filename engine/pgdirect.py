"""engine.prepared's statements on PostgreSQL, run on the connection's libpq handle.

A psycopg cursor costs some 110 k instructions of Python per statement (counted with
callgrind: its execute machinery, query conversion, prepare bookkeeping and result set-up),
libpq itself some 15 k; a lifecycle of the HTTP benchmark runs about thirty statements. So
the engine's hot statements, compiled once with numbered parameters ($1), go to psycopg's
libpq wrapper directly: each is prepared once per connection under its own name and run with
PQexecPrepared (which waits for the server without holding the GIL), its parameters dumped
and its rows loaded by psycopg's own Transformer with the connection's adapters, so values are
exactly what a cursor would give.

A transaction begins as psycopg begins it, with a BEGIN before the first statement outside
autocommit. A connection whose transactions psycopg would begin differently (an isolation
level, read-only, deferrable), one in pipeline mode, and one on which psycopg prepares
statements of its own (its ROLLBACK then sends DEALLOCATE ALL, which would drop ours too)
keeps to the cursor: `configure` turns psycopg's automatic preparation off on an engine's
connections.
"""

import itertools
from weakref import WeakKeyDictionary

from psycopg import adapt, errors, pq
from sqlalchemy import event

BEGIN = b"BEGIN"
IDLE = pq.TransactionStatus.IDLE
SUCCEEDED = frozenset({pq.ExecStatus.COMMAND_OK, pq.ExecStatus.TUPLES_OK})
PIPELINE_OFF = pq.PipelineStatus.OFF
_NAMES = itertools.count(1)
_STATES = WeakKeyDictionary()        # psycopg Connection -> _State


def configure(db_engine):
    """Let engine.prepared run its statements directly on `db_engine`'s psycopg connections:
    psycopg itself prepares nothing on them (see the module's notes)."""
    @event.listens_for(db_engine, "connect")
    def _no_automatic_preparation(dbapi_conn, _record):
        dbapi_conn.prepare_threshold = None


def statement_name():
    """A name for one more statement, the same on every connection it is prepared on."""
    return b"parkops_%d" % next(_NAMES)


def usable(driver):
    """True when `driver` (a psycopg Connection) can take statements directly."""
    return (driver.prepare_threshold is None and driver.isolation_level is None
            and driver.read_only is None and not driver.deferrable
            and driver.pgconn.pipeline_status == PIPELINE_OFF)


def run(driver, name, sql, rows):
    """Run the statement `sql` (bytes, numbered parameters) named `name` once per parameter
    tuple in `rows`; a Result of the last run. psycopg errors are raised as psycopg raises
    them (engine.prepared turns them into SQLAlchemy's)."""
    state = _STATES.get(driver)
    if state is None:
        state = _STATES[driver] = _State(driver)
    pgconn = state.pgconn
    if not driver.autocommit and pgconn.transaction_status == IDLE:
        state.check(pgconn.exec_(BEGIN))
    if name not in state.prepared:
        state.check(pgconn.prepare(name, sql))
        state.prepared.add(name)
    result = None
    for params in rows:
        result = state.check(pgconn.exec_prepared(
            name, state.transformer.dump_sequence(params, state.text_formats(len(params)))))
    return Result(state.transformer, result)


class Result:
    """What engine.prepared asks of a cursor: fetchone, fetchall, rowcount, close."""

    def __init__(self, transformer, pgresult):
        self.rowcount = pgresult.command_tuples if pgresult is not None else -1
        rows = pgresult.ntuples if pgresult is not None else 0
        if rows:
            transformer.set_pgresult(pgresult)
            self._rows = transformer.load_rows(0, rows, tuple)
        else:
            self._rows = []

    def fetchone(self):
        return self._rows[0] if self._rows else None

    def fetchall(self):
        return list(self._rows)

    def close(self):
        self._rows = []


class _State:
    """Per connection: the names prepared on it and the Transformer of its adapters."""

    def __init__(self, driver):
        self.pgconn = driver.pgconn
        self.prepared = set()
        self.transformer = adapt.Transformer(driver)
        self.encoding = driver.info.encoding
        self._formats = {}

    def text_formats(self, count):
        """Every parameter sent as text: the statement's casts ($1::INTEGER) type them."""
        formats = self._formats.get(count)
        if formats is None:
            formats = self._formats[count] = [adapt.PyFormat.TEXT] * count
        return formats

    def check(self, pgresult):
        """`pgresult` when it succeeded; else the psycopg error it holds, raised."""
        if pgresult.status in SUCCEEDED:
            return pgresult
        raise errors.error_from_result(pgresult, encoding=self.encoding)
