"""Bookings through the app: demo users, a Brussels and a Lisbon site, customers, a rival
tenant's booking, an API client that checks answers against the OpenAPI document."""
from dataclasses import dataclass
from datetime import timedelta

import pytest

from processes.bookings import services
from tests.conftest import T0
from tests.integration.api.conftest import Api

TOMORROW_9 = T0 + timedelta(days=1)          # Tuesday 3 March 2026, 09:00 UTC (10:00 CET)


@dataclass
class World:
    """Ids of the rows the tests book with."""

    brussels: int
    lisbon: int
    ana: int
    ana_car: int
    bob: int
    bob_car: int
    rival_site: int
    rival_customer: int
    rival_booking: int


@pytest.fixture
def world(db, demo_users, clock):
    """Demo tenant: Brussels (2 spaces) and Lisbon sites, Ana and Bob with a car each;
    tenant rival: a site, a customer and a booking."""
    bru = services.create_site(db, "demo", "BRU-C", "Brussels Central", "Europe/Brussels", "BE", 2)
    lis = services.create_site(db, "demo", "LIS-O", "Lisbon Oriente", "Europe/Lisbon", "PT", 50)
    ana = services.create_customer(db, "demo", "Ana Peeters", email="ana@example.com")
    ana_car, _ = services.add_vehicle(db, "demo", ana, "1-ABC-234", "BE")
    bob = services.create_customer(db, "demo", "Bob Silva")
    bob_car, _ = services.add_vehicle(db, "demo", bob, "AA-00-AA", "PT")
    rival_site = services.create_site(db, "rival", "RIV", "Rival", "Europe/Paris", "FR", 9)
    rival_customer = services.create_customer(db, "rival", "Rita")
    rival_booking = services.create_booking(db, "rival", rival_site, rival_customer, None,
                                             TOMORROW_9, TOMORROW_9 + timedelta(hours=1))
    db.commit()
    return World(bru.id, lis.id, ana.id, ana_car.id, bob.id, bob_car.id, rival_site.id,
                 rival_customer.id, rival_booking.id)


@pytest.fixture
def api(app, demo_users):
    """An Api client (answers checked against the OpenAPI document)."""
    return Api(app)
