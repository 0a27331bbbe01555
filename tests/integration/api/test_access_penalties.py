"""Role x route matrix of the penalties API: 401 without a token, 403 for a wrong role, 404 for
another tenant's ids, success for the roles each route is for.

The bookings matrix (test_access_bookings.py) covers /bookings except the two routes here,
/bookings/{id}/cancel and /bookings/{id}/check-in.
"""
import itertools
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from sqlalchemy.orm import Session

from engine import clock
from processes.accounts import defaults as account_defaults
from processes.accounts.services import create_tenant, create_user, seed_demo
from processes.bookings.models import Booking, Customer, Site
from processes.penalties import service
from tests.conftest import make_config
from webapp import create_app
from webapp.extensions import db as _db
from webapp.extensions import get_engine

from .conftest import PREFIX, RIVAL, T0, Api
from .matrix import registered_rules

LIBRARY = Path(__file__).resolve().parents[3] / "library" / "cancellation_penalty.bpmn"
USERS = ("agent", "supervisor", "designer", "admin")
STAFF = frozenset({"agent", "supervisor", "admin"})
_numbers = itertools.count(1)


@dataclass(frozen=True)
class Route:
    """One endpoint, the object its {id} needs, and the demo users allowed."""

    method: str
    path: str
    needs: str                  # booking | check_in_booking | customer | infraction | none
    allowed: frozenset
    body: dict | None = None

    @property
    def id(self):
        """The test id."""
        return f"{self.method} {self.path}"


ROUTES = [
    Route("POST", "/bookings/{}/cancel", "booking", STAFF),
    Route("POST", "/bookings/{}/check-in", "check_in_booking", STAFF),
    Route("GET", "/users/{}/infractions", "customer", STAFF),
    Route("POST", "/infractions/{}/contest", "infraction", STAFF, body={"reason": "I was ill"}),
    Route("GET", "/settings/penalties", "none", frozenset({"admin"})),
    Route("PUT", "/settings/penalties", "none", frozenset({"admin"}),
          body={"max_minor_infractions": 4}),
]
SEGMENTS = {"bookings", "users", "infractions", "settings"}


def _mine(path):
    """The rules of SEGMENTS this module owns (the bookings family owns the other /bookings)."""
    if path.startswith("/bookings"):
        return path.endswith("/cancel") or path.endswith("/check-in")
    if path.startswith("/settings"):
        return path == "/settings/penalties"
    return path.startswith("/users/{}/infractions") or path.startswith("/infractions")


class World:
    """The module's app and API client, and factories of fresh objects per tenant."""

    def __init__(self, app, api, engine):
        self.app, self.api, self.engine = app, api, engine
        with app.app_context():
            self.sa = _db.engine
        self.places = {}

    def setup(self, tenant):
        """A site and a customer in `tenant`."""
        with Session(self.sa) as session:
            site = Site(tenant=tenant, code="S1", name="Site", timezone="Europe/Brussels",
                        country="BE", capacity=10)
            customer = Customer(tenant=tenant, name=f"Customer of {tenant}",
                                created_at=clock.now())
            session.add_all([site, customer])
            session.commit()
            self.places[tenant] = (site.id, customer.id)

    def booking(self, tenant, starts_in):
        """A confirmed booking starting `starts_in` from now, with its process."""
        site_id, customer_id = self.places[tenant]
        starts = clock.now() + starts_in
        with Session(self.sa) as session:
            booking = Booking(tenant=tenant, reference=f"M-{next(_numbers)}", site_id=site_id,
                              customer_id=customer_id, starts_at=starts,
                              ends_at=starts + timedelta(hours=4), status="confirmed",
                              created_at=clock.now(), created_by="agent")
            session.add(booking)
            session.commit()
            service.on_booking_created(session, self.engine, booking, "agent")
            return booking.id

    def infraction(self, tenant):
        """A contestable minor infraction (late cancellation, e-mail job run)."""
        booking_id = self.booking(tenant, timedelta(days=1))
        outcome = service.cancel_booking(self.engine, tenant, booking_id, "agent")
        self.engine.run_due_jobs()
        return outcome.infraction_id

    def object_id(self, route, tenant):
        """The id the route's path needs, fresh for each call that changes something."""
        if route.needs == "booking":
            return self.booking(tenant, timedelta(days=1))
        if route.needs == "check_in_booking":
            return self.booking(tenant, timedelta(minutes=30))
        if route.needs == "infraction":
            return self.infraction(tenant)
        return self.places[tenant][1]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """Demo users with tokens; the process, a site and a customer in demo and in a rival."""
    with pytest.MonkeyPatch.context() as patch, time_machine.travel(T0, tick=False):
        patch.setattr(account_defaults, "PASSWORD_HASH_METHOD", "scrypt:1024:8:1")
        app = create_app(make_config(tmp_path_factory.mktemp("penalties_matrix")))
        with app.app_context():
            _db.create_all()
            seed_demo(_db.session)
            rival = create_tenant(_db.session, RIVAL, "Rival Parking")
            create_user(_db.session, rival, "boss", "boss", roles=("admin",))
            _db.session.commit()
            engine = get_engine()
        for tenant in ("demo", RIVAL):
            engine.deploy(LIBRARY.read_bytes(), LIBRARY.name, tenant)
        api = Api(app)
        for username in USERS:
            api.login(username)
        made = World(app, api, engine)
        made.setup("demo")
        made.setup(RIVAL)
        yield made
    with app.app_context():
        _db.engine.dispose()


def send(world, route, token, tenant="demo"):
    """Call the route with a fresh object of `tenant`."""
    path = PREFIX + route.path.replace("{}", str(world.object_id(route, tenant)))
    kwargs = {"json": route.body} if route.body is not None else {}
    return world.api.call(route.method, path, token, **kwargs)


def test_matrix_covers_every_penalties_endpoint(world):
    """Every rule of this family (cancel, check-in, infractions, settings) is in ROUTES."""
    registered = {rule for rule in registered_rules(world.app, SEGMENTS) if _mine(rule[1])}
    assert registered == {(r.method, r.path) for r in ROUTES}


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.id)
def test_no_token_is_401(world, route):
    """Without a token every penalties endpoint answers 401."""
    with time_machine.travel(T0, tick=False):
        response = send(world, route, None)
    assert response.status_code == 401


@pytest.mark.parametrize("username", USERS)
@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.id)
def test_role_matrix(world, route, username):
    """Staff roles succeed where the route is for them; everyone else gets 403."""
    with time_machine.travel(T0, tick=False):
        response = send(world, route, username)
    if username in route.allowed:
        assert response.status_code in (200, 202), response.get_json()
    else:
        assert response.status_code == 403, response.get_json()


@pytest.mark.parametrize("route", [r for r in ROUTES if r.needs != "none"], ids=lambda r: r.id)
def test_another_tenants_ids_are_404(world, route):
    """The rival's booking, customer or infraction is not found, and stays as it was."""
    with time_machine.travel(T0, tick=False):
        response = send(world, route, "admin", tenant=RIVAL)
    assert response.status_code == 404
