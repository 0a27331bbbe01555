"""Engine fixtures: a real SQLite file per test, a frozen clock, helpers to deploy test diagrams."""

from datetime import datetime, timezone
from pathlib import Path

import pytest

from engine import Base, Engine, ServiceRegistry, make_db_engine
from engine.errors import InstanceEnded
from engine.serializer import dump_state, ended_variables

DATA = Path(__file__).resolve().parents[2] / "data"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
TENANT = "acme"


@pytest.fixture
def db_url(tmp_path):
    """URL of an SQLite file with every table created."""
    url = f"sqlite:///{tmp_path / 'engine.db'}"
    db_engine = make_db_engine(url)
    Base.metadata.create_all(db_engine)
    db_engine.dispose()
    return url


@pytest.fixture
def services():
    """An empty handler registry tests register into."""
    return ServiceRegistry()


@pytest.fixture
def eng(db_url, services):
    """An Engine on the test database."""
    engine = Engine(make_db_engine(db_url), services=services)
    yield engine
    engine.db_engine.dispose()


@pytest.fixture
def restart(db_url, services):
    """Build a brand-new Engine on the same file: nothing survives but the database."""
    made = []

    def _restart():
        engine = Engine(make_db_engine(db_url), services=services)
        made.append(engine)
        return engine
    yield _restart
    for engine in made:
        engine.db_engine.dispose()


def bpmn(name):
    """Bytes of a test diagram under tests/data/bpmn/."""
    return (DATA / "bpmn" / name).read_bytes()


def deploy(engine, name, tenant=TENANT):
    """Deploy a test diagram and return the Deployed results."""
    return engine.deploy(bpmn(name), name, tenant, actor="designer")


def assert_round_trip(engine, instance_id):
    """The stored state restores to a workflow that serializes to the very same JSON; an ended
    instance keeps its final variables instead, and refuses to run again."""
    inst = engine.instance(instance_id)
    if inst.status != "running":
        kept = ended_variables(inst.state)
        assert kept is not None and kept.items() >= inst.variables.items()
        with engine.reading() as session, pytest.raises(InstanceEnded):
            engine._load(session, instance_id)
        return None
    with engine.reading() as session:
        inst, wf = engine._load(session, instance_id)
        assert dump_state(wf) == inst.state
    return wf


def only_task(engine, instance_id):
    """The single open task of an instance."""
    tasks = [t for t in engine.instance_tasks(instance_id) if t.status == "open"]
    assert len(tasks) == 1, [t.name for t in tasks]
    return tasks[0]
