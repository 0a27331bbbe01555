"""Notification fixtures: a real aiosmtpd server on loopback, an app pointed at it, people."""
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from processes.accounts.services import create_tenant, create_user
from webapp.extensions import db as _db

DATA = Path(__file__).resolve().parents[2] / "data"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
TENANT = "acme"
# Not the app's TIMEZONE (Europe/Brussels): mails must use the tenant's own zone.
TENANT_ZONE = "America/New_York"
BASE_URL = "https://parkops.example.test"
SENDER = "parkops@acme.example.test"


@pytest.fixture
def mail_settings(smtp):
    """App settings sending mail to the test server."""
    return {"MAIL_HOST": "127.0.0.1", "MAIL_PORT": smtp.port, "MAIL_SENDER": SENDER,
            "MAIL_TIMEOUT": 2.0, "BASE_URL": BASE_URL}


@pytest.fixture
def mail_app(make_app, mail_settings):
    """The Flask app with every table, mailing through the test server."""
    app = make_app(**mail_settings)
    with app.app_context():
        _db.create_all()
    return app


@pytest.fixture
def eng(mail_app):
    """The app's workflow engine (its `task_overdue` handler is the real one)."""
    return mail_app.extensions["parkops"]


@pytest.fixture
def people(mail_app):
    """Tenant acme: an agent, two supervisors, one without e-mail, one deactivated."""
    with mail_app.app_context():
        session = _db.session
        acme = create_tenant(session, TENANT, "Acme Parking", TENANT_ZONE)
        create_user(session, acme, "agent", "pw", ["back-office"], email="agent@acme.test")
        create_user(session, acme, "sam", "pw", ["supervisor"], email="sam@acme.test")
        create_user(session, acme, "sue", "pw", ["back-office", "supervisor"],
                    email="sue@acme.test")
        create_user(session, acme, "nomail", "pw", ["supervisor"])
        retired = create_user(session, acme, "retired", "pw", ["supervisor"],
                              email="retired@acme.test")
        retired.active = False
        session.commit()


@pytest.fixture
def session(mail_app):
    """A plain session on the app's database, for reading what the handler recorded."""
    with mail_app.app_context():
        sa_engine = _db.engine
    with Session(sa_engine) as session:
        yield session


def start_review(eng, business_key="OCC-77"):
    """Deploy claim_review.bpmn (review due after P2D) and start one instance; its task."""
    eng.deploy((DATA / "bpmn" / "claim_review.bpmn").read_bytes(), "claim_review.bpmn",
               TENANT, actor="designer")
    iid = eng.start("claim_review", business_key, {"amount": 5}, TENANT)
    [task] = [t for t in eng.instance_tasks(iid) if t.status == "open"]
    return task
