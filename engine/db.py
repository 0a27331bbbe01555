"""Database engine factory: SQLite tuned for a laptop (WAL), anything else as given."""

import os
import weakref

from sqlalchemy import create_engine, event
from sqlalchemy.exc import DBAPIError

from . import jsontext, pgdirect, writers
from .checkpoints import BACKSTOP_PAGES, CommitCounter

WRITE_OPTION = "parkops_writer"
_COUNTERS = weakref.WeakKeyDictionary()     # pool -> CommitCounter of its database file
CACHE_KIB = 32 * 1024                       # page cache per connection
MMAP_BYTES = 1024 * 1024 * 1024             # memory-mapped reads, up to this much of the file
BUSY_TIMEOUT_MS = 10_000                    # how long a writer waits for a locked database
# The pool hands out the connection used last. An SQLite connection drops its whole page
# cache when it finds that another connection wrote since its own last transaction; taking
# the same connection again keeps its cache warm (a FIFO pool would rotate them all cold).
POOL_OPTIONS = {"pool_use_lifo": True}
# JSON columns are written and read by the one codec (engine.jsontext) on every dialect: the
# SQLite and psycopg dialects hand these to their JSON bind/result processing.
JSON_OPTIONS = {"json_serializer": jsontext.dumps, "json_deserializer": jsontext.loads}
# create_engine() options of every database engine, the web app's too (webapp/config.py).
ENGINE_OPTIONS = {**POOL_OPTIONS, **JSON_OPTIONS}
# PostgreSQL drivers whose connections switch to autocommit and back (read_on_its_own).
AUTOCOMMIT_DRIVERS = frozenset({"psycopg", "psycopg2"})


def make_db_engine(url, **kwargs):
    """Create an SQLAlchemy engine; SQLite gets WAL, a busy timeout and foreign keys."""
    db_engine = create_engine(url, **{**ENGINE_OPTIONS, **kwargs})
    configure(db_engine)
    return db_engine


def configure(db_engine):
    """What the engine needs of an engine made elsewhere (Flask-SQLAlchemy's): SQLite's
    settings (configure_sqlite); on psycopg, statements run on libpq (engine.pgdirect)."""
    if db_engine.dialect.name == "sqlite":
        configure_sqlite(db_engine)
    elif db_engine.dialect.driver == "psycopg":
        pgdirect.configure(db_engine)


def configure_sqlite(db_engine):
    """Make an SQLite engine safe for several threads/processes writing the same file.

    A database file (not one in memory) gets its WAL checkpoints run by a background thread
    (engine.checkpoints) instead of inside the commit that happens to fill the WAL.
    """
    counter = _commit_counter(db_engine.url.database)
    turns = writers.lock_path(db_engine.url.database)

    if turns is not None:
        @event.listens_for(db_engine, "do_connect")
        def _turn_connections(_dialect, _record, _cargs, cparams):
            cparams.setdefault("factory", writers.TurnConnection)

    @event.listens_for(db_engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # Autocommit at the driver level so SQLAlchemy's BEGIN below is the only transaction.
        dbapi_conn.isolation_level = None
        if turns is not None and isinstance(dbapi_conn, writers.TurnConnection):
            dbapi_conn.turn = writers.make_turn(turns, BUSY_TIMEOUT_MS / 1000)
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        if counter is not None:
            cursor.execute(f"PRAGMA wal_autocheckpoint={BACKSTOP_PAGES}")
        # Reads of a database bigger than SQLite's small default page cache (2 MiB) go through
        # a memory map instead of a read() per page: index lookups of a busy laptop database
        # stay as fast at 100,000 instances as at a few hundred.
        cursor.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
        cursor.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(db_engine, "begin")
    def _on_begin(conn):
        # Writers take the lock up front (IMMEDIATE) and so queue on busy_timeout, instead of
        # failing with "database is locked" when a read transaction tries to upgrade. Readers
        # stay deferred so WAL lets them run beside a writer.
        _begin(conn, "BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE_OPTION)
               else "BEGIN")

    if counter is not None:
        _COUNTERS[db_engine.pool] = counter

        @event.listens_for(db_engine, "commit")
        def _on_commit(_conn):
            counter.committed()


def begin_write(conn):
    """Begin a write transaction on `conn` (anything with `dialect` and the pool's `connection`:
    a SQLAlchemy Connection or an engine.operation.DriverConnection). SQLite takes the write
    lock at once; other databases begin implicitly with the first statement (on PostgreSQL
    after leaving read_on_its_own)."""
    if conn.dialect.name == "sqlite":
        _begin(conn, "BEGIN IMMEDIATE")
    elif _autocommits(conn):
        conn.connection.driver_connection.autocommit = False


def commit_waiting(conn):
    """Before the driver's commit on `conn` (as begin_write takes): on psycopg, send the COMMIT
    with the writes waiting in the connection's pipeline (engine.pgdirect)."""
    if conn.dialect.driver == "psycopg":
        pgdirect.commit(conn.connection.dbapi_connection)


def drop_waiting(conn):
    """Before the driver's rollback on `conn`: drop the writes waiting in its pipeline."""
    if conn.dialect.driver == "psycopg":
        pgdirect.discard(conn.connection.dbapi_connection)


def read_on_its_own(conn):
    """Let each statement on `conn` (as begin_write takes) run on its own until begin_write.

    SQLite's driver does so already (isolation_level None: only our BEGIN begins). psycopg
    would send a BEGIN before the first statement and leave the transaction for the pool's
    ROLLBACK: three round trips for one SELECT. In autocommit mode a SELECT is one round trip.
    """
    if _has_autocommit(conn):
        conn.connection.driver_connection.autocommit = True


def end_reading(conn):
    """Undo read_on_its_own before the connection goes back to the pool, which hands out
    connections that begin transactions implicitly (as SQLAlchemy's Session expects)."""
    if _autocommits(conn):
        conn.connection.driver_connection.autocommit = False


def _has_autocommit(conn):
    return conn.dialect.name == "postgresql" and conn.dialect.driver in AUTOCOMMIT_DRIVERS


def _autocommits(conn):
    return _has_autocommit(conn) and conn.connection.driver_connection.autocommit


def locks_whole_database(db_engine):
    """True where a write transaction holds the whole database (SQLite: one writer at a time),
    so work done before it begins is work other writers do not wait for. PostgreSQL locks
    rows instead."""
    return db_engine.dialect.name == "sqlite"


def data_version(conn):
    """SQLite's data_version of `conn`'s DBAPI connection: it moves whenever another
    connection commits (a DriverConnection or Connection, as begin_write takes); None on
    other databases."""
    if conn.dialect.name != "sqlite":
        return None
    return conn.connection.driver_connection.execute("PRAGMA data_version").fetchone()[0]


def note_commit(db_engine):
    """Tell the checkpoint counter of `db_engine` (if any) about a commit made on the driver."""
    counter = _COUNTERS.get(db_engine.pool)
    if counter is not None:
        counter.committed()


def _begin(conn, sql):
    """Run BEGIN on the driver: SQLAlchemy's statement machinery would cost more than the
    BEGIN itself, twice per engine operation. A driver already in a transaction (a SQLAlchemy
    Connection made over an operation's DBAPI connection) joins it. A failure (the database
    stayed locked past the busy timeout) is raised as the SQLAlchemy error it would have been."""
    driver = conn.connection.driver_connection
    if driver.in_transaction:
        return
    turn = None
    if sql == "BEGIN IMMEDIATE" and isinstance(driver, writers.TurnConnection):
        turn = driver.take_turn()       # writers of the file take turns (engine.writers)
    dbapi_error = conn.dialect.loaded_dbapi.Error
    try:
        if turn == writers.TIMED_OUT:
            # The busy timeout went by waiting for the turn: SQLite answers at once now.
            _begin_without_waiting(driver, sql)
        else:
            driver.execute(sql)
    except dbapi_error as exc:
        if not driver.in_transaction:
            driver.rollback()       # gives the turn back; nothing was begun
        raise DBAPIError.instance(sql, (), exc, dbapi_error, dialect=conn.dialect) from exc


def _begin_without_waiting(driver, sql):
    driver.execute("PRAGMA busy_timeout=0")
    try:
        driver.execute(sql)
    finally:
        driver.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


def _commit_counter(database):
    """A CommitCounter for a database file; None in memory (no WAL to checkpoint)."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return CommitCounter(os.path.abspath(database))


def writer(db_engine):
    """The same engine and pool, flagged so each transaction starts as a writer."""
    return db_engine.execution_options(**{WRITE_OPTION: True})
