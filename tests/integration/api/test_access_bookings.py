"""Role x route matrix of the bookings API: 401 without a token, 403 for a wrong role, 404 for
another tenant's ids, success for back-office staff, supervisors and admins.

/bookings/{id}/cancel and /bookings/{id}/check-in belong to the penalties matrix
(test_access_penalties.py); every other rule under /bookings, /sites and /customers is here.
"""
import itertools
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from processes.bookings import services

from .conftest import PREFIX, RIVAL, T0
from .matrix import Family, Route, access_tests, matrix_world

SEGMENTS = frozenset({"bookings", "sites", "customers"})
PENALTY_ROUTES = {("POST", "/bookings/{}/cancel"), ("POST", "/bookings/{}/check-in")}
_numbers = itertools.count(1)


def _booking_body(world):
    start = T0 + timedelta(days=1, hours=next(_numbers))
    demo = world.ids["demo"]
    return {"site_id": demo["site"], "customer_id": demo["customer"],
            "starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=1)).isoformat()}


def _site_body(world):
    return {"code": f"S{next(_numbers)}", "name": "Site", "timezone": "Europe/Brussels",
            "country": "BE", "capacity": 10}


ROUTES = (
    Route("POST", "/bookings", ok=201, body=_booking_body),
    Route("GET", "/bookings"),
    Route("GET", "/bookings/{}", needs="booking"),
    Route("POST", "/sites", ok=201, body=_site_body),
    Route("GET", "/sites"),
    Route("POST", "/customers", ok=201,
          body={"name": "Eve", "vehicles": [{"plate": "1-ABC-234", "country": "BE"}]}),
    Route("GET", "/customers/{}", needs="customer"),
)
BOOKINGS = Family(ROUTES, SEGMENTS, owns=lambda rule: rule not in PENALTY_ROUTES)
(test_matrix_covers_every_endpoint, test_no_token_is_401, test_role_matrix,
 test_another_tenants_ids_are_404) = access_tests(BOOKINGS)


def _objects(session, tenant):
    site = services.create_site(session, tenant, "HQ", "HQ", "Europe/Brussels", "BE", 500)
    customer = services.create_customer(session, tenant, "Ana")
    booking = services.create_booking(session, tenant, site, customer, None,
                                      T0 + timedelta(days=1), T0 + timedelta(days=1, hours=1))
    session.flush()
    return {"site": site.id, "customer": customer.id, "booking": booking.id}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A site, customer and booking in demo and in the rival tenant."""
    with matrix_world(tmp_path_factory, "bookings-matrix") as made:
        with Session(made.db) as session:
            made.ids = {tenant: _objects(session, tenant) for tenant in ("demo", RIVAL)}
            session.commit()
        yield made


def test_another_tenants_site_is_not_listed(world):
    """GET /sites lists only the caller's tenant's sites."""
    sites = world.api.get(f"{PREFIX}/sites", "agent").get_json()["sites"]
    assert world.ids[RIVAL]["site"] not in {s["id"] for s in sites}
