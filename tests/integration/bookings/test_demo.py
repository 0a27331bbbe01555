"""The bookings demo: realistic, spread around today, deterministic, idempotent and quick."""
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from processes import demo as all_demos
from processes.bookings import demo
from processes.bookings.models import Booking, Customer, Site, Vehicle
from processes.bookings.plates import check_plate
from processes.bookings.queries import BookingFilter, list_bookings
from processes.bookings.services import peak_at_site
from processes.bookings.status import When
from webapp.extensions import db as _db


@pytest.fixture
def seeded(db, clock):
    """The demo seeded once at T0; returns (summary, CPU seconds it took).

    CPU time, not wall time: the suite shares its cores, and only our own work counts."""
    started = time.process_time()
    summary = demo.seed(db, "demo")
    db.commit()
    return summary, time.process_time() - started


def count(db, model):
    """Rows of `model` in the demo tenant."""
    return db.scalar(select(func.count()).select_from(model).where(model.tenant == "demo"))


def test_demo_has_sites_customers_and_a_few_hundred_bookings(db, seeded):
    """4 sites in 4 time zones, 60 customers with cars, 320 bookings; said in one line."""
    summary, seconds = seeded
    assert seconds < 2
    assert "4 sites, 60 customers" in summary and "320 bookings" in summary
    assert "no penalty process" in summary
    zones = set(db.scalars(select(Site.timezone)))
    assert zones == {"Europe/Brussels", "Europe/Amsterdam", "Europe/Lisbon", "Europe/Warsaw"}
    assert (count(db, Customer), count(db, Booking)) == (60, 320)


def test_demo_bookings_are_in_the_past_today_and_the_future(db, seeded):
    """Each of past, today and future holds a good share of the bookings."""
    for when in When:
        shown = list_bookings(db, "demo", BookingFilter(when=when), size=500).bookings
        assert len(shown) >= 30, when


def test_demo_bookings_fit_their_sites(db, seeded):
    """No site is ever booked beyond its capacity."""
    for site in db.scalars(select(Site)):
        first = db.scalar(select(func.min(Booking.starts_at)).where(Booking.site_id == site.id))
        assert peak_at_site(db, site, first, first + timedelta(days=60)) <= site.capacity


def test_demo_plates_are_valid_for_their_country(db, seeded):
    """Every demo plate is stored normalised and matches its country's formats."""
    for plate, country in db.execute(select(Vehicle.plate, Vehicle.country)):
        assert check_plate(plate, country).plate == plate
        assert check_plate(plate, country).recognised, (plate, country)


def test_demo_references_are_sequential(db, seeded):
    """BK-000001 to BK-000320, in the order the bookings were made."""
    rows = db.execute(select(Booking.reference, Booking.created_at).order_by(Booking.id)).all()
    assert [r.reference for r in rows] == [f"BK-{n:06d}" for n in range(1, 321)]
    assert [r.created_at for r in rows] == sorted(r.created_at for r in rows)


def test_seeding_again_creates_nothing(db, seeded):
    """A second run (through the demo registry) changes nothing and says nothing."""
    before = (count(db, Site), count(db, Customer), count(db, Vehicle), count(db, Booking))
    assert "processes.bookings.demo:seed" == all_demos.SEEDERS[0]
    assert demo.seed(db, "demo") is None
    db.commit()
    assert (count(db, Site), count(db, Customer), count(db, Vehicle), count(db, Booking)) == \
        before


def test_the_demo_is_the_same_every_time(tmp_path, db, seeded, make_app, clock):
    """Another database seeded at the same moment gets the same bookings."""
    other = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'other.db'}")
    with other.app_context():
        _db.create_all()
        engine = _db.engine
    with Session(engine) as session:
        demo.seed(session, "demo")
        session.commit()
        theirs = session.execute(select(Booking.reference, Booking.starts_at)).all()
    assert db.execute(select(Booking.reference, Booking.starts_at)).all() == theirs
