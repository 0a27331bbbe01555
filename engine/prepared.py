"""Hot-path statements: Core statements compiled once per dialect, run on the DBAPI cursor.

SQLAlchemy's execution path (cache-key lookup, execution context, result object, events)
costs several times what SQLite itself needs for the dozen small statements that start and
complete issue. These statements are therefore compiled once per dialect and executed on the
transaction's own DBAPI connection, with the bind and result processing of their column types
(UTC datetimes, JSON) that SQLAlchemy would apply. Transactions stay SQLAlchemy's.

SQL echo and cursor events do not see these statements; `observers` does (the benchmark
counts statements with it), and `recording()` collects them with SQLAlchemy's own. Every bind
must be given a value: column defaults do not apply.
"""

import copy
import json
from contextlib import contextmanager
from datetime import datetime, timezone
from weakref import WeakKeyDictionary

from sqlalchemy import JSON, bindparam, event
from sqlalchemy.exc import DBAPIError

from . import pgdirect
from .clock import TWO_DIGITS
from .store import UTCDateTime

# Callables observer(sql, rows): told of each statement run, rows being the parameter rows.
observers = []
_REQUIRED = object()        # a bind that has no literal value: the caller must give one


@contextmanager
def recording(db_engine):
    """A list that collects (SQL, parameters) of every statement run in the block: those of
    SQLAlchemy on `db_engine` (cursor events) and the prepared ones (observers), in order;
    for query plans and benchmarks."""
    seen = []

    def core(_conn, _cursor, statement, parameters, _context, _executemany):
        seen.append((statement, parameters))

    def driver(statement, rows):
        seen.extend((statement, row) for row in rows)

    event.listen(db_engine, "before_cursor_execute", core)
    observers.append(driver)
    try:
        yield seen
    finally:
        observers.remove(driver)
        event.remove(db_engine, "before_cursor_execute", core)


class Prepared:
    """One statement; execute it with the SQLAlchemy Connection of the current transaction."""

    def __init__(self, statement):
        self.statement = statement
        self._compiled = WeakKeyDictionary()    # per dialect, gone with its engine

    @classmethod
    def insert(cls, table, columns=None, returning=None):
        """INSERT of `columns` (default: all but the autoincrement key), binds named alike."""
        columns = columns or [c.key for c in table.columns if c is not table.autoincrement_column]
        statement = table.insert().values({c: bindparam(c) for c in columns})
        # inline(): no key fetched back (PostgreSQL would add RETURNING id to every INSERT).
        return cls(statement.returning(returning) if returning is not None
                   else statement.inline())

    def executemany(self, conn, rows):
        """Run once per parameter dict in `rows` (one DBAPI executemany; a single row is one
        execute: psycopg runs every executemany in a pipeline of its own, which costs a
        lifecycle's few single-row writes more than their statements). Nothing is read back,
        so on PostgreSQL the statement may wait to go with the next one (engine.pgdirect):
        an error then surfaces there, at the latest at the commit."""
        if not rows:
            return
        plan = self._plan(conn.dialect)
        _run(conn, plan, [plan.bind(params) for params in rows], many=len(rows) > 1,
             defer=True).close()

    def rowcount(self, conn, params):
        """Run an UPDATE/DELETE; how many rows it matched."""
        cursor, _ = self._execute(conn, params)
        try:
            return cursor.rowcount
        finally:
            cursor.close()

    def first(self, conn, params):
        """The first result row as a tuple of Python values (types processed), or None."""
        cursor, plan = self._execute(conn, params)
        try:
            row = cursor.fetchone()
        finally:
            cursor.close()
        return None if row is None else plan.load(row)

    def all(self, conn, params):
        """Every result row, each a tuple of Python values."""
        cursor, plan = self._execute(conn, params)
        try:
            rows = cursor.fetchall()
        finally:
            cursor.close()
        return [plan.load(row) for row in rows]

    def scalar(self, conn, params):
        """The first column of the first result row, or None."""
        row = self.first(conn, params)
        return None if row is None else row[0]

    def _execute(self, conn, params):
        """(open DBAPI cursor, plan) after running the statement once with `params`."""
        plan = self._plan(conn.dialect)
        return _run(conn, plan, [plan.bind(params)], many=False), plan

    def _plan(self, dialect):
        plan = self._compiled.get(dialect)
        if plan is None:
            plan = self._compiled[dialect] = _Plan(self.statement, dialect)
        return plan


class _Plan:
    """The SQL text of a statement for one dialect and how to convert values in and out."""

    def __init__(self, statement, dialect):
        numbered = _numbered(dialect)
        compiled = statement.compile(dialect=numbered or dialect)
        # On psycopg: numbered parameters ($1) and a tuple of values, run on libpq directly
        # (engine.pgdirect), else on a RawCursor, which takes the same SQL and values.
        self.cursor = None if numbered is None else dialect.loaded_dbapi.RawCursor
        self.name = None if numbered is None else pgdirect.statement_name()
        if compiled.post_compile_params or compiled.literal_execute_params:
            # Values rendered into the SQL at execution time (expanding IN, LIMIT on some
            # dialects) need SQLAlchemy's execution path; these statements avoid them.
            raise NotImplementedError(f"{dialect.name} renders parameters of this statement "
                                      f"at execution time: {compiled.string}")
        self.sql = compiled.string
        self.sql_bytes = self.sql.encode()
        binds = {name: bind for bind, name in compiled.bind_names.items()}
        names = compiled.positiontup if compiled.positional else list(binds)
        self.positional = compiled.positional
        self.names = list(names)
        # Per bind: its name, the literal written into the statement (or _REQUIRED) and the
        # bind processing of its type (or None).
        self.binds = [(n, _REQUIRED if binds[n].value is None else binds[n].value,
                       _processor(binds[n].type, dialect)) for n in self.names]
        # (position, result processing) of each column whose type has one: a row is a dozen
        # plain values and a few processed ones, and only those cost a step in load().
        self.processing = tuple(
            (position, process) for position, process in enumerate(
                _result_processor(c.type, dialect) for c in statement.exported_columns)
            if process is not None)

    def bind(self, params):
        """DBAPI parameters from a dict; a bind with no value and no literal is a KeyError."""
        values = []
        for name, fixed, process in self.binds:
            value = params.get(name, fixed)
            if value is _REQUIRED:
                raise KeyError(name)
            values.append(value if process is None else process(value))
        return tuple(values) if self.positional else dict(zip(self.names, values))

    def load(self, row):
        """A result row (a tuple) with every column's result processing applied."""
        if not self.processing:
            return tuple(row)
        values = list(row)
        for position, process in self.processing:
            values[position] = process(values[position])
        return tuple(values)


def _processor(type_, dialect):
    if dialect.name == "sqlite" and isinstance(type_, UTCDateTime):
        return _sqlite_utc_text
    return type_.dialect_impl(dialect).bind_processor(dialect)


def _sqlite_utc_text(value):
    """What UTCDateTime and SQLite's DATETIME bind processing make of `value`, in one step:
    the same text (tests/unit/test_prepared.py compares them), at a quarter of the cost. A
    lifecycle binds a dozen timestamps. Put together from ready two-digit strings: %02d
    formatting alone cost twice as much."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetime given to a UTC column")
    utc = value.astimezone(timezone.utc)
    return (f"{str(utc.year).zfill(4)}-{TWO_DIGITS[utc.month]}-{TWO_DIGITS[utc.day]} "
            f"{TWO_DIGITS[utc.hour]}:{TWO_DIGITS[utc.minute]}:{TWO_DIGITS[utc.second]}"
            f".{str(utc.microsecond).zfill(6)}")


def _result_processor(type_, dialect):
    if dialect.name == "sqlite":
        if type(type_) is UTCDateTime:
            return _sqlite_utc_datetime
        if type(type_) is JSON and isinstance(type_.dialect_impl(dialect), JSON):
            return _sqlite_json(dialect._json_deserializer or json.loads)
    return type_.dialect_impl(dialect).result_processor(dialect, None)


# SQLAlchemy's SQLite result processing of these two types runs two or three nested functions
# per value; a basket page reads a dozen values per task. These give the same values in one.
def _sqlite_utc_datetime(value):
    """What UTCDateTime and SQLite's DATETIME result processing make of stored text. Text with
    a time of day is read with its UTC offset appended, one call (datetime.replace, with its
    keyword parsing, cost four times the reading; a lifecycle reads some 80 timestamps)."""
    if value is None:
        return None
    if len(value) > 10:
        try:
            return datetime.fromisoformat(value + "+00:00")
        except ValueError:      # text that already carries an offset: read as before
            pass
    return datetime.fromisoformat(value).replace(tzinfo=timezone.utc)


def _sqlite_json(deserialize):
    """What SQLite's JSON result processing makes of a stored value: the deserialized text;
    a number (SQLite's json functions may store one) as it is."""
    def process(value):
        if value is None:
            return None
        if isinstance(value, (int, float)):
            return value
        return deserialize(value)
    return process


def _numbered(dialect):
    """A copy of a psycopg dialect that compiles numbered parameters ($1, $2...); None for
    other dialects."""
    if dialect.name != "postgresql" or dialect.driver != "psycopg":
        return None
    numbered = copy.copy(dialect)
    numbered.paramstyle, numbered.positional = "numeric_dollar", True
    return numbered


def _run(conn, plan, rows, many, defer=False):
    sql = plan.sql
    for observer in observers:
        observer(sql, rows)
    dbapi_connection = conn.connection.dbapi_connection
    dbapi_error = conn.dialect.loaded_dbapi.Error
    try:
        if plan.name is not None and pgdirect.usable(dbapi_connection):
            return pgdirect.run(dbapi_connection, plan.name, plan.sql_bytes, rows, defer)
        cursor = (dbapi_connection.cursor() if plan.cursor is None
                  else plan.cursor(dbapi_connection))
        if many:
            cursor.executemany(sql, rows)
        else:
            cursor.execute(sql, rows[0])
    except dbapi_error as exc:
        # The same exception classes SQLAlchemy raises (IntegrityError, OperationalError...),
        # naming the statement that failed (a write that waited in the pipeline, it may be).
        failed = getattr(exc, "statement", None)
        params = None if failed else rows if many else rows[0]
        raise DBAPIError.instance(failed or sql, params, exc, dbapi_error,
                                  dialect=conn.dialect) from exc
    return cursor
