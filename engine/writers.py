"""Writers of one SQLite database file take turns through a file lock before they BEGIN.

SQLite admits one writer at a time. A writer that finds the database locked sleeps and tries
again, 1, 2, 5, 10 ms later and so on (its default busy handler), while the transaction it
waits for, an engine operation, takes about a millisecond. With two web workers writing, the
one that sleeps leaves its core idle long after the file was free again: in the HTTP
benchmark a third of all write transactions waited more than half a millisecond this way,
13 % of the workers' time.

So before `BEGIN IMMEDIATE` a connection takes its database file's writer turn: an exclusive
`flock` on a file beside the database (`<database>-writers`), given back the moment its
transaction commits or rolls back (the connection class below does that on the driver, where
SQLAlchemy's commit and the engine's own both end). A waiting writer looks again after 50 µs
and at least every 0.5 ms, and the kernel releases the lock of a process that dies.

The turn only orders writers: SQLite's own locking still guards the data. A writer that has
not got its turn within the busy timeout goes ahead to BEGIN without waiting any longer (so
"database is locked" still comes after one busy timeout), and a thread that already holds the
turn through another connection leaves it to SQLite's busy handler instead of waiting for
itself. Where the lock file cannot be opened or locked (no access, a filesystem without
flock), connections work without turns, as before them.
"""

import fcntl
import logging
import os
import sqlite3
import stat
import threading
import time
import weakref

FIRST_LOOK, LONGEST_GAP = 50e-6, 500e-6     # seconds between looks at a taken turn
_HELD = threading.local()                    # lock paths whose turn this thread holds
log = logging.getLogger(__name__)

TAKEN, HELD_HERE, TIMED_OUT = "taken", "held here", "timed out"


def lock_path(database):
    """The lock file of an SQLite database file; None for databases in memory."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return os.path.abspath(database) + "-writers"


class Turn:
    """The writer turn of one connection: a descriptor of the lock file.

    The file is opened read-only (flock needs no more), created with the database file's
    permissions, so whoever may open the database may take turns on it.
    """

    def __init__(self, path, timeout):
        self.path, self.timeout = path, timeout
        self.fd = os.open(path, os.O_RDONLY | os.O_CREAT, _mode_of(path))
        self._close_fd = weakref.finalize(self, os.close, self.fd)  # a connection gc dropped
        self._holders = None        # the holding thread's set of held paths

    @property
    def held(self):
        """True while this connection holds the turn."""
        return self._holders is not None

    def take(self):
        """Wait for the turn (at most the timeout): TAKEN, HELD_HERE when this thread holds it
        through another connection (waiting would be waiting for itself), or TIMED_OUT."""
        held_here = _held_paths()
        if self.held:
            return TAKEN
        if self.path in held_here:
            return HELD_HERE
        deadline = None
        gap = FIRST_LOOK
        while True:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                now = time.monotonic()
                deadline = deadline or now + self.timeout
                if now >= deadline:
                    return TIMED_OUT
                time.sleep(gap)
                gap = min(gap * 2, LONGEST_GAP)
                continue
            self._holders = held_here
            held_here.add(self.path)
            return TAKEN

    def give_back(self):
        """Let the next writer in (nothing to do unless this connection holds the turn)."""
        if self._holders is not None:
            self._holders.discard(self.path)    # the set of the thread that took it
            self._holders = None
            fcntl.flock(self.fd, fcntl.LOCK_UN)

    def close(self):
        """Give the turn back and close the lock file."""
        try:
            self.give_back()
        finally:
            self._close_fd()


def _mode_of(path):
    database = path[:-len("-writers")]
    try:
        return stat.S_IMODE(os.stat(database).st_mode)
    except OSError:
        return 0o644


def make_turn(path, timeout):
    """A Turn for a new connection, or None (writers then rely on SQLite's lock alone) when
    the lock file cannot be opened or locked here: no access, no flock on this filesystem."""
    try:
        turn = Turn(path, timeout)
        fcntl.flock(turn.fd, fcntl.LOCK_SH | fcntl.LOCK_NB)   # can this filesystem lock?
        fcntl.flock(turn.fd, fcntl.LOCK_UN)
        return turn
    except BlockingIOError:
        return turn             # locks work; somebody writes right now
    except OSError as exc:
        log.warning("writers of %s do not take turns: %s", path[:-len("-writers")], exc)
        return None


def _held_paths():
    paths = getattr(_HELD, "paths", None)
    if paths is None:
        paths = _HELD.paths = set()
    return paths


class TurnConnection(sqlite3.Connection):
    """An sqlite3 connection that gives its writer turn back when its transaction ends."""

    turn = None

    def take_turn(self):
        """Wait for this database file's writer turn (see the module docstring); TAKEN,
        HELD_HERE or TIMED_OUT (None without a turn: no lock file here)."""
        return None if self.turn is None else self.turn.take()

    def commit(self):
        try:
            super().commit()
        finally:
            self._give_back()

    def rollback(self):
        try:
            super().rollback()
        finally:
            self._give_back()

    def close(self):
        try:
            super().close()
        finally:
            if self.turn is not None:
                self.turn.close()
                self.turn = None

    def _give_back(self):
        # A failed COMMIT leaves the transaction open; its rollback follows, and SQLite's own
        # lock keeps other writers out until then.
        if self.turn is not None:
            self.turn.give_back()
