"""Bookings rules on a real SQLite file: a plain session and factories."""
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

import processes.bookings.models  # noqa: F401  (their tables on Base.metadata)
import processes.penalties.models  # noqa: F401
from engine import Base
from engine.db import make_db_engine
from processes.bookings import services

TENANT = "demo"


@pytest.fixture
def db_engine(tmp_path):
    """An SQLite file holding every table."""
    engine = make_db_engine(f"sqlite:///{tmp_path / 'bookings.db'}")
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def session(db_engine):
    """A session on that file."""
    with Session(db_engine) as session:
        yield session


@pytest.fixture
def make_site(session):
    """Factory: a site (Brussels, 2 spaces unless told)."""
    counter = iter(range(1, 1000))

    def make(tenant=TENANT, capacity=2, timezone="Europe/Brussels", country="BE", code=None):
        return services.create_site(session, tenant, code or f"S{next(counter)}", "Central",
                                    timezone, country, capacity, actor="admin")
    return make


@pytest.fixture
def make_customer(session):
    """Factory: a customer with one Belgian car."""

    def make(tenant=TENANT, name="Ana Peeters", plate="1-ABC-234"):
        customer = services.create_customer(session, tenant, name, email="ana@example.com",
                                            actor="admin")
        services.add_vehicle(session, tenant, customer, plate, "BE", actor="admin")
        return customer
    return make


@pytest.fixture
def book(session):
    """Factory: create_booking with hours from `start`, for the customer's first vehicle."""

    def make(site, customer, start, hours=2, tenant=TENANT, kind="booking"):
        return services.create_booking(session, tenant, site, customer, customer.vehicles[0],
                                       start, start + timedelta(hours=hours), kind=kind,
                                       actor="agent")
    return make
