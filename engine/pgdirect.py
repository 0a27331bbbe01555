"""engine.prepared's statements on PostgreSQL, run on the connection's libpq handle.

A psycopg cursor costs some 110 k instructions of Python per statement (counted with
callgrind: its execute machinery, query conversion, prepare bookkeeping and result set-up),
libpq itself some 15 k; a lifecycle of the HTTP benchmark runs about thirty statements. So
the engine's hot statements, compiled once with numbered parameters ($1), go to psycopg's
libpq wrapper directly: each is prepared once per connection under its own name and run with
PQexecPrepared (which waits for the server without holding the GIL), its parameters dumped
and its rows loaded by psycopg's own Transformer with the connection's adapters, so values are
exactly what a cursor would give.

A write whose result nobody reads (engine.prepared's executemany) is only sent: it waits in
libpq's pipeline for the next statement that is read or for the COMMIT, and the server answers
them together; a BEGIN goes with the statement after it. An operation's writes so take one
round trip with its COMMIT instead of one each (a start: 3 round trips instead of 8); their
errors surface at that read or COMMIT, inside the operation, which rolls back whole. Whatever
else uses the connection (SQLAlchemy's statements, commit, rollback, the pool's reset) runs or
drops the waiting statements first (`configure`).

A transaction begins as psycopg begins it, with a BEGIN before the first statement outside
autocommit. A connection whose transactions psycopg would begin differently (an isolation
level, read-only, deferrable), one in pipeline mode, and one on which psycopg prepares
statements of its own (its ROLLBACK then sends DEALLOCATE ALL, which would drop ours too)
keeps to the cursor: `configure` turns psycopg's automatic preparation off on an engine's
connections. The names live as long as the server session: a pooler that hands one client
connection several server sessions (pgbouncer in transaction mode) does not suit this, nor
the reads in autocommit (engine.db.read_on_its_own); connect ParkOps to PostgreSQL directly
or through a session-mode pool.
"""

import itertools
import select

from psycopg import adapt, errors, pq
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError

BEGIN, COMMIT = b"BEGIN", b"COMMIT"
IDLE = pq.TransactionStatus.IDLE
SUCCEEDED = frozenset({pq.ExecStatus.COMMAND_OK, pq.ExecStatus.TUPLES_OK})
PIPELINE_OFF = pq.PipelineStatus.OFF
PIPELINE_ABORTED = pq.ExecStatus.PIPELINE_ABORTED
_NAMES = itertools.count(1)
# The _State of a psycopg Connection, kept on the connection itself: it refers back to it (its
# Transformer does), and a cycle the garbage collector takes with the connection.
STATE = "_parkops_direct"


def configure(db_engine):
    """Let engine.prepared run its statements directly on `db_engine`'s psycopg connections:
    psycopg itself prepares nothing on them (see the module's notes), and statements left
    waiting in a pipeline run before anything else uses the connection."""
    @event.listens_for(db_engine, "connect")
    def _no_automatic_preparation(dbapi_conn, _record):
        dbapi_conn.prepare_threshold = None

    # Whatever else uses the connection runs the waiting statements first (SQLAlchemy's own
    # statements, its commit: with them; its rollback and the pool's reset: dropping them).
    # An invalidated Connection (its database connection lost) is left alone: asking for its
    # DBAPI connection would make SQLAlchemy reconnect, and fail, inside the rollback.
    @event.listens_for(db_engine, "before_cursor_execute")
    def _before_statement(conn, _cursor, _statement, _parameters, _context, _many):
        if not conn.invalidated:
            flush(conn.connection.dbapi_connection)

    @event.listens_for(db_engine, "commit")
    def _on_commit(conn):
        if not conn.invalidated:
            commit(conn.connection.dbapi_connection)

    @event.listens_for(db_engine, "rollback")
    def _on_rollback(conn):
        if not conn.invalidated:
            discard(conn.connection.dbapi_connection)

    @event.listens_for(db_engine, "reset")
    def _on_reset(dbapi_conn, _record, _state):
        discard(dbapi_conn)


def statement_name():
    """A name for one more statement, the same on every connection it is prepared on."""
    return b"parkops_%d" % next(_NAMES)


def usable(driver):
    """True when `driver` (a psycopg Connection) can take statements directly."""
    return (driver.prepare_threshold is None and driver.isolation_level is None
            and driver.read_only is None and not driver.deferrable
            and (driver.pgconn.pipeline_status == PIPELINE_OFF or _pending(driver)))


def run(driver, name, sql, rows, defer=False):
    """Run the statement `sql` (bytes, numbered parameters) named `name` once per parameter
    tuple in `rows`; a Result of the last run. psycopg errors are raised as psycopg raises
    them (engine.prepared turns them into SQLAlchemy's).

    With `defer` (a write whose result nobody reads) the statement is only sent: it waits in
    the connection's pipeline for the next statement that is read, or the COMMIT, and the
    server answers them all in one round trip. So does a BEGIN with the statement after it.
    An error of a deferred statement is raised where the pipeline is read.
    """
    state = getattr(driver, STATE, None)
    if state is None:
        state = _State(driver)
        setattr(driver, STATE, state)
    pgconn = state.pgconn
    # Values psycopg cannot send (a NUL character in text...) fail here, before anything is.
    values = [state.dump(params) for params in rows]
    defer = defer and not driver.autocommit     # a write on its own is done when it returns
    begin = not state.queue and not driver.autocommit and pgconn.transaction_status == IDLE
    if not (defer or begin or state.queue):
        if name not in state.prepared:
            state.check(pgconn.prepare(name, sql))
            state.prepared.add(name)
        result = None
        for dumped in values:
            result = state.check(pgconn.exec_prepared(name, dumped))
        return Result(state.transformer, result)
    if not state.queue:
        pgconn.enter_pipeline_mode()
    try:
        if begin:
            state.send(BEGIN, pgconn.send_query_params, BEGIN, None)
        if name not in state.prepared:
            state.send(sql, pgconn.send_prepare, name, sql, prepares=name)
        for dumped in values:
            state.send(sql, pgconn.send_query_prepared, name, dumped)
    except BaseException:
        if not state.queue:             # nothing went out: as if it had never begun
            _leave_pipeline(pgconn)
        raise
    return DEFERRED if defer else Result(state.transformer, state.sync())


def commit(driver):
    """Send the COMMIT with the statements waiting in `driver`'s pipeline (one round trip);
    nothing when none wait (psycopg's commit then sends it). Errors are SQLAlchemy's."""
    state = _pending(driver)
    if state is not None:
        state.send(COMMIT, state.pgconn.send_query_params, COMMIT, None)
        _sync_raising_sqlalchemys(state)


def flush(driver):
    """Run the statements waiting in `driver`'s pipeline now (before psycopg itself uses the
    connection); their errors are raised as SQLAlchemy's."""
    state = _pending(driver)
    if state is not None:
        _sync_raising_sqlalchemys(state)


def discard(driver):
    """Read and drop the results waiting in `driver`'s pipeline (before a rollback)."""
    state = _pending(driver)
    if state is not None:
        try:
            state.sync()
        except errors.Error:
            pass            # the rollback that follows undoes what did run


def _sync_raising_sqlalchemys(state):
    """state.sync(), its error raised as the SQLAlchemy exception engine.prepared raises."""
    try:
        state.sync()
    except errors.Error as exc:
        raise DBAPIError.instance(getattr(exc, "statement", None), None, exc,
                                  errors.Error) from exc


def _pending(driver):
    state = getattr(driver, STATE, None)
    return state if state is not None and state.queue else None


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


DEFERRED = Result(None, None)       # what a deferred statement returns: no rows, no count


class _State:
    """Per connection: the names prepared on it, the Transformer of its adapters, and what
    waits in its pipeline."""

    def __init__(self, driver):
        self.pgconn = driver.pgconn
        self.prepared = set()
        self.transformer = adapt.Transformer(driver)
        self.encoding = driver.info.encoding
        self.queue = []             # per command in the pipeline: (its SQL, name it prepares)
        self._formats = {}

    def dump(self, params):
        """The parameters as text: the statement's casts ($1::INTEGER) type them."""
        formats = self._formats.get(len(params))
        if formats is None:
            formats = self._formats[len(params)] = [adapt.PyFormat.TEXT] * len(params)
        return self.transformer.dump_sequence(params, formats)

    def check(self, pgresult):
        """`pgresult` when it succeeded; else the psycopg error it holds, raised."""
        if pgresult.status in SUCCEEDED:
            return pgresult
        raise errors.error_from_result(pgresult, encoding=self.encoding)

    def send(self, sql, send, *args, prepares=None):
        """Send one command (of the statement `sql`) into the pipeline."""
        send(*args)
        self.queue.append((sql, prepares))
        if prepares is not None:
            self.prepared.add(prepares)

    def sync(self):
        """End the pipeline: wait for every command's result; the last one, or the first
        error raised, its `statement` the SQL that failed (a name whose PREPARE did not run is
        forgotten)."""
        pgconn, queue = self.pgconn, self.queue
        self.queue = []
        failed = failed_sql = last = None
        try:
            pgconn.pipeline_sync()
            _send_all(pgconn)
            for sql, prepares in queue:
                result = _next_result(pgconn)
                if result is None:                          # the connection went away
                    raise errors.OperationalError(
                        pgconn.get_error_message(self.encoding) or "connection lost")
                while _next_result(pgconn) is not None:     # the end of this command's results
                    pass
                if result.status in SUCCEEDED:
                    last = result
                    continue
                if prepares is not None:
                    self.prepared.discard(prepares)
                if failed is None and result.status != PIPELINE_ABORTED:
                    failed, failed_sql = result, sql
            _next_result(pgconn)                            # the PIPELINE_SYNC
        finally:
            if pgconn.pipeline_status != PIPELINE_OFF:
                _leave_pipeline(pgconn)
        if failed is not None:
            try:
                self.check(failed)
            except errors.Error as exc:
                exc.statement = failed_sql.decode()
                raise
        return last


def _leave_pipeline(pgconn):
    """Leave pipeline mode; a connection that cannot (results left unread when reading them
    failed) is closed, so the pool replaces it instead of handing out a stuck one."""
    try:
        pgconn.exit_pipeline_mode()
    except errors.Error:
        pgconn.finish()


def _send_all(pgconn):
    """Flush what libpq holds of the pipeline to the server, waiting (without the GIL) while
    the socket is full and reading what the server answers meanwhile."""
    while pgconn.flush():
        if _wait(pgconn, select.POLLIN | select.POLLOUT) & select.POLLIN:
            pgconn.consume_input()


def _next_result(pgconn):
    """libpq's next result, waiting for the server without the GIL (PQgetResult waits with
    it: every other thread of the worker would stop for the round trip)."""
    while pgconn.is_busy():
        _wait(pgconn, select.POLLIN)
        pgconn.consume_input()
    return pgconn.get_result()


def _wait(pgconn, events):
    """Wait until the connection's socket is ready for `events`; the events that are."""
    poller = select.poll()          # poll: no limit on the descriptor's number, as select has
    poller.register(pgconn.socket, events)
    ready = 0
    while not ready:
        ready = sum(mask for _, mask in poller.poll())
    return ready
