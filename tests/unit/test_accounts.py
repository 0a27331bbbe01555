"""Accounts services on a plain SQLAlchemy session (no Flask)."""
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import Base, make_db_engine
from processes.accounts import services as accounts
from processes.accounts.models import User


@pytest.fixture
def session(tmp_path):
    """A session on a fresh SQLite file holding every table."""
    db_engine = make_db_engine(f"sqlite:///{tmp_path / 'accounts.db'}")
    Base.metadata.create_all(db_engine)
    with Session(db_engine) as session:
        yield session
    db_engine.dispose()


@pytest.fixture
def tenant(session):
    """An 'acme' tenant."""
    return accounts.create_tenant(session, "acme", "Acme Parking")


def test_password_is_stored_as_a_salted_scrypt_hash(session, tenant):
    """The stored hash is scrypt, differs per user for one password, and never holds the text."""
    one = accounts.create_user(session, tenant, "one", "s3cret-pass")
    two = accounts.create_user(session, tenant, "two", "s3cret-pass")
    assert one.password_hash.startswith("scrypt:")
    assert one.password_hash != two.password_hash
    assert "s3cret-pass" not in one.password_hash


def test_authenticate_checks_tenant_user_and_password(session, tenant):
    """Only the right tenant, user name and password, for an active user, authenticate."""
    user = accounts.create_user(session, tenant, "ann", "pw-ann", roles=["back-office"])
    assert accounts.authenticate(session, "acme", "ann", "pw-ann") is user
    assert accounts.authenticate(session, "acme", "ann", "wrong") is None
    assert accounts.authenticate(session, "other", "ann", "pw-ann") is None
    assert accounts.authenticate(session, "acme", "bob", "pw-ann") is None
    user.active = False
    assert accounts.authenticate(session, "acme", "ann", "pw-ann") is None


@pytest.mark.parametrize("roles", [["back-office", "janitor"], ["Admin"]])
def test_unknown_roles_are_refused(session, tenant, roles):
    """A role outside admin/designer/back-office/supervisor is refused and nothing is added."""
    with pytest.raises(accounts.AccountError, match="unknown role"):
        accounts.create_user(session, tenant, "ann", "pw", roles=roles)
    assert session.scalar(select(func.count(User.id))) == 0


def test_duplicate_user_name_in_a_tenant_is_refused(session, tenant):
    """A user name exists once per tenant; another tenant may reuse it."""
    accounts.create_user(session, tenant, "ann", "pw")
    with pytest.raises(accounts.AccountError, match="already exists"):
        accounts.create_user(session, tenant, "ann", "pw2")
    other = accounts.create_tenant(session, "other", "Other Parking")
    assert accounts.create_user(session, other, "ann", "pw").tenant.key == "other"


def test_seed_demo_is_idempotent_and_keeps_changes(session):
    """A second seed_demo creates nothing and leaves an edited demo password as it is."""
    assert accounts.seed_demo(session) == ["admin", "designer", "agent", "supervisor"]
    agent = accounts.get_user(session, "demo", "agent")
    accounts.set_password(agent, "changed-by-agent")
    assert accounts.seed_demo(session) == []
    assert session.scalar(select(func.count(User.id))) == 4
    assert accounts.authenticate(session, "demo", "agent", "changed-by-agent") is agent
    assert accounts.get_user(session, "demo", "supervisor").roles == ["back-office", "supervisor"]
