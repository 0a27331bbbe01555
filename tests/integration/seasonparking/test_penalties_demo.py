"""The penalties demo seeder (processes/penalties/demo.py) after the bookings demo: minor and
major infractions, a block, and one contested infraction waiting in the back office's basket.
(Kept beside the season demo test: it shares its app with every handler and the library.)"""
import pytest
from sqlalchemy import func, select

from processes.bookings import demo as bookings_demo
from processes.penalties import demo
from processes.penalties.models import Block, Infraction

from .conftest import LIBRARY, TENANT, fresh


@pytest.fixture
def penalties_eng(eng):
    """The app's engine with cancellation_penalty deployed too."""
    path = LIBRARY / "cancellation_penalty.bpmn"
    eng.deploy(path.read_bytes(), path.name, TENANT, actor="designer")
    return eng


def count(session, model, **where):
    """Rows of `model` in the demo tenant matching `where`."""
    query = select(func.count()).select_from(model).where(model.tenant == TENANT)
    for column, value in where.items():
        query = query.where(getattr(model, column) == value)
    return session.scalar(query)


def test_the_demo_has_minor_and_major_infractions_a_block_and_a_contest_to_review(
        session, penalties_eng):
    """Two minors, one major with its block, one contested minor whose review task waits for
    the back office; a second run changes nothing."""
    bookings_demo.seed(session, TENANT)
    session.commit()
    summary = demo.seed(session, TENANT)
    assert summary == ("Penalties demo: 2 minor infractions, 1 major with a block, "
                       "1 contested infraction waiting for review.")
    fresh(session)
    assert count(session, Infraction, kind="minor") == 3
    assert count(session, Infraction, kind="major") == 1
    assert count(session, Infraction, status="contested") == 1
    assert count(session, Block) == 1
    review = [t for t in penalties_eng.open_tasks(TENANT, roles=["back-office"])
              if t.name == "Review contested infraction"]
    assert len(review) == 1
    assert demo.seed(session, TENANT) is None
    fresh(session)
    assert count(session, Infraction) == 4


def test_without_bookings_the_penalties_demo_records_nothing_and_says_so(session, eng):
    """No demo bookings, no infractions."""
    assert "too few demo bookings" in demo.seed(session, TENANT)
    assert count(session, Infraction) == 0
