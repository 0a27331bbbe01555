"""Admin fixtures: user lookups on the test database and a second tenant with its own user."""
import pytest
from sqlalchemy import select

from engine import AuditEvent
from processes.accounts.services import create_tenant, create_user, get_user

OTHER = "acme"


@pytest.fixture
def user_of(db, demo_users):
    """Fresh read of a user of a tenant (demo by default), or None."""
    def lookup(username, tenant="demo"):
        db.rollback()   # end the read snapshot: see what the app committed since
        return get_user(db, tenant, username)
    return lookup


@pytest.fixture
def audit_events(db):
    """Fresh read of the audit events of one kind, oldest first."""
    def read(kind):
        db.rollback()
        return list(db.scalars(select(AuditEvent).where(AuditEvent.kind == kind)
                               .order_by(AuditEvent.id)))
    return read


@pytest.fixture
def other_user(db, demo_users):
    """User 'clerk' of tenant acme; returns its id."""
    tenant = create_tenant(db, OTHER, "Acme Parking", "America/New_York")
    user = create_user(db, tenant, "clerk", "clerk-password", roles=["back-office"])
    db.commit()
    return user.id


@pytest.fixture
def fresh_client(app):
    """A second browser: its own cookies, nobody logged in."""
    return app.test_client()


def log_in(client, username, password, tenant="demo"):
    """Log `client` in; True when the login page let the user through."""
    response = client.post("/auth/login", data={"tenant": tenant, "username": username,
                                                "password": password})
    return response.status_code == 302
