"""Who hears about an overdue task: its assignee and the active holders of the escalation role."""
from dataclasses import dataclass

from sqlalchemy import select

from processes.accounts.models import Tenant, User, UserRole
from processes.accounts.services import get_tenant, get_user


@dataclass(frozen=True)
class Recipients:
    """E-mail addresses to write to, and the user names that could not be written to."""

    addresses: tuple
    skipped: tuple


def overdue_recipients(session, tenant_key, assignee, group):
    """The assignee (when assigned, active and known) plus every active user holding `group`."""
    users = []
    if assignee:
        user = get_user(session, tenant_key, assignee)
        # A name the accounts do not know still deserves a trace: it counts as unreachable.
        users.append(user if user is not None else _Unknown(assignee))
    users.extend(session.scalars(
        select(User).join(Tenant).join(UserRole)
        .where(Tenant.key == tenant_key, UserRole.role == group, User.active.is_(True))
        .order_by(User.username)))
    return _split(user for user in users if user.active)


def tenant_timezone(session, tenant_key, fallback):
    """The IANA time zone of the tenant, or `fallback` when the tenant is not in the accounts."""
    tenant = get_tenant(session, tenant_key)
    return tenant.timezone if tenant is not None and tenant.timezone else fallback


@dataclass(frozen=True)
class _Unknown:
    username: str
    email: None = None
    active: bool = True


def _split(users):
    addresses, skipped, seen = [], [], set()
    for user in users:
        email = (user.email or "").strip()
        if not email:
            if user.username not in skipped:
                skipped.append(user.username)
        elif email.lower() not in seen:
            # A supervisor who is also the assignee gets one mail, not two.
            seen.add(email.lower())
            addresses.append(email)
    return Recipients(tuple(addresses), tuple(skipped))
