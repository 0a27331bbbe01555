"""The write transaction of one engine operation, on a pooled DBAPI connection.

Start and complete run on prepared statements only (engine.prepared), which need no more of a
connection than its dialect and its DBAPI connection. SQLAlchemy's Connection and an ORM
Session would cost them about as much as all their statements, so an operation holds the
pooled DBAPI connection itself (DriverConnection) and makes a SQLAlchemy Connection over that
same DBAPI connection, inside the same transaction, only when engine code runs a Core
statement or opens the Session (Operation offers the few Session methods engine code calls:
get, add, scalar, scalars, execute, flush).
"""

from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from . import db


class DriverConnection:
    """A pooled DBAPI connection with what statements ask of a Connection.

    `dialect` and `connection` (the pool's proxy of the DBAPI connection) serve prepared
    statements; execute, scalar and scalars go through a SQLAlchemy Connection made over the
    same DBAPI connection on first use. With `write`, a transaction is begun at once (on
    SQLite BEGIN IMMEDIATE, so writers queue on the busy timeout); without, each statement
    runs on its own (engine.db.read_on_its_own), as one prepared SELECT needs, until
    begin_write.
    """

    def __init__(self, db_engine, write=False):
        self.engine = db_engine
        self.dialect = db_engine.dialect
        self.connection = db_engine.raw_connection()
        self._core = None
        try:
            if write:
                db.begin_write(self)
            else:
                db.read_on_its_own(self)
        except BaseException:
            self.connection.close()      # e.g. the database stayed locked past the busy timeout
            raise

    def core(self):
        """The SQLAlchemy Connection over this DBAPI connection, in the same transaction."""
        if self._core is None:
            self._core = Connection(self.engine, connection=self.connection)
            self._core.begin()       # joins the driver's open transaction (db._begin)
        return self._core

    def execute(self, statement, parameters=None, **kwargs):
        """Connection.execute."""
        return self.core().execute(statement, parameters, **kwargs)

    def scalar(self, statement, parameters=None, **kwargs):
        """Connection.scalar."""
        return self.core().scalar(statement, parameters, **kwargs)

    def scalars(self, statement, parameters=None, **kwargs):
        """Connection.scalars."""
        return self.core().scalars(statement, parameters, **kwargs)

    def commit(self):
        """Commit the transaction (on PostgreSQL with the writes still waiting to be sent)."""
        if self._core is not None:
            self._core.commit()
        else:
            db.commit_waiting(self)
            self.connection.commit()
            db.note_commit(self.engine)

    def rollback(self):
        """Roll the transaction back."""
        if self._core is not None:
            self._core.rollback()
        db.drop_waiting(self)
        self.connection.rollback()

    def close(self):
        """Give the DBAPI connection back to the pool."""
        try:
            db.end_reading(self)
        except Exception:       # a lost connection: the pool must not hand it out again
            self.connection.invalidate()
        finally:
            if self._core is not None:
                self._core.close()
            else:
                self.connection.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Operation:
    """One write transaction on `db_engine`; `info` holds what the operation collects.

    With `begin=False` the transaction begins only at begin_write(): statements before it
    read outside any transaction. That is for an operation with work to do before it writes,
    whose reads either cannot change meanwhile (the newest version of a definition: versions
    are never altered) or are checked when it begins (`watch`, see begin_write). Other writers
    then wait only for its writes, not for that work.
    """

    def __init__(self, db_engine, begin=True, watch=False):
        self.conn = DriverConnection(db_engine, write=begin)
        self.info = {}
        self._session = None
        self._seen = db.data_version(self.conn) if watch and not begin else None

    def begin_write(self):
        """Begin the write transaction now, unless it already began. With `watch`: True when
        no other connection has committed since the operation started, so what it read is
        still what the database holds; False when one did or the database cannot tell (then
        re-read what the operation relies on)."""
        db.begin_write(self.conn)
        return self._seen is not None and db.data_version(self.conn) == self._seen

    @property
    def session(self):
        """The ORM Session of this transaction, opened on first use."""
        if self._session is None:
            # Joined to a transaction it did not begin, the Session never commits it: the
            # operation does, after flushing it.
            self._session = Session(bind=self.conn.core(), expire_on_commit=False)
        return self._session

    def connection(self):
        """The transaction's connection (what Session.connection() would return)."""
        return self.conn

    def get(self, entity, ident):
        """Session.get."""
        return self.session.get(entity, ident)

    def add(self, instance):
        """Session.add."""
        self.session.add(instance)

    def scalar(self, statement, params=None):
        """Session.scalar."""
        return self.session.scalar(statement, params)

    def scalars(self, statement, params=None):
        """Session.scalars."""
        return self.session.scalars(statement, params)

    def execute(self, statement, params=None):
        """Session.execute."""
        return self.session.execute(statement, params)

    def flush(self):
        """Write pending ORM changes, if a Session was ever opened."""
        if self._session is not None:
            self._session.flush()

    def commit(self):
        """Flush, then commit the transaction."""
        self.flush()
        self.conn.commit()

    def rollback(self):
        """Roll the transaction back."""
        self.conn.rollback()

    def close(self):
        """Give the connection back; objects the Session loaded stay readable."""
        if self._session is not None:
            self._session.close()
        self.conn.close()
