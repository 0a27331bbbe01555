"""The role x route matrix harness every tests/integration/api/test_access_*.py module shares.

A module declares its data only: a `Family` (its route table, its first path segments and which
rules under them it owns) and a module-scoped `world` fixture built with `matrix_world()` that
adds its own demo and rival objects. `access_tests(family)` then gives it the checks every
endpoint gets: the routes are exactly the rules registered for the family, no token -> 401,
a wrong role -> 403, another tenant's id -> 404, and the route's success status for the roles
it is for.
"""
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable

import pytest
import time_machine

from processes.accounts import defaults as account_defaults
from processes.accounts.services import create_tenant, create_user, seed_demo
from tests.conftest import make_config
from webapp import create_app
from webapp.extensions import db as _db
from webapp.extensions import get_engine

from .conftest import PREFIX, RIVAL, T0, Api

USERS = ("agent", "supervisor", "designer", "admin")
EVERYONE = frozenset(USERS)
STAFF = frozenset({"agent", "supervisor", "admin"})
PLACEHOLDER = re.compile(r"\{\w*\}")


def registered_rules(app, segments=None):
    """{(METHOD, "/path/{}")} of every /api/v1 rule, optionally only under `segments`
    (first path segments such as "bookings"); the JSON 404/405 fallback is left out."""
    rules = {
        (method, re.sub(r"<(?:\w+:)?(\w+)>", "{}", rule.rule.removeprefix(PREFIX)))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(PREFIX) and rule.endpoint != "api.fallback"
        for method in rule.methods - {"HEAD", "OPTIONS"}}
    if segments is None:
        return rules
    return {(method, path) for method, path in rules if path.split("/")[1] in segments}


@dataclass(frozen=True)
class Route:
    """One endpoint as the matrix calls it, the demo users its role check lets through, and
    the status they get."""

    method: str
    path: str                       # "{}" or "{name}" stands for the id of a `needs` object
    allowed: frozenset = STAFF
    needs: str | None = None        # the kind of object whose id fills the path
    ok: int = 200
    body: object = None             # JSON: a dict, or a function of the World giving one
    form: Callable | None = None    # multipart instead: a function of the World giving one
    revokes: bool = False           # spends the token it is called with

    @property
    def id(self):
        """The test id: method and path."""
        return f"{self.method} {self.path}"

    @property
    def rule(self):
        """(METHOD, "/path/{}") as registered_rules() spells it."""
        return self.method, PLACEHOLDER.sub("{}", self.path.split("?")[0])

    def url(self, object_id=None):
        """The full path, with `object_id` in the placeholder."""
        return PREFIX + PLACEHOLDER.sub(str(object_id), self.path)


@dataclass(frozen=True)
class Family:
    """What an access-matrix module covers: its routes and the registered rules they must be."""

    routes: tuple
    segments: frozenset | None      # first path segments; None: every /api/v1 rule
    owns: Callable = lambda rule: True      # which rules under `segments` are this module's
    public: frozenset = frozenset()         # rules reachable without a token, by design
    rival_untouched: Callable | None = None  # check(world): a refused call changed nothing

    @property
    def with_ids(self):
        """The routes that name an object."""
        return [route for route in self.routes if route.needs]


@dataclass
class World:
    """A module's app and API client, its engines, and the objects its routes name."""

    app: object
    api: Api
    engine: object                  # the workflow engine
    db: object                      # the SQLAlchemy engine, for Session(world.db)
    ids: dict = field(default_factory=dict)     # {tenant: {kind: id}} of ready-made objects
    make: Callable | None = None    # make(world, kind, tenant): id of a fresh object

    def object_id(self, kind, tenant="demo"):
        """The ready-made object of `kind` in `tenant`, else a fresh one."""
        ready = self.ids.get(tenant, {})
        return ready[kind] if kind in ready else self.make(self, kind, tenant)


@contextmanager
def matrix_world(tmp_path_factory, name):
    """A World on an app of its own at T0 (frozen while it lives): the demo tenant and users,
    each logged in through the API, and the rival tenant with its all-staff-roles user 'boss'."""
    with pytest.MonkeyPatch.context() as patch, time_machine.travel(T0, tick=False):
        patch.setattr(account_defaults, "PASSWORD_HASH_METHOD", "scrypt:1024:8:1")
        app = create_app(make_config(tmp_path_factory.mktemp(name)))
        with app.app_context():
            _db.create_all()
            seed_demo(_db.session)
            create_user(_db.session, create_tenant(_db.session, RIVAL, "Rival Parking"), "boss",
                        "boss", roles=("admin", "supervisor", "back-office"))
            _db.session.commit()
            world = World(app, Api(app), get_engine(), _db.engine)
        for username in USERS:
            world.api.login(username)
        yield world
    with app.app_context():
        _db.engine.dispose()


def send(world, route, token, tenant="demo"):
    """Call `route` with `token` on `tenant`'s object of the kind it needs."""
    object_id = world.object_id(route.needs, tenant) if route.needs else None
    kwargs = {}
    if route.form is not None:
        kwargs["data"] = route.form(world)
    elif route.body is not None:
        kwargs["json"] = route.body(world) if callable(route.body) else route.body
    return world.api.call(route.method, route.url(object_id), token, **kwargs)


def access_tests(family):
    """The matrix checks of `family`, as test functions for its module to name."""
    each_route = pytest.mark.parametrize("route", family.routes, ids=lambda r: r.id)

    def test_matrix_covers_every_endpoint(world):
        """The routes are exactly the registered rules the family owns (plus its public ones)."""
        registered = {rule for rule in registered_rules(world.app, family.segments)
                      if family.owns(rule)}
        assert registered == {route.rule for route in family.routes} | family.public

    @each_route
    def test_no_token_is_401(world, route):
        """Without a token every endpoint answers 401 JSON with a Bearer challenge."""
        response = send(world, route, None)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert "token" in response.get_json()["error"]

    @pytest.mark.parametrize("username", USERS)
    @each_route
    def test_role_matrix(world, route, username):
        """Users the route is for get its success status; every other demo user gets 403."""
        # A revoking call gets a token of its own, so the user's shared one keeps working.
        token = world.api.login(username, remember=False) if route.revokes else username
        response = send(world, route, token)
        if username in route.allowed:
            assert response.status_code == route.ok, response.get_json()
        else:
            assert response.status_code == 403, response.get_json()
            assert response.get_json()["error"]

    @pytest.mark.parametrize("route", family.with_ids, ids=lambda r: r.id)
    def test_another_tenants_ids_are_404(world, route):
        """Every user allowed on their own tenant's object gets 404 for the rival's."""
        for username in sorted(route.allowed):
            response = send(world, route, username, tenant=RIVAL)
            assert response.status_code == 404, (username, response.get_json())
            if family.rival_untouched is not None:
                family.rival_untouched(world)

    return (test_matrix_covers_every_endpoint, test_no_token_is_401, test_role_matrix,
            test_another_tenants_ids_are_404)
