"""Shared fixtures: an app on a fresh SQLite file, its client, a DB session, and login_as."""
from datetime import datetime, timezone

import pytest
import time_machine
from sqlalchemy.orm import Session

from processes.accounts import defaults as account_defaults
from processes.accounts.services import seed_demo
from tests.smtp import SmtpServer, free_port
from webapp import create_app
from webapp.config import TestConfig
from webapp.extensions import db as _db


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch):
    """Scrypt at a low cost: the same code path, without 0.15 s per hash in every login."""
    monkeypatch.setattr(account_defaults, "PASSWORD_HASH_METHOD", "scrypt:1024:8:1")


# The tests' "now": Monday 2 March 2026, 10:00 in Brussels (CET).
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def clock():
    """Frozen clock at T0; `clock.shift(...)`/`clock.move_to(...)` move it."""
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def smtp():
    """A real SMTP server (aiosmtpd) on a free loopback port, collecting what is sent."""
    server = SmtpServer(free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def eng(app):
    """The workflow Engine of the app under test."""
    return app.extensions["parkops"]


def make_config(tmp_path, **settings):
    """A TestConfig subclass on its own SQLite file in tmp_path, with `settings` on top."""
    settings.setdefault("SQLALCHEMY_DATABASE_URI", f"sqlite:///{tmp_path / 'parkops.db'}")
    return type("TmpTestConfig", (TestConfig,), settings)


@pytest.fixture
def app(tmp_path):
    """The Flask app on an empty SQLite file holding every table."""
    app = create_app(make_config(tmp_path))
    with app.app_context():
        _db.create_all()
    yield app
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture
def make_app(tmp_path):
    """Factory: an app on a fresh SQLite file in tmp_path with `settings` over TestConfig."""
    made = []

    def make(**settings):
        app = create_app(make_config(tmp_path, **settings))
        made.append(app)
        return app

    yield make
    for app in made:
        with app.app_context():
            _db.engine.dispose()


@pytest.fixture
def client(app):
    """A test client of `app`."""
    return app.test_client()


@pytest.fixture
def db(app):
    """A session on the app's database that needs no app context.

    Holding an app context for a whole test would make every client request share its
    `g`, so Flask-Login would keep serving the first request's user.
    """
    with app.app_context():
        sa_engine = _db.engine
    with Session(sa_engine) as session:
        yield session


@pytest.fixture
def demo_users(app):
    """Seed the demo tenant and users (password = user name)."""
    with app.app_context():
        seed_demo(_db.session)
        _db.session.commit()


@pytest.fixture
def login_as(client, demo_users):
    """Log `client` in as one of the demo users; returns the login response."""

    def login(username, password=None, tenant="demo"):
        return client.post(
            "/auth/login",
            data={"tenant": tenant, "username": username, "password": password or username},
        )

    return login
