"""Monitor fixtures: the app's engine, deployed test diagrams, a frozen clock, another tenant."""
from pathlib import Path

import pytest

from processes.accounts.services import create_tenant, create_user
from webapp.extensions import db as _db

from ...conftest import T0  # noqa: F401  (the suite's frozen "now", used by tests here)

DATA = Path(__file__).resolve().parents[2] / "data"
OTHER = "acme"
# Starts runtime_attack into a power bomb the sandbox refuses: an incident on "Compute".
BOMB = {"base": 9, "exponent": 387420489, "loops": 1}


@pytest.fixture
def deploy(eng):
    """Deploy a diagram of tests/data/bpmn into a tenant (demo by default)."""
    def _deploy(name, tenant="demo"):
        return eng.deploy((DATA / "bpmn" / name).read_bytes(), name, tenant, actor="designer")
    return _deploy


@pytest.fixture
def incident(eng, deploy, demo_users, clock):
    """An open script incident in demo: runtime_attack started with the power bomb."""
    deploy("runtime_attack.bpmn")
    instance_id = eng.start("runtime_attack", "RT-1", BOMB, tenant="demo", actor="supervisor")
    [found] = eng.incidents("demo", instance_id=instance_id)
    return found


@pytest.fixture
def other_tenant(app, eng, deploy, demo_users):
    """Tenant acme with one running instance (RT-9) that has an open incident."""
    with app.app_context():
        tenant = create_tenant(_db.session, OTHER, "Acme Parking", "America/New_York")
        create_user(_db.session, tenant, "boss", "boss-password", roles=["admin"])
        _db.session.commit()
    deploy("runtime_attack.bpmn", tenant=OTHER)
    instance_id = eng.start("runtime_attack", "RT-9", BOMB, tenant=OTHER, actor="boss")
    [found] = eng.incidents(OTHER, instance_id=instance_id)
    return found
