"""The write transaction of one engine operation: a Connection, and an ORM Session on demand.

Start and complete run on prepared statements only; an ORM Session's transaction bookkeeping
would cost them about as much as all their statements. An Operation offers the few Session
methods engine code calls (get, add, scalar, scalars, execute, flush) and opens a Session,
joined to the operation's own connection and transaction, the first time one of them is used.
"""

from sqlalchemy.orm import Session


class Operation:
    """One transaction on a new connection of `db_engine`; `info` holds what it collects."""

    def __init__(self, db_engine):
        self.conn = db_engine.connect()
        try:
            self.conn.begin()
        except BaseException:
            self.conn.close()       # e.g. the database stayed locked past the busy timeout
            raise
        self.info = {}
        self._session = None

    @property
    def session(self):
        """The ORM Session of this transaction, opened on first use."""
        if self._session is None:
            # Joined to a transaction it did not begin, the Session never commits it: the
            # operation does, after flushing it.
            self._session = Session(bind=self.conn, expire_on_commit=False)
        return self._session

    def connection(self):
        """The transaction's Connection (what Session.connection() would return)."""
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
