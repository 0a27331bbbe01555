"""Role x route matrix of the bookings API: 401 without a token, 403 for a wrong role, 404 for
another tenant's ids, success for back-office staff, supervisors and admins.

/bookings/{id}/cancel and /bookings/{id}/check-in belong to the penalties matrix
(test_access_penalties.py); every other rule under /bookings, /sites and /customers is here.
"""
import itertools
from dataclasses import dataclass
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy.orm import Session

from processes.accounts import defaults as account_defaults
from processes.accounts.services import create_tenant, create_user, seed_demo
from processes.bookings import services
from tests.conftest import make_config
from webapp import create_app
from webapp.extensions import db as _db

from .conftest import PREFIX, RIVAL, T0, Api
from .matrix import registered_rules

USERS = ("agent", "supervisor", "designer", "admin")
STAFF = frozenset({"agent", "supervisor", "admin"})
SEGMENTS = {"bookings", "sites", "customers"}
PENALTY_ROUTES = {("POST", "/bookings/{}/cancel"), ("POST", "/bookings/{}/check-in")}
_numbers = itertools.count(1)


@dataclass(frozen=True)
class Route:
    """One endpoint; {} is filled with the demo (or rival) object of kind `needs`."""

    method: str
    path: str
    needs: str = "none"                 # booking | customer | none
    body: object = None                 # a dict, or a function of World giving one

    @property
    def id(self):
        """The test id."""
        return f"{self.method} {self.path}"


def _booking_body(world):
    start = T0 + timedelta(days=1, hours=next(_numbers))
    return {"site_id": world.ids["site"], "customer_id": world.ids["customer"],
            "starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=1)).isoformat()}


def _site_body(world):
    return {"code": f"S{next(_numbers)}", "name": "Site", "timezone": "Europe/Brussels",
            "country": "BE", "capacity": 10}


ROUTES = [
    Route("POST", "/bookings", body=_booking_body),
    Route("GET", "/bookings"),
    Route("GET", "/bookings/{}", "booking"),
    Route("POST", "/sites", body=_site_body),
    Route("GET", "/sites"),
    Route("POST", "/customers", body=lambda world: {
        "name": "Eve", "vehicles": [{"plate": "1-ABC-234", "country": "BE"}]}),
    Route("GET", "/customers/{}", "customer"),
]
WITH_IDS = [r for r in ROUTES if r.needs != "none"]


@dataclass
class World:
    """The module's app, API client, and ids of demo and rival objects."""

    app: object
    api: Api
    ids: dict
    rival: dict


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """Demo users with tokens; a site, customer and booking in demo and in the rival tenant."""
    with pytest.MonkeyPatch.context() as patch, time_machine.travel(T0, tick=False):
        patch.setattr(account_defaults, "PASSWORD_HASH_METHOD", "scrypt:1024:8:1")
        app = create_app(make_config(tmp_path_factory.mktemp("bookings-matrix")))
        with app.app_context():
            _db.create_all()
            engine = _db.engine
        with Session(engine) as session:
            seed_demo(session)
            create_user(session, create_tenant(session, RIVAL, "Rival Parking"), "boss", "boss",
                        roles=("admin", "supervisor", "back-office"))
            ids, rival = _objects(session, "demo"), _objects(session, RIVAL)
            session.commit()
        api = Api(app)
        for username in USERS:
            api.login(username)
        yield World(app, api, ids, rival)
    with app.app_context():
        _db.engine.dispose()


def _objects(session, tenant):
    site = services.create_site(session, tenant, "HQ", "HQ", "Europe/Brussels", "BE", 500)
    customer = services.create_customer(session, tenant, "Ana")
    booking = services.create_booking(session, tenant, site, customer, None,
                                      T0 + timedelta(days=1), T0 + timedelta(days=1, hours=1))
    session.flush()
    return {"site": site.id, "customer": customer.id, "booking": booking.id}


def send(world, route, token, objects=None):
    """Call `route` with `token` on the demo objects (or the given ones)."""
    objects = objects or world.ids
    path = PREFIX + route.path.format(objects.get(route.needs))
    body = route.body(world) if callable(route.body) else route.body
    kwargs = {"json": body} if body is not None else {}
    with time_machine.travel(T0, tick=False):
        return world.api.call(route.method, path, token, **kwargs)


def test_matrix_covers_every_bookings_endpoint(world):
    """Every rule under /bookings, /sites and /customers but the penalties' two is in ROUTES."""
    covered = {(r.method, r.path) for r in ROUTES}
    assert registered_rules(world.app, SEGMENTS) - PENALTY_ROUTES == covered


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.id)
def test_no_token_is_401(world, route):
    """Without a token every bookings endpoint answers 401."""
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
    """An admin of demo asking for the rival's booking or customer gets 404."""
    assert send(world, route, "admin", world.rival).status_code == 404


def test_another_tenants_site_is_not_listed(world):
    """GET /sites lists only the caller's tenant's sites."""
    sites = send(world, Route("GET", "/sites"), "agent").get_json()["sites"]
    assert world.rival["site"] not in {s["id"] for s in sites}
