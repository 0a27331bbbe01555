"""Penalty fixtures: an app mailing through a real aiosmtpd server, the library process
deployed, a Brussels car park, customers, and a factory of bookings with their processes."""
import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from engine import clock as engine_clock
from processes.accounts.services import seed_demo
from processes.bookings.models import Booking, Customer, Site
from processes.penalties import service
from webapp.extensions import db as _db

LIBRARY = Path(__file__).resolve().parents[3] / "library"
TENANT = "demo"
ZONE = "Europe/Brussels"
SENDER = "parkops@demo.example.test"
_numbers = itertools.count(1)


def local(text):
    """An aware UTC instant from Brussels wall-clock text '2026-03-02 18:00'."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(ZONE)).astimezone(timezone.utc)


def deploy_library(eng, tenant=TENANT):
    """Deploy library/cancellation_penalty.bpmn to a tenant."""
    path = LIBRARY / "cancellation_penalty.bpmn"
    eng.deploy(path.read_bytes(), path.name, tenant, actor="designer")


@pytest.fixture
def app(make_app, smtp):
    """The app with every table, mailing through the test server, demo users seeded."""
    app = make_app(MAIL_HOST="127.0.0.1", MAIL_PORT=smtp.port, MAIL_SENDER=SENDER,
                   MAIL_TIMEOUT=2.0)
    with app.app_context():
        _db.create_all()
        seed_demo(_db.session)
        _db.session.commit()
    return app


@dataclass
class World:
    """The engine, a site, two customers, and helpers to book and to run the runner's work."""

    eng: object
    sa_engine: object
    site_id: int
    alice: int
    bob: int

    def session(self):
        """A fresh ORM session on the app's database."""
        return Session(self.sa_engine)

    def book(self, starts, hours=8, customer=None, kind="booking", start_process=True,
             tenant=TENANT, site_id=None):
        """A confirmed booking from Brussels time `starts`; its process started. Returns id."""
        starts_at = local(starts) if isinstance(starts, str) else starts
        with self.session() as session:
            booking = Booking(
                tenant=tenant, reference=f"BK-{next(_numbers):06d}", kind=kind,
                site_id=site_id or self.site_id, customer_id=customer or self.alice,
                starts_at=starts_at, ends_at=starts_at + timedelta(hours=hours),
                status="confirmed", created_at=engine_clock.now(), created_by="agent")
            session.add(booking)
            session.commit()
            if start_process:
                service.on_booking_created(session, self.eng, booking, "agent")
            return booking.id

    def booking(self, booking_id):
        """The booking row as stored now."""
        with self.session() as session:
            found = session.get(Booking, booking_id)
            session.expunge(found)
            return found

    def run(self):
        """What the runner does: fire due timers and run due jobs until nothing is left."""
        for _ in range(10):
            if not (self.eng.fire_due_timers() + self.eng.run_due_jobs()):
                return


@pytest.fixture
def world(app, eng, clock):
    """demo tenant: the process deployed, site BRU-C (Brussels), Alice and Bob (with e-mail)."""
    deploy_library(eng)
    with app.app_context():
        sa_engine = _db.engine
    with Session(sa_engine) as session:
        site = Site(tenant=TENANT, code="BRU-C", name="Brussels Central", timezone=ZONE,
                    country="BE", capacity=200)
        alice = Customer(tenant=TENANT, name="Alice Martin", email="alice@example.test",
                         created_at=engine_clock.now())
        bob = Customer(tenant=TENANT, name="Bob Peeters", email="bob@example.test",
                       created_at=engine_clock.now())
        session.add_all([site, alice, bob])
        session.commit()
        return World(eng, sa_engine, site.id, alice.id, bob.id)
