"""Bearer-token authentication and role checks of the API.

Every endpoint but PUBLIC_ENDPOINTS needs `Authorization: Bearer <token>`; a session cookie
counts for nothing here, so another site cannot make a logged-in browser call the API
(which is also why the API needs no CSRF token).
"""
from contextlib import contextmanager
from functools import wraps

from flask import abort
from sqlalchemy.orm import Session

from engine.db import writer
from engine.operation import DriverConnection
from processes.accounts import services as accounts
from processes.apitokens import services as tokens

from ..access import AREA_ROLES
from ..auth.principal import Principal
from ..current import this_g, this_request
from ..extensions import db
from . import bp

# Reachable without a token: getting one, and the document that describes the API.
PUBLIC_ENDPOINTS = frozenset({"api.issue_token", "api.openapi_document"})

UNAUTHORIZED = "Send a valid API token: Authorization: Bearer <token> (POST /api/v1/token)."
BAD_CREDENTIALS = "Unknown user or wrong password."


@bp.before_request
def authenticate():
    """Put the token's user in g.api_user; 401 when the token is missing or not valid."""
    if this_request().endpoint in PUBLIC_ENDPOINTS:
        return
    token = bearer_token()
    verified = None
    if token:
        # The pooled DBAPI connection, not db.session nor a Connection: one prepared statement,
        # and nothing left open for the view.
        with DriverConnection(db.engine) as conn:
            verified = tokens.verify(conn, token)
    if verified is None:
        abort(401, description=UNAUTHORIZED)
    if verified.stale:
        with writing() as session:
            tokens.touch(session, verified.token_id)
    this_g().api_user = Principal(verified.identity)


def bearer_token():
    """The token of an `Authorization: Bearer` header, or None."""
    credentials = this_request().authorization
    if credentials is None or credentials.type != "bearer":
        return None
    return credentials.token


def api_user():
    """The Principal the request's token belongs to."""
    return this_g().api_user


def area(name):
    """View decorator: the token's user must hold a role of AREA_ROLES[name] (else 403)."""
    allowed = set(AREA_ROLES[name] or ())

    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if allowed and not allowed & set(api_user().roles):
                abort(403, description=f"Only {', '.join(sorted(allowed))} may do this.")
            return view(*args, **kwargs)
        return wrapped
    return decorate


@contextmanager
def writing():
    """A write transaction that takes SQLite's write lock up front, as engine writes do."""
    with Session(writer(db.engine)) as session, session.begin():
        yield session


def exchange_password(tenant, username, password):
    """A new Issued token for valid credentials; 401 when they are wrong."""
    # The slow password hash runs outside any write transaction.
    user = accounts.authenticate(db.session, tenant, username, password)
    identity = accounts.identity_of(user) if user is not None else None
    db.session.rollback()
    if identity is None:
        abort(401, description=BAD_CREDENTIALS)
    with writing() as session:
        return tokens.issue(session, identity)


def revoke_current():
    """Revoke the token the request was made with."""
    with writing() as session:
        tokens.revoke(session, bearer_token())
