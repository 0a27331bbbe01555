"""Writers of one SQLite file take turns through a file lock (engine.writers), on real files."""

import gc
import os
import sqlite3
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from engine import make_db_engine
from engine.db import writer
from engine.operation import DriverConnection
from engine.writers import HELD_HERE, TAKEN, TIMED_OUT, Turn, TurnConnection, lock_path


@pytest.fixture
def db_engine(tmp_path):
    db_engine = make_db_engine(f"sqlite:///{tmp_path / 'turns.db'}")
    with db_engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    yield db_engine
    db_engine.dispose()


def other_turn(db_engine, timeout=0.05):
    """A second connection's turn on the same database file, as another process would take."""
    return Turn(lock_path(db_engine.url.database), timeout)


def in_thread(fn):
    """fn()'s result, called in a thread of its own (another writer than this thread)."""
    result = []
    thread = threading.Thread(target=lambda: result.append(fn()))
    thread.start()
    thread.join()
    return result[0]


def take_elsewhere(db_engine):
    """What another writer gets when it asks for the turn now (then it lets go)."""
    turn = other_turn(db_engine)
    try:
        return in_thread(turn.take)
    finally:
        turn.close()


def hold_elsewhere(db_engine):
    """A turn held by another writer (another thread); close() gives it back."""
    turn = other_turn(db_engine)
    assert in_thread(turn.take) == TAKEN
    return turn


def test_the_lock_file_lies_beside_the_database_and_memory_has_none(tmp_path):
    assert lock_path(str(tmp_path / "parkops.db")) == str(tmp_path / "parkops.db-writers")
    assert lock_path(":memory:") is None and lock_path(None) is None
    assert lock_path("file:shared?mode=memory&cache=shared") is None


def test_a_write_transaction_holds_the_turn_until_it_commits(db_engine):
    conn = DriverConnection(db_engine, write=True)
    assert isinstance(conn.connection.driver_connection, TurnConnection)
    assert take_elsewhere(db_engine) == TIMED_OUT    # somebody writes: the turn is not free
    conn.connection.driver_connection.execute("INSERT INTO t VALUES (1)")
    conn.commit()
    conn.close()
    assert take_elsewhere(db_engine) == TAKEN        # handed over at the commit


def test_a_rollback_gives_the_turn_back(db_engine):
    with writer(db_engine).connect() as conn:
        conn.begin()
        conn.execute(text("INSERT INTO t VALUES (1)"))
        assert take_elsewhere(db_engine) == TIMED_OUT
        conn.rollback()
        assert take_elsewhere(db_engine) == TAKEN
    with db_engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM t")) == 0


def test_a_writer_waits_for_the_turn_and_goes_on_when_it_is_free(db_engine):
    holder = hold_elsewhere(db_engine)
    began = threading.Event()

    def write():
        with writer(db_engine).begin() as conn:      # BEGIN IMMEDIATE: waits for the turn
            began.set()
            conn.execute(text("INSERT INTO t VALUES (2)"))

    thread = threading.Thread(target=write)
    thread.start()
    assert not began.wait(0.3), "the writer began while another one held the turn"
    holder.close()                                   # gives the turn back
    thread.join(10)
    assert began.is_set() and not thread.is_alive()
    with db_engine.connect() as conn:
        assert conn.scalar(text("SELECT x FROM t")) == 2


def test_a_thread_never_waits_for_the_turn_it_holds_itself(db_engine):
    """A second connection of the same thread leaves it to SQLite (which would report the
    database locked), instead of waiting for itself until the timeout."""
    first = DriverConnection(db_engine, write=True)
    second = db_engine.raw_connection()
    turn = second.driver_connection.turn
    turn.timeout = 30
    assert turn.take() == HELD_HERE     # at once: a 30 s wait would hang this test
    second.close()
    first.rollback()
    first.close()


def test_without_the_turn_in_time_sqlite_decides(db_engine):
    """A writer the turn is not handed to within the busy timeout still begins: the turn only
    orders writers, SQLite's lock guards the data."""
    holder = hold_elsewhere(db_engine)
    with writer(db_engine).connect() as conn:
        conn.connection.driver_connection.turn.timeout = 0.05
        with conn.begin():
            conn.execute(text("INSERT INTO t VALUES (3)"))
    holder.close()
    with db_engine.connect() as conn:
        assert conn.scalar(text("SELECT x FROM t")) == 3


def test_a_process_that_dies_holding_the_turn_lets_the_others_in(db_engine, tmp_path):
    script = (f"import fcntl, os; fd = os.open({lock_path(db_engine.url.database)!r}, os.O_RDWR)"
              "; fcntl.flock(fd, fcntl.LOCK_EX); os._exit(0)")
    subprocess.run([sys.executable, "-c", script], check=True, timeout=30)
    waiting = other_turn(db_engine)
    assert waiting.take() == TAKEN
    waiting.close()


def test_a_busy_timeout_spent_waiting_for_the_turn_is_not_waited_again(db_engine):
    """Turn and SQLite lock both held elsewhere: "database is locked" after one timeout."""
    holder = hold_elsewhere(db_engine)
    blocker = sqlite3.connect(db_engine.url.database, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        with writer(db_engine).connect() as conn:
            conn.connection.driver_connection.turn.timeout = 0.2
            began = time.monotonic()
            with pytest.raises(OperationalError, match="database is locked"):
                conn.begin()
            assert time.monotonic() - began < 5         # not 0.2 s + SQLite's 10 s
        raw = db_engine.raw_connection()                 # the same one: the pool is LIFO
        try:
            busy = raw.driver_connection.execute("PRAGMA busy_timeout").fetchone()
        finally:
            raw.close()
        assert busy == (10_000,)                         # restored for the next writer
    finally:
        blocker.rollback()
        blocker.close()
        holder.close()


def test_a_turn_given_back_by_another_thread_frees_the_taker_too(db_engine):
    """A transaction ended from another thread: the thread that took the turn can take it
    again later (its record of holding the turn went with it)."""
    with ThreadPoolExecutor(max_workers=1) as worker:         # always the same thread
        turn = other_turn(db_engine)
        assert worker.submit(turn.take).result() == TAKEN
        turn.give_back()                                       # from this thread
        again = other_turn(db_engine)
        assert worker.submit(again.take).result() == TAKEN     # not HELD_HERE
        again.close()
        turn.close()


def test_without_a_usable_lock_file_the_database_still_works(tmp_path):
    """A lock file that cannot be opened (here a directory in its place; also no permission,
    no flock on the filesystem) only costs the turns: reads and writes go on."""
    path = tmp_path / "locked-out.db"
    (tmp_path / "locked-out.db-writers").mkdir()
    db_engine = make_db_engine(f"sqlite:///{path}")
    with writer(db_engine).begin() as conn:
        assert conn.connection.driver_connection.turn is None
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
        conn.execute(text("INSERT INTO t VALUES (1)"))
    with db_engine.connect() as conn:
        assert conn.scalar(text("SELECT x FROM t")) == 1
    db_engine.dispose()


def test_a_connection_dropped_without_close_closes_its_lock_file(db_engine):
    before = len(os.listdir("/proc/self/fd"))
    turns = [other_turn(db_engine) for _ in range(20)]
    assert len(os.listdir("/proc/self/fd")) == before + 20
    del turns
    gc.collect()
    assert len(os.listdir("/proc/self/fd")) <= before
