"""Designer fixtures: the app's engine, test diagrams, uploads, a frozen clock, another tenant."""
from io import BytesIO
from pathlib import Path

import pytest

from processes.accounts.services import create_tenant, create_user
from webapp.extensions import db as _db

from ...conftest import T0  # noqa: F401  (the suite's frozen "now", used by tests here)

DATA = Path(__file__).resolve().parents[2] / "data"
OTHER = "acme"


def data_file(*parts):
    """Bytes of a file under tests/data/."""
    return DATA.joinpath(*parts).read_bytes()


@pytest.fixture
def upload(client):
    """POST a file to the designer: `action` is "check" (Validate) or "deploy"."""
    def post(filename, content, action="deploy"):
        return client.post("/designer/upload",
                           data={"file": (BytesIO(content), filename), action: "1"},
                           content_type="multipart/form-data")
    return post


@pytest.fixture
def other_tenant(app, eng, demo_users):
    """Tenant 'acme' with its own admin and claim_review v1 deployed."""
    with app.app_context():
        tenant = create_tenant(_db.session, OTHER, "Acme Parking", "America/New_York")
        create_user(_db.session, tenant, "boss", "boss-password", roles=["admin"])
        _db.session.commit()
    eng.deploy(data_file("bpmn", "claim_review.bpmn"), "claim_review.bpmn", OTHER, actor="boss")
    return OTHER
