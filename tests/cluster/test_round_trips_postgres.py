"""Round trips to PostgreSQL, read from libpq's own trace of the wire protocol.

A lone SELECT (a token check, an instance, the Queue's page) runs on its own: one round trip,
no BEGIN before it and no ROLLBACK after it. The engine's statements are prepared once per
connection (engine.pgdirect) and stay prepared across rollbacks. An operation's writes form
one transaction; those nobody reads go to the server with the COMMIT. The pool hands its
connections out in transaction mode again. An own database and an engine whose every
connection is traced into one file.
"""
import re
import tempfile
from dataclasses import asdict
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import IntegrityError

from engine import Engine, audit, db, make_db_engine
from engine.operation import DriverConnection
from engine.projection import INSERT_TASK
from tests.cluster.databases import own_database

DIAGRAM = Path(__file__).resolve().parents[1] / "data" / "bpmn" / "claim_review.bpmn"
TENANT = "trips"
QUIET = psycopg.pq.Trace.SUPPRESS_TIMESTAMPS | psycopg.pq.Trace.REGRESS_MODE
# A traced message: F (frontend, us) or B (backend), its length, type and text, up to the next.
MESSAGE = re.compile(r"^(?P<direction>[FB])\t\d+\t(?P<type>\w+)(?P<text>.*?)(?=^[FB]\t\d+\t|\Z)",
                     re.M | re.S)


class Trace:
    """libpq's trace of the engine's connections: what the client sent, what came back."""

    def __init__(self, db_engine):
        self.file = tempfile.TemporaryFile("w+")
        self.pgconns = []
        event.listen(db_engine, "connect", lambda dbapi_conn, _record: self._attach(
            dbapi_conn.pgconn))

    def _attach(self, pgconn):
        if pgconn not in self.pgconns:
            self.pgconns.append(pgconn)
        pgconn.trace(self.file.fileno())
        pgconn.set_trace_flags(QUIET)

    def take(self):
        """The messages traced since the last take(), as (direction, type, text) tuples."""
        # libpq writes the trace through a buffered stream: untrace flushes it.
        live = [pgconn for pgconn in self.pgconns if pgconn.status == psycopg.pq.ConnStatus.OK]
        for pgconn in live:
            pgconn.untrace()
        self.file.seek(0)
        traced = self.file.read()
        self.file.seek(0)
        self.file.truncate()
        for pgconn in live:
            self._attach(pgconn)
        # One message per line, but the text of a statement keeps its own line breaks.
        return [(m["direction"], m["type"], m["text"].strip())
                for m in MESSAGE.finditer(traced)]


def round_trips(messages):
    """How often the client waited for the server: every ReadyForQuery ends a round trip."""
    return sum(1 for direction, kind, _ in messages if (direction, kind) == ("B", "ReadyForQuery"))


def simple_queries(messages):
    return [body.strip('"') for direction, kind, body in messages
            if (direction, kind) == ("F", "Query")]


@pytest.fixture(scope="module")
def traced(servers):
    """(Engine, Trace) on a fresh database with the claim_review diagram deployed."""
    db_engine = make_db_engine(own_database(servers, "roundtrips"))
    trace = Trace(db_engine)
    eng = Engine(db_engine)
    eng.deploy(DIAGRAM.read_bytes(), DIAGRAM.name, TENANT, actor="designer")
    yield eng, trace
    db_engine.dispose()


def test_a_lone_select_is_one_round_trip_without_begin_or_rollback(traced):
    eng, trace = traced
    iid = eng.start("claim_review", "TRIP-1", {"amount": 10}, TENANT)
    eng.instance(iid, TENANT)              # its first run on the connection prepares it
    trace.take()
    assert eng.instance(iid, TENANT).business_key == "TRIP-1"
    messages = trace.take()
    assert round_trips(messages) == 1
    assert simple_queries(messages) == []          # no BEGIN, no ROLLBACK, no DEALLOCATE
    assert [kind for direction, kind, _ in messages if direction == "F"] == [
        "Bind", "Describe", "Execute", "Sync"]


def test_a_statement_is_prepared_once_and_outlives_a_rollback(traced):
    """The engine's statements are parsed and planned by the server once per connection:
    later runs send only Bind/Execute, even after a transaction was rolled back."""
    eng, trace = traced
    iid = eng.start("claim_review", "TRIP-2", {"amount": 10}, TENANT)
    trace.take()
    eng.instance(iid, TENANT)
    eng.instance(iid, TENANT)
    first = [kind for direction, kind, _ in trace.take() if direction == "F"]
    assert first.count("Parse") <= 1 and first.count("Bind") == 2
    with DriverConnection(eng.db_engine, write=True) as conn:
        conn.connection.driver_connection.execute("SELECT 1")
        conn.rollback()
    trace.take()
    eng.instance(iid, TENANT)
    again = [kind for direction, kind, _ in trace.take() if direction == "F"]
    assert "Parse" not in again and again.count("Bind") == 1


def test_a_start_is_three_round_trips_its_writes_in_one_transaction(traced):
    """Start reads the newest definition on its own; then BEGIN goes with the new instance's
    INSERT, and the task, queue entry, timer and audit events go with the COMMIT: their
    results are not needed before it (engine.pgdirect's pipeline)."""
    eng, trace = traced
    eng.start("claim_review", "TRIP-3", {"amount": 10}, TENANT)     # statements prepared
    trace.take()
    iid = eng.start("claim_review", "TRIP-4", {"amount": 10}, TENANT)
    messages = trace.take()
    states = [body for direction, kind, body in messages
              if (direction, kind) == ("B", "ReadyForQuery")]
    assert states == ["I", "T", "I"]            # outside, inside, after the transaction
    parsed = [body for direction, kind, body in messages if (direction, kind) == ("F", "Parse")]
    assert parsed == ['"" "BEGIN" 0', '"" "COMMIT" 0']
    begin = next(i for i, m in enumerate(messages) if m[2] == '"" "BEGIN" 0')
    commit = next(i for i, m in enumerate(messages) if m[2] == '"" "COMMIT" 0')
    runs = [i for i, m in enumerate(messages) if m[:2] == ("F", "Bind") and '"parkops_' in m[2]]
    assert len([i for i in runs if i < begin]) == 1
    assert len([i for i in runs if begin < i < commit]) == 6 and max(runs) < commit
    assert eng.open_task_ids(iid)


def test_a_failed_write_in_the_pipeline_fails_the_operation_and_leaves_nothing(traced):
    """A write that waited for the COMMIT and failed there: the error is the operation's, no
    row of it stays, and the connection serves the next operation."""
    eng, _ = traced
    iid = eng.start("claim_review", "TRIP-5", {"amount": 10}, TENANT)
    task_id, = eng.open_task_ids(iid)
    before = [event.id for event in eng.history(iid)]
    again = asdict(eng.task(task_id))                   # the same task row once more
    with pytest.raises(IntegrityError, match="engine_human_task_pkey") as raised:
        with eng._operation() as operation:
            audit.record(operation, TENANT, "task_claimed", iid, task_id, "agent")
            INSERT_TASK.executemany(operation.connection(), [again])
    assert raised.value.statement.startswith("INSERT INTO engine_human_task")
    assert [event.id for event in eng.history(iid)] == before
    claimed = eng.claim(task_id, "agent", roles=["back-office"], tenant=TENANT)
    assert claimed.assignee == "agent"


def test_connections_go_back_to_the_pool_in_transaction_mode(traced):
    """After a lone read the pool's connection begins transactions again: a Session's write
    that is rolled back leaves nothing behind."""
    eng, _ = traced
    with DriverConnection(eng.db_engine) as conn:
        assert conn.connection.driver_connection.autocommit is True
        assert conn.connection.driver_connection.execute("SELECT 1").fetchone() == (1,)
    raw = eng.db_engine.raw_connection()
    try:
        assert raw.driver_connection.autocommit is False
    finally:
        raw.close()
    with eng.reading() as session:
        session.execute(text("CREATE TEMPORARY TABLE scratch (n int)"))
        session.execute(text("INSERT INTO scratch VALUES (1)"))
        session.rollback()
        missing = session.execute(text("SELECT to_regclass('pg_temp.scratch')")).scalar()
    assert missing is None


def test_a_read_operation_that_begins_writing_leaves_autocommit(traced):
    """DriverConnection.begin_write on a connection that was reading on its own: the next
    statement opens a transaction, which a rollback undoes."""
    eng, _ = traced
    with DriverConnection(eng.db_engine) as conn:
        db.begin_write(conn)
        driver = conn.connection.driver_connection
        assert driver.autocommit is False
        driver.execute("CREATE TEMPORARY TABLE undone (n int)")
        conn.rollback()
        assert driver.execute("SELECT to_regclass('pg_temp.undone')").fetchone() == (None,)


def test_claim_and_complete_answer_what_a_fresh_read_gives_in_few_round_trips(traced):
    """Claim: its task read (the row locked) with the BEGIN, the compare-and-set, then the
    queue entry's delete and the audit event with the COMMIT. Complete: its task and instance
    read (the instance row locked) with the BEGIN, the instance's versioned update, then every
    other write with the COMMIT. What both answer is the task as it now stands, though
    complete does not read it back."""
    eng, trace = traced
    for key in ("TRIP-6", "TRIP-7"):             # the second one with every statement prepared
        iid = eng.start("claim_review", key, {"amount": 10}, TENANT)
        task_id, = eng.open_task_ids(iid)
        trace.take()
        claimed = eng.claim(task_id, "agent", roles=["back-office"], tenant=TENANT)
        claim_trips = round_trips(trace.take())
        done = eng.complete(task_id, "agent", {"approved": True}, roles=["back-office"],
                            tenant=TENANT)
        complete_trips = round_trips(trace.take())
    assert (claim_trips, complete_trips) == (3, 3)
    assert claimed.assignee == "agent"
    assert (done.status, done.completed_by) == ("completed", "agent")
    assert asdict(done) == asdict(eng.task(task_id))
