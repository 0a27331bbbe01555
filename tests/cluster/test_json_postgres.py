"""JSON on PostgreSQL: the psycopg dialect writes and reads JSON columns with engine.jsontext
(strict JSON, exact big integers) and the basket's role filter finds both spellings of a group
name. An own database, so the cluster tests' tables are left alone."""
import json
from pathlib import Path

import pytest
from sqlalchemy import text

from engine import Engine, basket, make_db_engine
from tests.cluster.databases import own_database
from engine.basket import Filters, View, Viewer

BPMN = Path(__file__).resolve().parents[1] / "data" / "bpmn"
TENANT = "json"
AGENT = Viewer(TENANT, "agent", ("back-office",), "Europe/Brussels")


@pytest.fixture(scope="module")
def pg_engine(servers):
    """An Engine on a fresh PostgreSQL database `jsoncodec` with the two test diagrams."""
    db_engine = make_db_engine(own_database(servers, "jsoncodec"))
    eng = Engine(db_engine)
    for name in ("script_overflow.bpmn", "unicode_groups.bpmn"):
        eng.deploy((BPMN / name).read_bytes(), name, TENANT, actor="designer")
    yield eng
    db_engine.dispose()


def test_json_columns_hold_strict_json_and_exact_big_integers(pg_engine):
    """Infinity is stored as null (PostgreSQL refuses NaN in JSON) and a 70-bit number comes
    back from a JSON column as the very integer."""
    iid = pg_engine.start("script_overflow", "PG-OVF", {"n": 2**70 + 1}, TENANT)
    variables = pg_engine.instance(iid).variables
    assert variables["n"] == 2**70 + 1 and type(variables["n"]) is int
    assert variables["x"] is None and variables["low"] is None
    with pg_engine.reading() as session:
        stored = session.execute(text("SELECT variables::text FROM engine_instance "
                                      "WHERE id = :id"), {"id": iid}).scalar()
    assert json.loads(stored)["x"] is None and "Infinity" not in stored


def test_role_filter_finds_both_spellings_on_postgresql(pg_engine):
    """candidate_groups written \\u-escaped (json module) or as UTF-8 (codec) both match."""
    tasks = {}
    for key, office in (("PG-OLD", True), ("PG-NEW", True), ("PG-NEAR", False)):
        iid = pg_engine.start("unicode_groups", key, {"office": office}, TENANT)
        tasks[key], = pg_engine.open_task_ids(iid)
        pg_engine.claim(tasks[key], "agent", roles=["back-office"], tenant=TENANT)
    with pg_engine.transaction() as session:
        session.execute(text("UPDATE engine_human_task SET candidate_groups = CAST(:g AS json) "
                             "WHERE id = :id"),
                        {"g": json.dumps(["Büro_%", "back-office"]), "id": tasks["PG-OLD"]})

    def listed(role):
        page = basket.fetch(pg_engine, View.INBOX, AGENT, Filters(role=role))
        return sorted(row.task.business_key for row in page.rows)
    assert listed("Büro_%") == ["PG-NEW", "PG-OLD"]
    assert listed("BüroX%") == ["PG-NEAR"]
