"""WAL checkpoints run beside the writers, on a real SQLite file."""

import sqlite3
import time

from sqlalchemy import text

from engine import make_db_engine
from engine.checkpoints import CHECKPOINT_EVERY, Checkpointer, CommitCounter


class Recorder:
    """A checkpointer stand-in that only notes what it was asked (CommitCounter's contract)."""

    def __init__(self):
        self.asked = []

    def request(self, path):
        self.asked.append(path)


def test_every_nth_commit_asks_for_a_checkpoint():
    recorder = Recorder()
    counter = CommitCounter("/data/parkops.db", every=3, checkpointer=recorder)
    for _ in range(7):
        counter.committed()
    assert recorder.asked == ["/data/parkops.db", "/data/parkops.db"]


def test_a_checkpoint_copies_the_wal_into_the_database(tmp_path):
    path = tmp_path / "wal.db"
    db_engine = make_db_engine(f"sqlite:///{path}")
    with db_engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x TEXT)"))
        conn.execute(text("INSERT INTO t VALUES (:x)"), [{"x": "p" * 500}] * 200)
    checkpointer = Checkpointer()
    busy, frames, copied = checkpointer.checkpoint(str(path))
    assert busy == 0 and frames > 0 and copied == frames
    with db_engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM t")) == 200
    db_engine.dispose()


def test_the_commits_of_an_engine_get_their_wal_checkpointed(tmp_path):
    """Through make_db_engine: the writers only append to the WAL (far below SQLite's own
    auto-checkpoint mark), and the background thread copies it into the database file."""
    path = tmp_path / "busy.db"
    db_engine = make_db_engine(f"sqlite:///{path}")
    with db_engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x TEXT)"))
    rows = CHECKPOINT_EVERY * 2
    for i in range(rows):
        with db_engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (:x)"), {"x": f"{i:04}" * 500})
    # Until a checkpoint runs, the rows' pages live in the -wal file only and the database
    # file keeps its one header page; the thread works on its own schedule, so wait for it
    # (a few ms) with a deadline.
    deadline = time.monotonic() + 10
    while path.stat().st_size < rows * 2000 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert path.stat().st_size >= rows * 2000
    check = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    assert check.execute("SELECT count(*) FROM t").fetchone() == (CHECKPOINT_EVERY * 2,)
    check.close()
    db_engine.dispose()


def test_a_vanished_database_is_not_created_again(tmp_path):
    path = tmp_path / "gone.db"
    assert Checkpointer().checkpoint(str(path)) is None
    assert not path.exists()
