"""engine.prepared on PostgreSQL: its statements run on libpq (engine.pgdirect) and store and
read values exactly as SQLAlchemy's own execution does; errors are SQLAlchemy's; an engine
whose connections psycopg prepares statements on keeps to psycopg's cursor, with the same
values. An own database, so the cluster tests' tables are left alone."""
from datetime import datetime, timedelta, timezone
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import bindparam, create_engine, select, text
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.orm import Session

from engine import Engine, make_db_engine, pgdirect
from engine.db import ENGINE_OPTIONS
from engine.prepared import Prepared
from engine.store import HumanTask
from tests.cluster.databases import own_database

DIAGRAM = Path(__file__).resolve().parents[1] / "data" / "bpmn" / "claim_review.bpmn"
TASKS = HumanTask.__table__
WHEN = datetime(2026, 3, 2, 9, 0, 1, 250, tzinfo=timezone.utc)
BY_ID = select(TASKS).where(TASKS.c.id == bindparam("task_id"))


@pytest.fixture(scope="module")
def database(servers):
    """(URL, instance id): a fresh database with one started instance for task rows."""
    url = own_database(servers, "preparedpg")
    db_engine = make_db_engine(url)
    eng = Engine(db_engine)
    eng.deploy(DIAGRAM.read_bytes(), DIAGRAM.name, "acme", actor="designer")
    instance_id = eng.start("claim_review", "PREP-1", {"amount": 10}, "acme")
    db_engine.dispose()
    return url, instance_id


def connection_of(db_engine):
    """A connection in a transaction that is rolled back afterwards."""
    connection = db_engine.connect()
    connection.begin()
    return connection


@pytest.fixture(params=["libpq", "cursor"])
def conn(request, database):
    """A connection as the engine makes them (statements on libpq), or one of an engine made
    without engine.db (psycopg prepares statements itself, so engine.prepared uses cursors)."""
    url, _ = database
    db_engine = (make_db_engine(url) if request.param == "libpq"
                 else create_engine(url, **ENGINE_OPTIONS))
    connection = connection_of(db_engine)
    assert pgdirect.usable(connection.connection.dbapi_connection) is (
        request.param == "libpq")
    yield connection
    connection.rollback()
    connection.close()
    db_engine.dispose()


def task_row(task_id, instance_id, **changes):
    row = dict(id=task_id, instance_id=instance_id, tenant="acme", task_spec="review",
               name="Révision", process_key="claim", business_key=None, status="open",
               candidate_groups=["back-office"], candidate_users=[], assignee=None,
               due_at=WHEN.astimezone(timezone(timedelta(hours=2))), due_key=WHEN,
               follow_up_at=None, priority=70,
               form={"fields": [{"id": "ok", "label": "é", "big": 2**70 + 1}]},
               created_at=WHEN, completed_at=None, completed_by=None, overdue=False)
    return {**row, **changes}


def test_insert_and_select_give_what_sqlalchemy_stores_and_reads(conn, database):
    _, iid = database
    conn.execute(TASKS.insert(), task_row("core", iid))
    Prepared.insert(TASKS).executemany(conn, [task_row("prepared", iid)])
    core = conn.execute(BY_ID, {"task_id": "prepared"}).first()
    assert tuple(core)[1:] == tuple(conn.execute(BY_ID, {"task_id": "core"}).first())[1:]
    prepared = Prepared(BY_ID).first(conn, {"task_id": "prepared"})
    assert prepared == tuple(core)
    assert prepared[TASKS.c.keys().index("due_at")] == WHEN          # aware, in UTC
    assert prepared[TASKS.c.keys().index("form")]["fields"][0]["big"] == 2**70 + 1


def test_many_rows_are_all_written_and_rowcount_tells_a_lost_race(conn, database):
    _, iid = database
    Prepared.insert(TASKS).executemany(conn, [task_row(f"m{n}", iid) for n in range(3)])
    rows = Prepared(select(TASKS.c.id).where(TASKS.c.instance_id == bindparam("i"))
                    .order_by(TASKS.c.id)).all(conn, {"i": iid})
    assert [r[0] for r in rows if r[0].startswith("m")] == ["m0", "m1", "m2"]
    bump = Prepared(TASKS.update().where(TASKS.c.id == bindparam("b_id"),
                                         TASKS.c.priority == bindparam("b_priority"))
                    .values(priority=TASKS.c.priority + 1))
    assert bump.rowcount(conn, {"b_id": "m1", "b_priority": 70}) == 1
    assert bump.rowcount(conn, {"b_id": "m1", "b_priority": 70}) == 0


def test_a_constraint_violation_is_sqlalchemys_integrity_error(conn, database):
    """On libpq the write waits in the pipeline and the next read raises its error, naming
    the INSERT; on a cursor the INSERT raises it at once."""
    _, iid = database
    insert = Prepared.insert(TASKS)
    insert.executemany(conn, [task_row("dup", iid)])
    pipelined = pgdirect.usable(conn.connection.dbapi_connection)
    with pytest.raises(IntegrityError, match="duplicate key") as raised:
        insert.executemany(conn, [task_row("dup", iid)])
        assert pipelined, "a cursor raises at the INSERT"
        Prepared(BY_ID).first(conn, {"task_id": "dup"})
    assert raised.value.statement.startswith("INSERT INTO engine_human_task")


def test_a_value_the_driver_cannot_send_fails_at_its_statement(conn, database):
    """Text with a NUL character is refused before anything is sent: the error is raised by
    its own statement, and the connection is left fit for the rollback."""
    _, iid = database
    insert = Prepared.insert(TASKS)
    insert.executemany(conn, [task_row("fine", iid)])         # prepared, in a transaction
    assert Prepared(BY_ID).first(conn, {"task_id": "fine"}) is not None
    with pytest.raises(DataError, match="NUL"):
        insert.executemany(conn, [task_row("nul", iid, name="a\x00b")])
    assert conn.connection.dbapi_connection.pgconn.pipeline_status == psycopg.pq.PipelineStatus.OFF


def test_a_lost_connection_rolls_back_with_the_error_that_lost_it(servers, database):
    """A session whose server process is gone: its statement fails with OperationalError,
    the rollback after it does not fail again, and the engine's next connection works."""
    url, _ = database
    pg, _ = servers
    db_engine = make_db_engine(url)
    try:
        with Session(db_engine) as session:
            pid = session.execute(text("SELECT pg_backend_pid()")).scalar()
            with psycopg.connect(pg.admin_url("preparedpg"), autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
            with pytest.raises(OperationalError):
                session.execute(text("SELECT 1"))
            session.rollback()
        with db_engine.connect() as connection:
            assert Prepared(BY_ID).first(connection, {"task_id": "nothing"}) is None
    finally:
        db_engine.dispose()


def test_a_failed_operation_leaves_nothing_and_the_connection_serves_on(database):
    """The engine's write transaction rolls back every statement it ran on libpq."""
    url, iid = database
    db_engine = make_db_engine(url)
    insert = Prepared.insert(TASKS)
    try:
        with pytest.raises(IntegrityError):
            with db_engine.begin() as connection:
                insert.executemany(connection, [task_row("kept?", iid)])
                insert.executemany(connection, [task_row("kept?", iid)])
        with db_engine.connect() as connection:
            assert Prepared(BY_ID).first(connection, {"task_id": "kept?"}) is None
            assert Prepared(BY_ID).first(connection, {"task_id": "nothing"}) is None
    finally:
        db_engine.dispose()
