"""Role x route matrix over every API endpoint: 401 without a valid token, 403 for a wrong
role, 404 for another tenant's ids, and success for the roles the route is for.

One app serves the whole module (users, tokens and diagrams made once); every case that
changes something gets a fresh task or instance of its own.
"""
import io
import itertools
from datetime import timedelta

import pytest
import time_machine

from processes.accounts.services import create_user, get_user
from processes.apitokens import defaults as token_defaults
from webapp.extensions import db as _db

from .conftest import PREFIX, RIVAL, T0, bpmn, open_task
from .matrix import EVERYONE, Family, Route, access_tests, matrix_world

DESIGNERS = frozenset({"designer", "admin"})
WORKERS = frozenset({"agent", "supervisor"})
_unique = itertools.count()


def _fresh_diagram(world):
    source = bpmn("claim_review.bpmn").replace(
        b'name="Claim review"', f'name="Claim review {next(_unique)}"'.encode())
    return {"file": (io.BytesIO(source), "claim_review.bpmn")}


ROUTES = (
    Route("DELETE", "/token", EVERYONE, ok=204, revokes=True),
    Route("POST", "/definitions", DESIGNERS, ok=201, form=_fresh_diagram),
    Route("POST", "/instances", DESIGNERS, ok=201,
          body={"process_key": "claim_review", "variables": {"amount": 1}}),
    Route("GET", "/instances/{instance}", frozenset({"supervisor", "designer", "admin"}),
          needs="instance"),
    Route("GET", "/tasks?view=queue", EVERYONE),
    Route("GET", "/tasks?view=escalated", frozenset({"supervisor"})),
    Route("GET", "/tasks/{task}", WORKERS, needs="task"),
    Route("POST", "/tasks/{task}/claim", WORKERS, needs="task"),
    Route("POST", "/tasks/{task}/unclaim", WORKERS, needs="task"),
    Route("POST", "/tasks/{task}/assign", frozenset({"supervisor"}), needs="task",
          body={"user": "agent"}),
    Route("POST", "/tasks/{task}/complete", WORKERS, needs="task",
          body={"variables": {"approved": True}}),
)
# Reachable without a token, by design.
PUBLIC = [("POST", "/token"), ("GET", "/openapi.json")]
# Each process family checks its own endpoints (first path segment below) in a matrix module
# of its own, tests/integration/api/test_access_<family>.py, built on tests/integration/api/
# matrix.py, which asserts it covers every rule under its segments.
FAMILY_SEGMENTS = frozenset({
    "bookings", "users", "settings", "occurrences", "occurrence-types",
    "season-applications", "contracts", "invoicing", "invoices", "statements",
    "infractions", "sites", "customers",
})


def _core(rule):
    """Rules outside every process family's segments."""
    return rule[1].split("/")[1] not in FAMILY_SEGMENTS


def _rival_task_untouched(world):
    after = world.engine.task(world.ids[RIVAL]["task"])
    assert (after.status, after.assignee) == ("open", None)


CORE = Family(ROUTES, segments=None, owns=_core, public=frozenset(PUBLIC),
              rival_untouched=_rival_task_untouched)
(test_matrix_covers_every_endpoint, test_no_token_is_401, test_role_matrix,
 test_another_tenants_ids_are_404) = access_tests(CORE)


def _fresh_task(world, kind, tenant):
    """A new claim_review instance: its open task's id, or its own."""
    task = open_task(world.engine, world.engine.start(
        "claim_review", f"OCC-{next(_unique)}", {"amount": 1}, tenant=tenant))
    return task.id if kind == "task" else task.instance_id


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """claim_review deployed in demo and in the rival tenant, which has one open task."""
    with matrix_world(tmp_path_factory, "matrix") as made:
        with made.app.app_context():
            create_user(_db.session, get_user(_db.session, "demo", "admin").tenant, "leaver",
                        "leaver", roles=("admin", "supervisor", "designer", "back-office"))
            _db.session.commit()
        for tenant in ("demo", RIVAL):
            made.engine.deploy(bpmn("claim_review.bpmn"), "claim_review.bpmn", tenant)
        rival_task = open_task(made.engine, made.engine.start(
            "claim_review", "RIV-1", {"amount": 1}, tenant=RIVAL))
        made.ids[RIVAL] = {"task": rival_task.id, "instance": rival_task.instance_id}
        made.make = _fresh_task
        yield made


@pytest.fixture(scope="module")
def bad_tokens(world):
    """Tokens that must not work: unknown, expired, revoked, of a deactivated user."""
    api = world.api
    with time_machine.travel(T0 - token_defaults.TOKEN_LIFETIME - timedelta(seconds=1)):
        expired = api.login("admin", remember=False)
    revoked = api.login("admin", remember=False)
    api.delete(f"{PREFIX}/token", revoked)
    deactivated = api.login("leaver", remember=False)
    with world.app.app_context():
        get_user(_db.session, "demo", "leaver").active = False
        _db.session.commit()
    return {"unknown": "pko_" + "x" * 43, "expired": expired, "revoked": revoked,
            "deactivated": deactivated, "not bearer": None}


@pytest.mark.parametrize("kind", ["unknown", "expired", "revoked", "deactivated", "not bearer"])
@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.id)
def test_bad_token_is_401(world, bad_tokens, route, kind):
    """An unknown, expired or revoked token, a deactivated user's, or Basic auth: 401."""
    token = bad_tokens[kind]
    headers = {"Authorization": "Basic YWRtaW46YWRtaW4="} if token is None else {}
    response = world.api.call(route.method, route.url(1), token, headers=headers)
    assert response.status_code == 401


@pytest.mark.parametrize("method, path", PUBLIC)
def test_public_endpoints_need_no_token(world, method, path):
    """Getting a token and reading the API document work without a token."""
    kwargs = {"json": {"username": "agent", "password": "agent"}} if method == "POST" else {}
    assert world.api.call(method, PREFIX + path, **kwargs).status_code == 200
