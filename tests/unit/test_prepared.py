"""Prepared statements store and read values exactly as SQLAlchemy does; the workflow cache."""

from dataclasses import fields
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import JSON, bindparam, create_engine, select
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import IntegrityError

from engine import Base
from engine.instances import WorkflowCache
from engine import jsontext
from engine.prepared import Prepared, _processor, _result_processor
from engine.queries import LISTED_COLUMNS, TASK_COLUMNS, ListedTask, TaskView
from engine.store import HumanTask, UTCDateTime

TASKS = HumanTask.__table__
WHEN = datetime(2026, 3, 2, 9, 0, 1, 250, tzinfo=timezone.utc)


def task_row(task_id, **changes):
    """Every column of a human task row."""
    row = dict(id=task_id, instance_id=1, tenant="acme", task_spec="review", name="Review",
               process_key="claim", business_key=None, status="open",
               candidate_groups=["back-office"], candidate_users=[], assignee=None,
               due_at=WHEN.astimezone(timezone(timedelta(hours=2))), due_key=WHEN,
               follow_up_at=None, priority=70, form={"fields": [{"id": "ok", "label": "é"}]},
               created_at=WHEN, completed_at=None, completed_by=None, overdue=False)
    return {**row, **changes}


@pytest.fixture
def conn(tmp_path):
    """A connection in a transaction on a fresh SQLite file (no foreign keys: bare task rows)."""
    db_engine = create_engine(f"sqlite:///{tmp_path / 'prepared.db'}")
    Base.metadata.create_all(db_engine)
    with db_engine.connect() as connection, connection.begin():
        yield connection
    db_engine.dispose()


def raw(conn, task_id):
    """The row as SQLite holds it (no type processing)."""
    return conn.exec_driver_sql("SELECT * FROM engine_human_task WHERE id = ?",
                                (task_id,)).fetchone()


def test_insert_stores_the_same_bytes_as_sqlalchemy(conn):
    """UTC datetimes, JSON and booleans go in exactly as a Core INSERT writes them."""
    conn.execute(TASKS.insert(), task_row("core"))
    Prepared.insert(TASKS).executemany(conn, [task_row("prepared")])
    assert raw(conn, "prepared")[1:] == raw(conn, "core")[1:]


def test_select_gives_back_the_values_sqlalchemy_would(conn):
    """Result processing turns text back into aware datetimes, lists, dicts and booleans."""
    conn.execute(TASKS.insert(), task_row("t1"))
    query = select(TASKS).where(TASKS.c.id == bindparam("task_id"))
    assert Prepared(query).first(conn, {"task_id": "t1"}) == tuple(
        conn.execute(query, {"task_id": "t1"}).first())


def test_update_counts_matched_rows_and_fills_literal_binds(conn):
    """rowcount tells a lost optimistic lock; literals in the statement need no parameter."""
    conn.execute(TASKS.insert(), task_row("t1"))
    bump = Prepared(TASKS.update().where(TASKS.c.id == bindparam("b_id"),
                                         TASKS.c.priority == bindparam("b_priority"))
                    .values(priority=TASKS.c.priority + 1))
    assert bump.rowcount(conn, {"b_id": "t1", "b_priority": 70}) == 1
    assert bump.rowcount(conn, {"b_id": "t1", "b_priority": 70}) == 0


def test_a_bind_without_a_value_is_refused(conn):
    """Column defaults do not apply to prepared statements, so a missing value is an error."""
    row = task_row("t1")
    del row["status"]
    with pytest.raises(KeyError, match="status"):
        Prepared.insert(TASKS).executemany(conn, [row])


def test_cache_hands_a_workflow_out_once_and_only_at_its_version():
    """take() removes the entry; a different version is a miss that drops it too."""
    cache = WorkflowCache(size=2)
    cache.put(1, 3, "wf-1")
    assert cache.take(1, 4) is None
    assert cache.take(1, 3) is None
    cache.put(1, 3, "wf-1")
    assert cache.take(1, 3) == "wf-1"
    assert cache.take(1, 3) is None


def test_cache_forgets_the_least_recently_saved_beyond_its_size():
    """Only `size` workflows are kept; size 0 keeps none."""
    cache = WorkflowCache(size=2)
    for iid in (1, 2, 3):
        cache.put(iid, 1, f"wf-{iid}")
    assert (cache.take(1, 1), cache.take(2, 1), cache.take(3, 1)) == (None, "wf-2", "wf-3")
    off = WorkflowCache(size=0)
    off.put(1, 1, "wf")
    assert off.take(1, 1) is None


def test_task_views_carry_every_column_of_a_task_row_and_lists_all_but_the_form():
    """A TaskView has a field for every column of HumanTask, a ListedTask for every one but
    those only the task's own page needs (its form above all); the column tuples their
    selects use are in the fields' order, since rows are unpacked by position."""
    assert sorted(f.name for f in fields(TaskView)) == sorted(c.key for c in TASKS.columns)
    assert [c.key for c in TASK_COLUMNS] == [f.name for f in fields(TaskView)]
    assert [c.key for c in LISTED_COLUMNS] == [f.name for f in fields(ListedTask)]
    assert "form" not in {f.name for f in fields(ListedTask)}


def test_database_errors_are_sqlalchemy_errors(conn):
    """A constraint violation raises sqlalchemy.exc.IntegrityError, as Core execution would."""
    insert = Prepared.insert(TASKS)
    insert.executemany(conn, [task_row("t1")])
    with pytest.raises(IntegrityError, match="UNIQUE"):
        insert.executemany(conn, [task_row("t1")])


@pytest.mark.parametrize("moment", [
    WHEN, WHEN.replace(microsecond=0), datetime(1, 1, 1, tzinfo=timezone.utc),
    datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=timezone.utc),
    datetime(2026, 10, 25, 2, 30, tzinfo=timezone(timedelta(hours=-9, minutes=-30))),
    datetime(2026, 3, 29, 1, 59, 59, 1, tzinfo=timezone(timedelta(hours=14))), None])
def test_timestamps_are_bound_as_sqlalchemy_binds_them(moment):
    """The one-step SQLite processor writes the very text SQLAlchemy's own would (SQLite
    compares stored timestamps as text, so a single differing character would misorder)."""
    dialect = sqlite.dialect()
    ours = _processor(UTCDateTime(), dialect)
    theirs = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
    assert ours is not theirs
    assert ours(moment) == theirs(moment)


def test_a_naive_timestamp_is_refused_by_the_fast_path_too():
    with pytest.raises(ValueError, match="naive"):
        _processor(UTCDateTime(), sqlite.dialect())(datetime(2026, 3, 2, 9, 0))


@pytest.mark.parametrize("stored", [
    "2026-03-02 09:00:01.000250", "2026-03-02 09:00:01", "0001-01-01 00:00:00.000000",
    "9999-12-31 23:59:59.999999", "2026-03-02", "2026-03-02 09:00:01.000250+01:00", None])
def test_timestamps_are_read_as_sqlalchemy_reads_them(stored):
    """The one-step SQLite reader gives the aware UTC datetime SQLAlchemy's own gives, for the
    text this app writes, for CURRENT_TIMESTAMP's and a bare date's, and for text someone
    wrote with an offset (which SQLAlchemy's reader ignores)."""
    dialect = sqlite.dialect()
    ours = _result_processor(UTCDateTime(), dialect)
    theirs = UTCDateTime().dialect_impl(dialect).result_processor(dialect, None)
    assert ours is not theirs
    assert ours(stored) == theirs(stored)
    assert stored is None or ours(stored).tzinfo is timezone.utc


@pytest.mark.parametrize("stored", [
    '{"a": [1, 2.5, null, true], "b": "\u00e9"}', "[]", '"text"', "12345678901234567890123",
    "NaN", b'{"bytes": 1}', 7, 2.5, None])
def test_json_is_read_as_sqlalchemy_reads_it(stored):
    """The one-step SQLite JSON reader gives what SQLAlchemy's gives with the app's codec:
    parsed text, numbers (as SQLite's json functions may store them) unchanged."""
    dialect = sqlite.dialect(json_deserializer=jsontext.loads)
    ours = _result_processor(JSON(), dialect)
    theirs = JSON().dialect_impl(dialect).result_processor(dialect, None)
    assert ours is not theirs
    assert repr(ours(stored)) == repr(theirs(stored))


def test_broken_json_fails_as_sqlalchemy_fails():
    """Text that is not JSON raises the codec's error, not a wrong value."""
    dialect = sqlite.dialect(json_deserializer=jsontext.loads)
    with pytest.raises(ValueError):
        _result_processor(JSON(), dialect)("{not json")
    with pytest.raises(ValueError):
        JSON().dialect_impl(dialect).result_processor(dialect, None)("{not json")
