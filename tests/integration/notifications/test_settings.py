"""Mail settings: read from the environment with types, off in tests, SMTP login honoured."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import Job, JobStatus
from processes.accounts.services import create_tenant, create_user
from webapp.config import environment_overrides
from webapp.extensions import db

from tests.smtp import SMTP_LOGIN, SmtpServer, free_port

from .conftest import TENANT, start_review


def test_environment_sets_mail_settings_with_their_types():
    """MAIL_PORT is an int, MAIL_STARTTLS a flag, PARKOPS_BASE_URL becomes BASE_URL."""
    settings = environment_overrides({
        "MAIL_HOST": "smtp.acme.test", "MAIL_PORT": "587", "MAIL_STARTTLS": "true",
        "MAIL_TIMEOUT": "3.5", "MAIL_USERNAME": "parkops", "PARKOPS_BASE_URL": "https://x.test"})
    assert settings == {"MAIL_HOST": "smtp.acme.test", "MAIL_PORT": 587, "MAIL_STARTTLS": True,
                        "MAIL_TIMEOUT": 3.5, "MAIL_USERNAME": "parkops",
                        "BASE_URL": "https://x.test"}
    assert environment_overrides({"MAIL_STARTTLS": "no"}) == {"MAIL_STARTTLS": False}


def test_test_config_sends_no_mail(app):
    """With no MAIL_HOST the handler is not registered: escalations notify nobody."""
    assert app.extensions["parkops"].services.get("task_overdue") is None


def test_development_config_registers_the_mail_handler(make_app):
    """A configured MAIL_HOST registers the `task_overdue` handler."""
    app = make_app(MAIL_HOST="127.0.0.1")
    assert app.extensions["parkops"].services.get("task_overdue") is not None


@pytest.fixture
def login_smtp():
    """An SMTP server that accepts mail only after AUTH with SMTP_LOGIN."""
    server = SmtpServer(free_port(), require_login=True)
    server.start()
    yield server
    server.stop()


# Plain AUTH is fine on loopback; aiosmtpd warns about it for real servers.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
@pytest.mark.parametrize("password, sent", [(SMTP_LOGIN[1], 1), ("wrong", 0)])
def test_smtp_login_is_used(make_app, login_smtp, clock, password, sent):
    """MAIL_USERNAME/PASSWORD log in; a wrong password costs an attempt, nothing is sent."""
    app = make_app(MAIL_HOST="127.0.0.1", MAIL_PORT=login_smtp.port, MAIL_TIMEOUT=2.0,
                   MAIL_USERNAME=SMTP_LOGIN[0], MAIL_PASSWORD=password)
    with app.app_context():
        db.create_all()
        _add_supervisor(db.session)
    eng = app.extensions["parkops"]
    start_review(eng)
    clock.shift(timedelta(days=2))
    eng.escalate_overdue()
    eng.run_due_jobs()
    assert len(login_smtp.inbox.received) == sent
    with eng.reading() as session:
        job = session.scalar(select(Job).where(Job.kind == "notify"))
    assert (job.status == JobStatus.DONE) == bool(sent)
    assert sent or "SMTPAuthenticationError" in job.last_error


def _add_supervisor(session):
    create_user(session, create_tenant(session, TENANT, "Acme"), "sam", "pw", ["supervisor"],
                email="sam@acme.test")
    session.commit()
