"""Account operations. Callers own the transaction: these functions flush, never commit."""
from dataclasses import dataclass

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from . import defaults
from .models import Tenant, User, UserRole
from .roles import ADMIN, ALL_ROLES, BACK_OFFICE, DESIGNER, SUPERVISOR

DEMO_TENANT = ("demo", "Demo Parking", "Europe/Brussels")
# (username, roles); each demo password is the user name.
DEMO_USERS = (
    ("admin", (ADMIN,)),
    ("designer", (DESIGNER,)),
    ("agent", (BACK_OFFICE,)),
    ("supervisor", (BACK_OFFICE, SUPERVISOR)),
)

# Checked when the user does not exist, so a miss costs as much as a wrong password
# and response time does not reveal which user names exist.
_DUMMY_HASH = generate_password_hash("not-a-real-password", method=defaults.PASSWORD_HASH_METHOD)


class AccountError(ValueError):
    """An account operation was refused (unknown role, duplicate user, empty password)."""


@dataclass(frozen=True)
class Identity:
    """What the web layer needs to know about a logged-in user, detached from any session."""

    user_id: int
    tenant: str
    username: str
    roles: tuple
    active: bool
    language: str | None


def get_tenant(session, key):
    """The tenant with this key, or None."""
    return session.scalar(select(Tenant).where(Tenant.key == key))


def create_tenant(session, key, name, timezone="Europe/Brussels"):
    """Add a tenant; its key is what the engine calls `tenant`."""
    tenant = Tenant(key=key, name=name, timezone=timezone)
    session.add(tenant)
    session.flush()
    return tenant


def get_user(session, tenant_key, username):
    """The user of that tenant with that user name, or None."""
    query = select(User).join(Tenant).where(Tenant.key == tenant_key, User.username == username)
    return session.scalar(query)


def create_user(session, tenant, username, password, roles=(), email=None, language=None):
    """Add a user to `tenant` with the given roles; AccountError when refused."""
    unknown = sorted(set(roles) - set(ALL_ROLES))
    if unknown:
        raise AccountError(f"unknown role(s): {', '.join(unknown)}")
    if get_user(session, tenant.key, username) is not None:
        raise AccountError(f"user {username!r} already exists in tenant {tenant.key!r}")
    user = User(tenant=tenant, username=username, email=email, language=language)
    set_password(user, password)
    user.role_rows = [UserRole(role=role) for role in sorted(set(roles))]
    session.add(user)
    session.flush()
    return user


def set_password(user, password):
    """Store a salted scrypt hash of `password`; the password itself is never kept."""
    if not password:
        raise AccountError("the password may not be empty")
    user.password_hash = generate_password_hash(password, method=defaults.PASSWORD_HASH_METHOD)


def authenticate(session, tenant_key, username, password):
    """The active user matching these credentials, or None."""
    user = get_user(session, tenant_key, username)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    return user


def identity_of(user):
    """The detached Identity of a User row."""
    return Identity(
        user_id=user.id,
        tenant=user.tenant.key,
        username=user.username,
        roles=tuple(user.roles),
        active=user.active,
        language=user.language,
    )


def load_identity(session, user_id):
    """The Identity of the user with this id, or None when there is no such user."""
    user = session.get(User, user_id)
    return identity_of(user) if user is not None else None


def seed_demo(session):
    """Create the demo tenant and users when missing; existing rows are left untouched."""
    key, name, timezone = DEMO_TENANT
    tenant = get_tenant(session, key) or create_tenant(session, key, name, timezone)
    created = []
    for username, roles in DEMO_USERS:
        if get_user(session, key, username) is None:
            create_user(session, tenant, username, username, roles=roles)
            created.append(username)
    return created
