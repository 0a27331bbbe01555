"""Booking references and capacity hold when bookings are created at the same time."""
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

import processes.bookings.models  # noqa: F401
import processes.penalties.models  # noqa: F401
from engine import Base, Engine
from engine.db import make_db_engine
from processes.bookings import services
from processes.bookings.errors import SiteFull
from processes.bookings.models import Booking
from tests.conftest import T0

PER_THREAD = 15
START = T0 + timedelta(days=1)


@pytest.fixture
def world(tmp_path, clock):
    """An engine on an SQLite file with a site and a customer; returns (engine, ids)."""
    db_engine = make_db_engine(f"sqlite:///{tmp_path / 'concurrent.db'}")
    Base.metadata.create_all(db_engine)
    eng = Engine(db_engine)
    with eng.transaction() as session:
        big = services.create_site(session, "demo", "BIG", "Big", "Europe/Brussels", "BE", 500)
        one = services.create_site(session, "demo", "ONE", "Tiny", "Europe/Brussels", "BE", 1)
        customer = services.create_customer(session, "demo", "Ana")
        ids = {"big": big.id, "one": one.id, "customer": customer.id}
    yield eng, ids
    db_engine.dispose()


def run_together(workers):
    """Start every worker at once; each returns its outcomes. Fails if one hangs."""
    barrier = threading.Barrier(len(workers))
    results = [None] * len(workers)

    def run(index, work):
        barrier.wait()
        results[index] = work()

    threads = [threading.Thread(target=run, args=(i, w)) for i, w in enumerate(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a booking thread hung"
    return results


def book(eng, site_id, customer_id, start):
    """One booking in its own write transaction; its reference, or the refusal."""
    try:
        with eng.transaction() as session:
            return services.create_booking(session, "demo", site_id, customer_id, None, start,
                                           start + timedelta(hours=2), actor="agent").reference
    except SiteFull as full:
        return full


def test_concurrent_bookings_never_share_a_reference(world):
    """Two threads booking 15 times each get 30 distinct references BK-000001..BK-000030."""
    eng, ids = world

    def many():
        return [book(eng, ids["big"], ids["customer"], START) for _ in range(PER_THREAD)]

    first, second = run_together([many, many])
    references = first + second
    assert sorted(references) == [f"BK-{n:06d}" for n in range(1, 2 * PER_THREAD + 1)]
    with Session(eng.db_engine) as session:
        stored = session.scalars(select(Booking.reference)).all()
    assert sorted(stored) == sorted(references)


def test_two_people_racing_for_the_last_space_one_wins(world):
    """At a one-space site, two simultaneous bookings: one is confirmed, the other refused."""
    eng, ids = world
    outcomes = run_together([lambda: book(eng, ids["one"], ids["customer"], START)] * 2)
    assert sorted(type(o).__name__ for o in outcomes) == ["SiteFull", "str"]
    with Session(eng.db_engine) as session:
        assert session.scalars(select(Booking.reference)).all() == ["BK-000001"]
