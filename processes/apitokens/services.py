"""Issue, verify and revoke API tokens. Callers own the transaction: these flush, never commit.

A token is shown to its owner once, when issued; the table keeps only its SHA-256, so a copy
of the database gives nobody a working token.
"""
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from engine import clock
from engine.prepared import Prepared
from processes.accounts.models import Tenant, User, UserRole
from processes.accounts.services import Identity

from . import defaults
from .models import ApiToken

# Longer than any token we issue; anything longer is refused before it is hashed.
MAX_TOKEN_CHARS = 200


@dataclass(frozen=True)
class Issued:
    """A freshly issued token: the only moment its clear text exists."""

    token: str
    expires_at: datetime


@dataclass(frozen=True)
class Verified:
    """Who a valid token belongs to; `stale` says its last use is worth recording (touch)."""

    identity: Identity
    token_id: int
    stale: bool


def digest(token):
    """The SHA-256 (hex) under which a token is stored."""
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def issue(session, identity, lifetime=defaults.TOKEN_LIFETIME):
    """Store a new token for the user of `identity` and return it with its expiry."""
    token = defaults.TOKEN_PREFIX + secrets.token_urlsafe(defaults.TOKEN_BYTES)
    now = clock.now()
    row = ApiToken(token_hash=digest(token), tenant=identity.tenant, username=identity.username,
                   created_at=now, expires_at=now + lifetime)
    session.add(row)
    session.flush()
    return Issued(token=token, expires_at=row.expires_at)


def verify(session, token):
    """The Verified owner of `token`; None if unknown, expired, revoked, or its user inactive.

    `session` is an ORM Session or a Connection. Every API request asks this, so it is one
    prepared statement: the token, its user and the user's roles (one row per role).
    """
    if not token or len(token) > MAX_TOKEN_CHARS:
        return None
    conn = session.connection() if isinstance(session, Session) else session
    rows = _TOKEN_OWNER.all(conn, {"token_hash": digest(token)})
    if not rows:
        return None
    token_id, revoked_at, expires_at, last_used_at, user_id, username, active, language, \
        tenant = rows[0][:9]
    now = clock.now()
    # Roles and the active flag are read now, so a change applies to live tokens at once.
    if revoked_at is not None or expires_at <= now or user_id is None or not active:
        return None
    roles = tuple(sorted(row[9] for row in rows if row[9] is not None))
    stale = last_used_at is None or now - last_used_at >= defaults.LAST_USED_RESOLUTION
    identity = Identity(user_id=user_id, tenant=tenant, username=username, roles=roles,
                        active=bool(active), language=language)
    return Verified(identity=identity, token_id=token_id, stale=stale)


_TOKEN_OWNER = Prepared(
    select(ApiToken.id, ApiToken.revoked_at, ApiToken.expires_at, ApiToken.last_used_at,
           User.id, User.username, User.active, User.language, Tenant.key, UserRole.role)
    .select_from(ApiToken)
    .outerjoin(Tenant, Tenant.key == ApiToken.tenant)
    .outerjoin(User, (User.tenant_id == Tenant.id) & (User.username == ApiToken.username))
    .outerjoin(UserRole, UserRole.user_id == User.id)
    .where(ApiToken.token_hash == bindparam("token_hash")))


def touch(session, token_id):
    """Record that the token `token_id` was used now."""
    session.execute(update(ApiToken).where(ApiToken.id == token_id)
                    .values(last_used_at=clock.now()))


def revoke(session, token):
    """Revoke one token; True when it was live until now."""
    result = session.execute(
        update(ApiToken).where(ApiToken.token_hash == digest(token or ""),
                               ApiToken.revoked_at.is_(None))
        .values(revoked_at=clock.now()))
    return result.rowcount == 1


def revoke_all(session, tenant, username):
    """Revoke every live token of one user (after a password change, say); returns how many."""
    result = session.execute(
        update(ApiToken).where(ApiToken.tenant == tenant, ApiToken.username == username,
                               ApiToken.revoked_at.is_(None))
        .values(revoked_at=clock.now()))
    return result.rowcount

