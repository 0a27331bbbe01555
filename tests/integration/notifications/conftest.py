"""Notification fixtures: a real aiosmtpd server on loopback, an app pointed at it, people."""
import email
import email.policy
import socket
from datetime import datetime, timezone
from pathlib import Path

import pytest
import time_machine
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
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
SMTP_LOGIN = ("mailer", "s3cret")


class Inbox:
    """aiosmtpd handler keeping every accepted message as (envelope recipients, parsed mail)."""

    def __init__(self):
        self.received = []

    async def handle_DATA(self, server, session, envelope):
        """Accept the message and keep it."""
        mail = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received.append((sorted(envelope.rcpt_tos), mail))
        return "250 Message accepted for delivery"

    def deliveries(self):
        """How many messages each address received."""
        counts = {}
        for rcpt_tos, _mail in self.received:
            for address in rcpt_tos:
                counts[address] = counts.get(address, 0) + 1
        return counts


def _authenticate(server, session, envelope, mechanism, auth_data):
    ok = (auth_data.login.decode(), auth_data.password.decode()) == SMTP_LOGIN
    return AuthResult(success=ok, handled=False)


class SmtpServer:
    """A real SMTP server on a fixed loopback port that a test may stop and start again."""

    def __init__(self, port, require_login=False):
        self.port = port
        self.inbox = Inbox()
        self.require_login = require_login
        self._controller = None

    def start(self):
        """Listen on the port (a fresh controller each time: a stopped one cannot restart)."""
        extra = {"authenticator": _authenticate, "auth_require_tls": False,
                 "auth_required": True} if self.require_login else {}
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port,
                                      ready_timeout=5, **extra)
        self._controller.start()

    def stop(self):
        """Stop listening: connections to the port are refused until start() again."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


def free_port():
    """A loopback TCP port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp():
    """A running SMTP server collecting messages; stopped after the test."""
    server = SmtpServer(free_port())
    server.start()
    yield server
    server.stop()


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
def clock():
    """Frozen clock at T0; `clock.shift(...)`/`clock.move_to(...)` move it."""
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


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
