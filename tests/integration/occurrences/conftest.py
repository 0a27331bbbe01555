"""Occurrence fixtures: the demo tenant with staff, two sites, a booking, and a rival tenant."""
import shutil
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

import processes.accounts.models  # noqa: F401  (tables on Base.metadata)
import processes.occurrences.models  # noqa: F401
from engine import Base, Engine, ServiceRegistry, make_db_engine
from engine import clock as engine_clock
from processes.accounts.services import seed_demo
from processes.occurrences import lifecycle, services
from processes.accounts.services import create_tenant, create_user, get_tenant
from processes.bookings.models import Booking, Customer, Site, Vehicle
from webapp.extensions import db as _db

RIVAL = "rival"


@dataclass(frozen=True)
class Actor:
    """Who acts on an occurrence, as the services see a logged-in user."""

    username: str
    roles: tuple
    tenant: str = "demo"


AGENT = Actor("agent", ("back-office",))
SUPERVISOR = Actor("supervisor", ("back-office", "supervisor"))
ADMIN = Actor("admin", ("admin",))


@dataclass
class Place:
    """Rows a test reports occurrences on."""

    site_id: int
    other_site_id: int
    booking_id: int
    booking_reference: str
    rival_site_id: int
    rival_booking_id: int


def make_site(session, tenant, code, name="Brussels Central"):
    """A site of `tenant` in Brussels."""
    site = Site(tenant=tenant, code=code, name=name, timezone="Europe/Brussels", country="BE",
                capacity=200)
    session.add(site)
    session.flush()
    return site


def make_booking(session, tenant, site, reference="BK-000001"):
    """A confirmed booking at `site` today, with a customer and a vehicle."""
    now = engine_clock.now()
    customer = Customer(tenant=tenant, name="Ana Peeters", email="ana@example.org",
                        created_at=now)
    session.add(customer)
    session.flush()
    vehicle = Vehicle(tenant=tenant, customer_id=customer.id, plate="1ABC123", country="BE",
                      description="blue VW Golf")
    session.add(vehicle)
    session.flush()
    booking = Booking(tenant=tenant, reference=reference, site_id=site.id,
                      customer_id=customer.id, vehicle_id=vehicle.id, starts_at=now,
                      ends_at=now + timedelta(hours=8), created_at=now, created_by="agent")
    session.add(booking)
    session.flush()
    return booking


@pytest.fixture(scope="session")
def domain_template(tmp_path_factory):
    """An SQLite file with every table and the demo users, made once and copied per test."""
    path = tmp_path_factory.mktemp("occurrences-template") / "template.db"
    db_engine = make_db_engine(f"sqlite:///{path}")
    Base.metadata.create_all(db_engine)
    with Session(db_engine) as session:
        seed_demo(session)
        session.commit()
    db_engine.dispose()         # the last connection checkpoints the WAL into the file
    return path


@pytest.fixture
def domain_eng(domain_template, tmp_path):
    """An Engine on its own copy of the template database, with the occurrence handlers only
    (the domain tests need no Flask app)."""
    path = tmp_path / "occurrences.db"
    shutil.copyfile(domain_template, path)
    db_engine = make_db_engine(f"sqlite:///{path}")
    registry = ServiceRegistry()
    for name, handler in lifecycle.make_handlers(sessionmaker(bind=db_engine)).items():
        registry.add(name, handler)
    yield Engine(db_engine, services=registry)
    db_engine.dispose()


@pytest.fixture
def domain_place(domain_eng, clock):
    """place() on the domain engine's database."""
    with Session(domain_eng.db_engine) as session:
        found = _make_place(session)
        session.commit()
    return found


@pytest.fixture
def place(app, demo_users, clock):
    """Demo staff, two demo sites and a booking; a rival tenant with a site and a booking."""
    with app.app_context():
        found = _make_place(_db.session)
        _db.session.commit()
    return found


def _make_place(session):
    """Rows of place(); the caller commits."""
    rival = get_tenant(session, RIVAL) or create_tenant(session, RIVAL, "Rival")
    create_user(session, rival, "boss", "boss",
                roles=["admin", "back-office", "supervisor"])
    site = make_site(session, "demo", "BRU-C")
    other = make_site(session, "demo", "ANT-S", "Antwerp South")
    booking = make_booking(session, "demo", site)
    rival_site = make_site(session, RIVAL, "RIV-1", "Rival Park")
    rival_booking = make_booking(session, RIVAL, rival_site, "BK-900001")
    return Place(site.id, other.id, booking.id, booking.reference, rival_site.id,
                 rival_booking.id)


def damage(place, **overrides):
    """The data of a Damage occurrence on the demo booking (type id filled by the test)."""
    data = {"booking_id": place.booking_id, "description": "Scratch on the left door",
            "values": {"location": ["Left side"], "damage_type": "Scratch",
                       "pre_existing": False}}
    data.update(overrides)
    return data


def type_id(eng, name, tenant="demo"):
    """The id of the tenant's occurrence type called `name` (defaults created on first use)."""
    kinds, _statuses = services.choices(eng, tenant)
    return next(k.id for k in kinds if k.name == name)


def status_id(eng, name, tenant="demo"):
    """The id of the tenant's status called `name`."""
    _kinds, statuses = services.choices(eng, tenant)
    return next(s.id for s in statuses if s.name == name)
