"""API fixtures: demo users with tokens, deployed diagrams, a rival tenant, a frozen clock, and
a client that checks every answer against the OpenAPI document."""
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
import time_machine
from jsonschema import Draft202012Validator

from processes.accounts.services import create_tenant, create_user, get_tenant
from webapp.api import openapi
from webapp.extensions import db as _db
from webapp.extensions import get_engine

DATA = Path(__file__).resolve().parents[2] / "data"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
PREFIX = "/api/v1"
RIVAL = "rival"


@pytest.fixture(autouse=True)
def clock():
    """Every API test runs at T0 on a frozen clock; `clock.shift(...)` moves it."""
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def bpmn(name):
    """Bytes of a test diagram under tests/data/bpmn/."""
    return (DATA / "bpmn" / name).read_bytes()


class Api:
    """The test client, speaking JSON with bearer tokens; every answer must match the document."""

    def __init__(self, app):
        self.app = app
        self.client = app.test_client()
        self.doc = openapi.document()
        self.tokens = {}

    def call(self, method, path, token=None, **kwargs):
        """Send one request (token: a raw token, or a demo user name) and check the answer."""
        headers = kwargs.pop("headers", {})
        if token is not None:
            headers["Authorization"] = f"Bearer {self.tokens.get(token, token)}"
        response = self.client.open(path, method=method, headers=headers, **kwargs)
        self.check_documented(method, path, response)
        return response

    def get(self, path, token=None, **kwargs):
        """GET through call()."""
        return self.call("GET", path, token, **kwargs)

    def post(self, path, token=None, **kwargs):
        """POST through call()."""
        return self.call("POST", path, token, **kwargs)

    def delete(self, path, token=None, **kwargs):
        """DELETE through call()."""
        return self.call("DELETE", path, token, **kwargs)

    def login(self, username, tenant="demo", password=None, remember=True):
        """A new token for a user through POST /token, remembered under the user name."""
        response = self.post(f"{PREFIX}/token", json={
            "tenant": tenant, "username": username, "password": password or username})
        assert response.status_code == 200, response.get_json()
        token = response.get_json()["token"]
        if remember:
            self.tokens[username] = token
        return token

    def check_documented(self, method, path, response):
        """The status is documented for the operation and the JSON body fits its schema."""
        adapter = self.app.url_map.bind("localhost")
        rule, _ = adapter.match(path.split("?")[0], method=method, return_rule=True)
        body = response.get_json(silent=True)
        if rule.endpoint == "api.fallback":
            assert response.status_code in (401, 404, 405) and "error" in body
            return
        template = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix(PREFIX))
        answers = self.doc["paths"][template][method.lower()]["responses"]
        answer = answers.get(str(response.status_code))
        assert answer is not None, f"{method} {template} answered undocumented " \
                                   f"{response.status_code}: {body}"
        answer = self._resolve(answer)
        content = answer.get("content", {}).get("application/json")
        if content is None:
            assert not response.get_data(), "a documented empty answer had a body"
            return
        schema = {**content["schema"], "components": self.doc["components"]}
        errors = sorted(Draft202012Validator(schema).iter_errors(body), key=str)
        assert not errors, f"{method} {path} {response.status_code}: {errors[0]}"

    def _resolve(self, answer):
        ref = answer.get("$ref")
        return self.doc["components"]["responses"][ref.rsplit("/", 1)[1]] if ref else answer


@pytest.fixture
def api(app, demo_users):
    """An Api client on the app with the demo tenant and users seeded."""
    return Api(app)


@pytest.fixture
def in_app(app):
    """Run a function inside an app context: in_app(fn, *args)."""

    def run(fn, *args, **kwargs):
        with app.app_context():
            return fn(*args, **kwargs)
    return run


@pytest.fixture
def add_user(in_app):
    """Create a user (password = user name) with roles in a tenant, creating the tenant too."""

    def add(username, roles, tenant="demo", active=True):
        def create():
            found = get_tenant(_db.session, tenant) or create_tenant(_db.session, tenant, tenant)
            user = create_user(_db.session, found, username, username, roles=roles)
            user.active = active
            _db.session.commit()
        in_app(create)
    return add


@pytest.fixture
def engine(app):
    """The app's workflow engine."""
    with app.app_context():
        return get_engine()


@pytest.fixture
def diagrams(engine):
    """claim_review and escalation deployed in the demo tenant."""
    for name in ("claim_review.bpmn", "escalation.bpmn"):
        engine.deploy(bpmn(name), name, "demo", actor="designer")


@pytest.fixture
def claim_task(engine, diagrams):
    """Factory: start a claim_review instance; returns its open 'Review claim' task."""

    def start(business_key="OCC-0042", amount=1200, tenant="demo"):
        instance_id = engine.start("claim_review", business_key, {"amount": amount},
                                   tenant=tenant, actor="designer")
        return open_task(engine, instance_id)
    return start


@pytest.fixture
def rival(engine, add_user):
    """Another tenant with a user holding every role, one instance and its open task."""
    add_user("boss", ["admin", "designer", "back-office", "supervisor"], tenant=RIVAL)
    engine.deploy(bpmn("claim_review.bpmn"), "claim_review.bpmn", RIVAL, actor="boss")
    instance_id = engine.start("claim_review", "RIV-1", {"amount": 5}, tenant=RIVAL)
    return open_task(engine, instance_id)


def open_task(engine, instance_id):
    """The single open task of an instance."""
    tasks = [t for t in engine.instance_tasks(instance_id) if t.status == "open"]
    assert len(tasks) == 1, [t.name for t in tasks]
    return tasks[0]
