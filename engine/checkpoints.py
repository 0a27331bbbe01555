"""SQLite WAL checkpoints off the write path.

In WAL mode with synchronous=NORMAL a commit appends its pages to the -wal file and does not
wait for the disk. Now and then the WAL must be copied back into the database file and the
disk synced: a checkpoint. SQLite runs it inside whichever commit crosses
`wal_autocheckpoint` pages, so one operation in twenty or so waits for two fsyncs, many
milliseconds on a busy disk: the long tail of every write's latency.

Here the commit only counts: every CHECKPOINT_EVERY write commits it asks one background
thread per process to run a PASSIVE checkpoint (never waits for readers or writers) on a
connection of its own. SQLite's own auto-checkpoint stays on, at a higher mark, as a backstop
should that thread fall behind or a process run without it.
"""

import logging
import sqlite3
import threading
import time
from pathlib import Path

log = logging.getLogger(__name__)

CHECKPOINT_EVERY = 24           # write commits between two requests (~1,000 WAL pages)
BACKSTOP_PAGES = 8_000          # wal_autocheckpoint: a commit checkpoints past this (~32 MiB)
IDLE_CLOSE_S = 30.0             # a database not asked for this long loses its connection


class Checkpointer:
    """One daemon thread checkpointing the databases whose writers asked it to."""

    def __init__(self):
        self._wanted = set()
        self._cond = threading.Condition()
        self._thread = None
        self._conns = {}            # path -> (connection, last used)

    def request(self, path):
        """Ask for a checkpoint of the database file at `path` soon (returns at once)."""
        with self._cond:
            self._wanted.add(path)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="sqlite-checkpoints",
                                                daemon=True)
                self._thread.start()
            self._cond.notify()

    def _loop(self):
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._wanted, timeout=IDLE_CLOSE_S)
                wanted, self._wanted = self._wanted, set()
            for path in wanted:
                self.checkpoint(path)
            self._close_idle()

    def checkpoint(self, path):
        """One PASSIVE checkpoint of `path`; (busy, WAL frames, frames checkpointed) or None."""
        try:
            conn = self._connection(path)
            row = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        except sqlite3.Error as exc:     # the file went away (a test's temporary database...)
            log.debug("checkpoint of %s skipped: %s", path, exc)
            self._drop(path)
            return None
        self._conns[path] = (conn, time.monotonic())
        return tuple(row)

    def _connection(self, path):
        held = self._conns.get(path)
        if held is not None:
            return held[0]
        # mode=rw: never create a database that is not there any more.
        return sqlite3.connect(f"{Path(path).as_uri()}?mode=rw", uri=True,
                               check_same_thread=False, isolation_level=None)

    def _drop(self, path):
        held = self._conns.pop(path, None)
        if held is not None:
            held[0].close()

    def _close_idle(self):
        cutoff = time.monotonic() - IDLE_CLOSE_S
        for path in [p for p, (_, used) in self._conns.items() if used < cutoff]:
            self._drop(path)


CHECKPOINTER = Checkpointer()


class CommitCounter:
    """Counts the write commits of one database and asks for a checkpoint every so many."""

    def __init__(self, path, every=CHECKPOINT_EVERY, checkpointer=CHECKPOINTER):
        self.path, self.every, self.checkpointer = path, every, checkpointer
        self._count = 0
        self._lock = threading.Lock()

    def committed(self):
        """Call after a commit that wrote."""
        with self._lock:
            self._count += 1
            due = self._count % self.every == 0
        if due:
            self.checkpointer.request(self.path)
