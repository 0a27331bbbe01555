"""Role x route matrix of the penalties API: 401 without a token, 403 for a wrong role, 404 for
another tenant's ids, success for the roles each route is for.

The bookings matrix (test_access_bookings.py) covers /bookings except the two routes here,
/bookings/{id}/cancel and /bookings/{id}/check-in.
"""
import itertools
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from engine import clock
from processes.bookings.models import Booking, Customer, Site
from processes.penalties import service

from .conftest import RIVAL
from .matrix import Family, Route, access_tests, matrix_world

LIBRARY = Path(__file__).resolve().parents[3] / "library" / "cancellation_penalty.bpmn"
ADMIN = frozenset({"admin"})
SEGMENTS = frozenset({"bookings", "users", "infractions", "settings"})
_numbers = itertools.count(1)

ROUTES = (
    Route("POST", "/bookings/{}/cancel", needs="booking"),
    Route("POST", "/bookings/{}/check-in", needs="check_in_booking"),
    Route("GET", "/users/{}/infractions", needs="customer"),
    Route("POST", "/infractions/{}/contest", needs="infraction", ok=202,
          body={"reason": "I was ill"}),
    Route("GET", "/settings/penalties", ADMIN),
    Route("PUT", "/settings/penalties", ADMIN, body={"max_minor_infractions": 4}),
)


def _mine(rule):
    """The rules of SEGMENTS this module owns (the bookings family owns the other /bookings)."""
    path = rule[1]
    if path.startswith("/bookings"):
        return path.endswith("/cancel") or path.endswith("/check-in")
    if path.startswith("/settings"):
        return path == "/settings/penalties"
    return path.startswith("/users/{}/infractions") or path.startswith("/infractions")


(test_matrix_covers_every_endpoint, test_no_token_is_401, test_role_matrix,
 test_another_tenants_ids_are_404) = access_tests(Family(ROUTES, SEGMENTS, owns=_mine))


def _site_and_customer(session, tenant):
    site = Site(tenant=tenant, code="S1", name="Site", timezone="Europe/Brussels",
                country="BE", capacity=10)
    customer = Customer(tenant=tenant, name=f"Customer of {tenant}", created_at=clock.now())
    session.add_all([site, customer])
    session.flush()
    return {"site": site.id, "customer": customer.id}


def _booking(world, tenant, starts_in):
    """A confirmed booking starting `starts_in` from now, with its process."""
    ids = world.ids[tenant]
    starts = clock.now() + starts_in
    with Session(world.db) as session:
        booking = Booking(tenant=tenant, reference=f"M-{next(_numbers)}", site_id=ids["site"],
                          customer_id=ids["customer"], starts_at=starts,
                          ends_at=starts + timedelta(hours=4), status="confirmed",
                          created_at=clock.now(), created_by="agent")
        session.add(booking)
        session.commit()
        service.on_booking_created(session, world.engine, booking, "agent")
        return booking.id


def _fresh(world, kind, tenant):
    """A new object for each call, as every route here changes what it names."""
    if kind == "check_in_booking":
        return _booking(world, tenant, timedelta(minutes=30))
    booking_id = _booking(world, tenant, timedelta(days=1))
    if kind == "booking":
        return booking_id
    # A contestable minor infraction: a late cancellation, its e-mail job run.
    outcome = service.cancel_booking(world.engine, tenant, booking_id, "agent")
    world.engine.run_due_jobs()
    return outcome.infraction_id


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """The penalty process, a site and a customer in demo and in the rival tenant."""
    with matrix_world(tmp_path_factory, "penalties-matrix") as made:
        for tenant in ("demo", RIVAL):
            made.engine.deploy(LIBRARY.read_bytes(), LIBRARY.name, tenant)
        with Session(made.db) as session:
            made.ids = {tenant: _site_and_customer(session, tenant) for tenant in ("demo", RIVAL)}
            session.commit()
        made.make = _fresh
        yield made
