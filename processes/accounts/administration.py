"""User administration inside one tenant: list, add, change roles, (de)activate, reset password.

Callers own the transaction: these functions flush, never commit. Every change is audited.
An admin can never take away their own admin role nor deactivate themselves, so a tenant
always keeps at least one active admin.
"""
import re

from sqlalchemy import select

from engine import audit

from . import defaults
from .models import Tenant, User, UserRole
from .roles import ADMIN, ALL_ROLES
from .services import AccountError, create_user, get_tenant, get_user, set_password

USERNAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
EMAIL_PATTERN = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
MAX_EMAIL_LENGTH = 254


class AccountRefused(AccountError):
    """A refused change: `errors` maps each refused input (None: the whole change) to why."""

    def __init__(self, errors):
        self.errors = dict(errors)
        super().__init__("; ".join(self.errors.values()))


def list_users(session, tenant_key):
    """The users of a tenant, by user name."""
    return list(session.scalars(select(User).join(Tenant).where(Tenant.key == tenant_key)
                                .order_by(User.username)))


def find_user(session, tenant_key, user_id):
    """User `user_id` when it belongs to tenant `tenant_key`, else None."""
    user = session.get(User, user_id)
    return user if user is not None and user.tenant.key == tenant_key else None


def add_user(session, tenant_key, username, password, roles=(), email=None, actor=None):
    """Create a user in the tenant; AccountRefused names every input that is refused."""
    tenant = get_tenant(session, tenant_key)
    if tenant is None:
        raise AccountRefused({None: f"unknown organisation {tenant_key!r}"})
    username, email = (username or "").strip(), (email or "").strip() or None
    _refuse_problems(username=_username_problem(session, tenant_key, username),
                     email=_email_problem(email), password=_password_problem(password),
                     roles=_roles_problem(roles))
    roles = sorted(set(roles or ()))
    user = create_user(session, tenant, username, password, roles=roles, email=email)
    audit.record(session, tenant_key, "user_created", actor=actor, user=username, roles=roles)
    return user


def set_roles(session, tenant_key, user_id, roles, actor_id, actor=None):
    """Give a user exactly `roles`; an admin may not drop their own admin role."""
    user = _existing(session, tenant_key, user_id)
    _refuse_problems(roles=_roles_problem(roles))
    wanted, before = sorted(set(roles or ())), user.roles
    if user.id == actor_id and ADMIN in before and ADMIN not in wanted:
        raise AccountRefused({"roles": "You cannot remove your own admin role: ask another "
                                       "admin, so that the organisation always keeps one."})
    if wanted == before:
        return user
    # Keep the rows of roles that stay: deleting and re-adding one primary key in a flush
    # is needless churn.
    user.role_rows = [r for r in user.role_rows if r.role in wanted] + [
        UserRole(role=role) for role in wanted if role not in before]
    session.flush()
    audit.record(session, tenant_key, "user_roles_changed", actor=actor, user=user.username,
                 before=before, after=wanted)
    return user


def set_active(session, tenant_key, user_id, active, actor_id, actor=None):
    """Deactivate (no more logins, sessions end) or reactivate a user; never oneself."""
    user = _existing(session, tenant_key, user_id)
    if not active and user.id == actor_id:
        raise AccountRefused({None: "You cannot deactivate yourself: ask another admin."})
    if user.active == bool(active):
        return user
    user.active = bool(active)
    session.flush()
    audit.record(session, tenant_key, "user_reactivated" if active else "user_deactivated",
                 actor=actor, user=user.username)
    return user


def set_email(session, tenant_key, user_id, email, actor=None):
    """Change (or clear, with an empty value) the address escalation e-mails go to."""
    user = _existing(session, tenant_key, user_id)
    email = (email or "").strip() or None
    _refuse_problems(email=_email_problem(email))
    if user.email == email:
        return user
    before, user.email = user.email, email
    session.flush()
    audit.record(session, tenant_key, "user_email_changed", actor=actor, user=user.username,
                 before=before, after=email)
    return user


def reset_password(session, tenant_key, user_id, password, actor=None):
    """Set a new password for a user (the audit event never holds the password)."""
    user = _existing(session, tenant_key, user_id)
    _refuse_problems(password=_password_problem(password))
    set_password(user, password)
    session.flush()
    audit.record(session, tenant_key, "user_password_reset", actor=actor, user=user.username)
    return user


def _existing(session, tenant_key, user_id):
    user = find_user(session, tenant_key, user_id)
    if user is None:
        raise AccountRefused({None: f"no user #{user_id} in this organisation"})
    return user


def _refuse_problems(**problems):
    """Raise AccountRefused naming every input with a problem; return when there is none."""
    found = {field: message for field, message in problems.items() if message}
    if found:
        raise AccountRefused(found)


def _username_problem(session, tenant_key, username):
    if not USERNAME_PATTERN.fullmatch(username):
        return ("Use 1 to 64 letters, digits, dots, dashes, underscores or @, starting with "
                "a letter or digit.")
    if get_user(session, tenant_key, username) is not None:
        return f"The user name {username!r} is already taken."
    return None


def _email_problem(email):
    if email is not None and (len(email) > MAX_EMAIL_LENGTH
                              or not EMAIL_PATTERN.fullmatch(email)):
        return "Enter an e-mail address such as name@example.com."
    return None


def _password_problem(password):
    low, high = defaults.MIN_PASSWORD_LENGTH, defaults.MAX_PASSWORD_LENGTH
    if not password or not low <= len(password) <= high:
        return f"Use {low} to {high} characters."
    return None


def _roles_problem(roles):
    unknown = sorted(set(roles or ()) - set(ALL_ROLES))
    return f"Unknown role(s): {', '.join(unknown)}." if unknown else None
