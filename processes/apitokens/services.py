"""Issue, verify and revoke API tokens. Callers own the transaction: these flush, never commit.

A token is shown to its owner once, when issued; the table keeps only its SHA-256, so a copy
of the database gives nobody a working token.
"""
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from engine import clock
from processes.accounts.services import Identity, get_user, identity_of

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
    """The Verified owner of `token`; None if unknown, expired, revoked, or its user inactive."""
    if not token or len(token) > MAX_TOKEN_CHARS:
        return None
    now = clock.now()
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(token)))
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        return None
    # Roles and the active flag are read now, so a change applies to live tokens at once.
    user = get_user(session, row.tenant, row.username)
    if user is None or not user.active:
        return None
    stale = row.last_used_at is None or now - row.last_used_at >= defaults.LAST_USED_RESOLUTION
    return Verified(identity=identity_of(user), token_id=row.id, stale=stale)


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

