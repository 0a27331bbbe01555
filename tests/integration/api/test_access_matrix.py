"""Role x route matrix over every API endpoint: 401 without a valid token, 403 for a wrong
role, 404 for another tenant's ids, and success for the roles the route is for.

One app serves the whole module (users, tokens and diagrams made once); every case that
changes something gets a fresh task or instance of its own.
"""
import io
import itertools
import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
import time_machine

from processes.accounts import defaults as account_defaults
from processes.accounts.services import create_tenant, create_user, get_user, seed_demo
from processes.apitokens import defaults as token_defaults
from tests.conftest import make_config
from webapp import create_app
from webapp.extensions import db as _db
from webapp.extensions import get_engine

from .conftest import PREFIX, RIVAL, T0, Api, bpmn, open_task
from .matrix import registered_rules

USERS = ("agent", "supervisor", "designer", "admin")
EVERYONE = frozenset(USERS)
_unique = itertools.count()


@dataclass(frozen=True)
class Route:
    """One endpoint as the matrix calls it, and the demo users its role check lets through."""

    method: str
    path: str                       # {task} and {instance} are filled per case
    allowed: frozenset
    body: dict | None = None
    upload: bool = False

    @property
    def id(self):
        """The test id: method and path."""
        return f"{self.method} {self.path}"


ROUTES = [
    Route("DELETE", "/token", EVERYONE),
    Route("POST", "/definitions", frozenset({"designer", "admin"}), upload=True),
    Route("POST", "/instances", frozenset({"designer", "admin"}),
          body={"process_key": "claim_review", "variables": {"amount": 1}}),
    Route("GET", "/instances/{instance}", frozenset({"supervisor", "designer", "admin"})),
    Route("GET", "/tasks?view=queue", EVERYONE),
    Route("GET", "/tasks?view=escalated", frozenset({"supervisor"})),
    Route("GET", "/tasks/{task}", frozenset({"agent", "supervisor"})),
    Route("POST", "/tasks/{task}/claim", frozenset({"agent", "supervisor"})),
    Route("POST", "/tasks/{task}/unclaim", frozenset({"agent", "supervisor"})),
    Route("POST", "/tasks/{task}/assign", frozenset({"supervisor"}), body={"user": "agent"}),
    Route("POST", "/tasks/{task}/complete", frozenset({"agent", "supervisor"}),
          body={"variables": {"approved": True}}),
]
# Reachable without a token, by design.
PUBLIC = [("POST", "/token"), ("GET", "/openapi.json")]
# Each process family checks its own endpoints (first path segment below) in a matrix module
# of its own, tests/integration/api/test_access_<family>.py, which asserts it covers every
# rule under its segments with registered_rules(app, SEGMENTS) from tests/integration/api/matrix.py.
FAMILY_SEGMENTS = frozenset({
    "bookings", "users", "settings", "occurrences", "occurrence-types",
    "season-applications", "contracts", "invoicing", "invoices", "statements",
    "infractions", "sites", "customers",
})
WITH_IDS = [r for r in ROUTES if "{" in r.path]


@dataclass
class World:
    """The module's app, its API client, engine, and the rival tenant's instance and task."""

    app: object
    api: Api
    engine: object
    rival_task: object
    bad_tokens: dict


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """Demo users with tokens, claim_review deployed in demo and in a rival tenant."""
    with pytest.MonkeyPatch.context() as patch, time_machine.travel(T0, tick=False):
        patch.setattr(account_defaults, "PASSWORD_HASH_METHOD", "scrypt:1024:8:1")
        app = create_app(make_config(tmp_path_factory.mktemp("matrix")))
        with app.app_context():
            _db.create_all()
            _seed(_db.session)
            engine = get_engine()
        for tenant in ("demo", RIVAL):
            engine.deploy(bpmn("claim_review.bpmn"), "claim_review.bpmn", tenant)
        rival_task = open_task(engine, engine.start("claim_review", "RIV-1", {"amount": 1},
                                                    tenant=RIVAL))
        api = Api(app)
        for username in USERS:
            api.login(username)
        yield World(app, api, engine, rival_task, _bad_tokens(app, api))
    with app.app_context():
        _db.engine.dispose()


def _seed(session):
    seed_demo(session)
    rival = create_tenant(session, RIVAL, "Rival Parking")
    create_user(session, rival, "boss", "boss", roles=("admin", "supervisor", "back-office"))
    create_user(session, get_user(session, "demo", "admin").tenant, "leaver", "leaver",
                roles=("admin", "supervisor", "designer", "back-office"))
    session.commit()


def _bad_tokens(app, api):
    """Tokens that must not work: unknown, expired, revoked, of a deactivated user."""
    with time_machine.travel(T0 - token_defaults.TOKEN_LIFETIME - timedelta(seconds=1)):
        expired = api.login("admin", remember=False)
    revoked = api.login("admin", remember=False)
    api.delete(f"{PREFIX}/token", revoked)
    deactivated = api.login("leaver", remember=False)
    with app.app_context():
        get_user(_db.session, "demo", "leaver").active = False
        _db.session.commit()
    return {"unknown": "pko_" + "x" * 43, "expired": expired, "revoked": revoked,
            "deactivated": deactivated, "not bearer": None}


def send(world, route, token, task=None):
    """Call `route` with `token` on a fresh demo task (or the given one)."""
    if task is None:
        task = open_task(world.engine, world.engine.start(
            "claim_review", f"OCC-{next(_unique)}", {"amount": 1}, tenant="demo"))
    path = PREFIX + route.path.format(task=task.id, instance=task.instance_id)
    kwargs = {"json": route.body} if route.body is not None else {}
    if route.upload:
        source = bpmn("claim_review.bpmn").replace(
            b'name="Claim review"', f'name="Claim review {next(_unique)}"'.encode())
        kwargs = {"data": {"file": (io.BytesIO(source), "claim_review.bpmn")}}
    return world.api.call(route.method, path, token, **kwargs)


def test_matrix_covers_every_api_endpoint(world):
    """Every registered /api/v1 rule and method is in ROUTES or PUBLIC (the fallback aside)."""
    registered = {(method, path) for method, path in registered_rules(world.app)
                  if path.split("/")[1] not in FAMILY_SEGMENTS}
    covered = {(r.method, re.sub(r"\{\w+\}", "{}", r.path.split("?")[0])) for r in ROUTES}
    assert registered == covered | set(PUBLIC)


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.id)
def test_no_token_is_401(world, route):
    """Without a token every protected endpoint answers 401 JSON with a Bearer challenge."""
    response = send(world, route, None)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "token" in response.get_json()["error"]


@pytest.mark.parametrize("kind", ["unknown", "expired", "revoked", "deactivated", "not bearer"])
@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.id)
def test_bad_token_is_401(world, route, kind):
    """An unknown, expired or revoked token, a deactivated user's, or Basic auth: 401."""
    token = world.bad_tokens[kind]
    headers = {"Authorization": "Basic YWRtaW46YWRtaW4="} if token is None else {}
    response = world.api.call(route.method, PREFIX + route.path.format(task="t", instance=1),
                              token, headers=headers)
    assert response.status_code == 401


@pytest.mark.parametrize("username", USERS)
@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.id)
def test_role_matrix(world, route, username):
    """Users the route is for succeed (2xx); every other demo user gets 403."""
    # Revoking gets a token of its own, so the user's shared one keeps working.
    token = world.api.login(username, remember=False) if route.method == "DELETE" else username
    response = send(world, route, token)
    if username in route.allowed:
        assert response.status_code in (200, 201, 204), response.get_json()
    else:
        assert response.status_code == 403, response.get_json()
        assert response.get_json()["error"]


@pytest.mark.parametrize("route", WITH_IDS, ids=lambda r: r.id)
def test_another_tenants_ids_are_404(world, route):
    """A user allowed on their own tenant's object gets 404 for the rival's, which stays put."""
    username = sorted(route.allowed)[-1]
    response = send(world, route, username, task=world.rival_task)
    assert response.status_code == 404
    after = world.engine.task(world.rival_task.id)
    assert (after.status, after.assignee) == ("open", None)


@pytest.mark.parametrize("method, path", PUBLIC)
def test_public_endpoints_need_no_token(world, method, path):
    """Getting a token and reading the API document work without a token."""
    kwargs = {"json": {"username": "agent", "password": "agent"}} if method == "POST" else {}
    assert world.api.call(method, PREFIX + path, **kwargs).status_code == 200
