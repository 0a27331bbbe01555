"""Role x route matrix of the occurrences API: 401 without a token, 403 for a wrong role, 404
for another tenant's ids, success for back-office staff, supervisors and admins."""
from dataclasses import dataclass

import pytest
import time_machine
from sqlalchemy.orm import Session

from processes.accounts import defaults as account_defaults
from processes.accounts.services import create_tenant, create_user, seed_demo
from processes.occurrences import services
from tests.conftest import make_config
from tests.integration.occurrences.conftest import Actor, make_booking, make_site
from webapp import create_app
from webapp.extensions import db as _db
from webapp.extensions import get_engine

from .conftest import PREFIX, RIVAL, T0, Api
from .matrix import registered_rules

USERS = ("agent", "supervisor", "designer", "admin")
STAFF = frozenset({"agent", "supervisor", "admin"})
SEGMENTS = {"occurrences", "occurrence-types"}


@dataclass(frozen=True)
class Route:
    """One endpoint; {} is filled with an occurrence id of the demo (or rival) tenant."""

    method: str
    path: str
    body: object = None

    @property
    def id(self):
        """The test id."""
        return f"{self.method} {self.path}"


ROUTES = [
    Route("POST", "/occurrences", body=lambda w: {
        "type_id": w.ids["type"], "description": "Scratch", "booking_id": w.ids["booking"],
        "values": {"location": ["Front"], "damage_type": "Scratch"}}),
    Route("GET", "/occurrences"),
    Route("GET", "/occurrences/{}"),
    Route("PATCH", "/occurrences/{}", body=lambda w: {"values": {"damage_type": "Dent"}}),
    Route("POST", "/occurrences/{}/comments", body=lambda w: {"body": "Seen it"}),
    Route("GET", "/occurrence-types"),
]
WITH_IDS = [r for r in ROUTES if "{}" in r.path]


@dataclass
class World:
    """The module's app, API client, and ids of demo and rival objects."""

    app: object
    api: Api
    ids: dict
    rival: dict


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """Demo users with tokens; a booking and an occurrence in demo and in the rival tenant."""
    with pytest.MonkeyPatch.context() as patch, time_machine.travel(T0, tick=False):
        patch.setattr(account_defaults, "PASSWORD_HASH_METHOD", "scrypt:1024:8:1")
        app = create_app(make_config(tmp_path_factory.mktemp("occurrences-matrix")))
        with app.app_context():
            _db.create_all()
            engine, eng = _db.engine, get_engine()
        with Session(engine) as session:
            seed_demo(session)
            create_user(session, create_tenant(session, RIVAL, "Rival Parking"), "boss", "boss",
                        roles=("admin", "supervisor", "back-office"))
            bookings = {t: make_booking(session, t, make_site(session, t, "S1")).id
                        for t in ("demo", RIVAL)}
            session.commit()
        ids = _objects(eng, Actor("agent", ("back-office",)), bookings["demo"])
        rival = _objects(eng, Actor("boss", ("admin",), RIVAL), bookings[RIVAL])
        api = Api(app)
        for username in USERS:
            api.login(username)
        yield World(app, api, ids, rival)
    with app.app_context():
        _db.engine.dispose()


def _objects(eng, actor, booking_id):
    kinds, _ = services.choices(eng, actor.tenant)
    damage = next(k.id for k in kinds if k.name == "Damage")
    occ = services.report(eng, actor, {
        "type_id": damage, "description": "Dent", "booking_id": booking_id,
        "values": {"location": ["Rear"], "damage_type": "Dent"}}, start=False)
    return {"type": damage, "booking": booking_id, "occurrence": occ.id}


def send(world, route, token, objects=None):
    """Call `route` with `token` on the demo occurrence (or the given tenant's)."""
    objects = objects or world.ids
    path = PREFIX + route.path.format(objects["occurrence"])
    body = route.body(world) if callable(route.body) else route.body
    kwargs = {"json": body} if body is not None else {}
    with time_machine.travel(T0, tick=False):
        return world.api.call(route.method, path, token, **kwargs)


def test_matrix_covers_every_occurrences_endpoint(world):
    """Every rule under /occurrences and /occurrence-types is in ROUTES."""
    assert registered_rules(world.app, SEGMENTS) == {(r.method, r.path) for r in ROUTES}


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.id)
def test_no_token_is_401(world, route):
    """Without a token every occurrences endpoint answers 401."""
    response = send(world, route, None)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("username", USERS)
@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.id)
def test_role_matrix(world, route, username):
    """Back-office staff, supervisors and admins succeed; the designer gets 403."""
    response = send(world, route, username)
    if username in STAFF:
        assert response.status_code in (200, 201), response.get_json()
    else:
        assert response.status_code == 403, response.get_json()
        assert response.get_json()["error"]


@pytest.mark.parametrize("route", WITH_IDS, ids=lambda r: r.id)
def test_another_tenants_ids_are_404(world, route):
    """An admin of demo asking for the rival's occurrence gets 404."""
    assert send(world, route, "admin", world.rival).status_code == 404


def test_another_tenants_occurrences_are_not_listed(world):
    """GET /occurrences lists only the caller's tenant's occurrences."""
    listed = send(world, Route("GET", "/occurrences"), "agent").get_json()["occurrences"]
    assert world.rival["occurrence"] not in {o["id"] for o in listed}
