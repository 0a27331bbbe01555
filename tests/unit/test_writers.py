"""Writers of one SQLite file take turns through a file lock (engine.writers), on real files."""

import subprocess
import sys
import threading

import pytest
from sqlalchemy import text

from engine import make_db_engine
from engine.db import writer
from engine.operation import DriverConnection
from engine.writers import Turn, TurnConnection, lock_path


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


def test_the_lock_file_lies_beside_the_database_and_memory_has_none(tmp_path):
    assert lock_path(str(tmp_path / "parkops.db")) == str(tmp_path / "parkops.db-writers")
    assert lock_path(":memory:") is None and lock_path(None) is None
    assert lock_path("file:shared?mode=memory&cache=shared") is None


def test_a_write_transaction_holds_the_turn_until_it_commits(db_engine):
    conn = DriverConnection(db_engine, write=True)
    assert isinstance(conn.connection.driver_connection, TurnConnection)
    waiting = other_turn(db_engine)
    assert waiting.take() is False          # somebody writes: the turn is not free
    conn.connection.driver_connection.execute("INSERT INTO t VALUES (1)")
    conn.commit()
    conn.close()
    assert waiting.take() is True           # handed over at the commit
    waiting.close()


def test_a_rollback_gives_the_turn_back(db_engine):
    with writer(db_engine).connect() as conn:
        conn.begin()
        conn.execute(text("INSERT INTO t VALUES (1)"))
        assert other_turn(db_engine).take() is False
        conn.rollback()
        waiting = other_turn(db_engine)
        assert waiting.take() is True
        waiting.close()
    with db_engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM t")) == 0


def test_a_writer_waits_for_the_turn_and_goes_on_when_it_is_free(db_engine):
    holder = other_turn(db_engine)
    assert holder.take()
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
    assert turn.take() is False         # at once: a 30 s wait would hang this test
    second.close()
    first.rollback()
    first.close()


def test_without_the_turn_in_time_sqlite_decides(db_engine):
    """A writer the turn is not handed to within the busy timeout still begins: the turn only
    orders writers, SQLite's lock guards the data."""
    holder = other_turn(db_engine)
    assert holder.take()
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
    assert waiting.take() is True
    waiting.close()
