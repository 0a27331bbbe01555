"""The season-parker demo seeder: products per site, active contracts, applications waiting."""
from sqlalchemy import func, select

from processes.bookings import demo as bookings_demo
from processes.seasonparking import demo
from processes.seasonparking.models import Application, Contract, Product

from .conftest import TENANT, fresh


def count(session, model, **where):
    """Rows of `model` in the demo tenant matching `where`."""
    query = select(func.count()).select_from(model).where(model.tenant == TENANT)
    for column, value in where.items():
        query = query.where(getattr(model, column) == value)
    return session.scalar(query)


def test_the_demo_sells_two_products_per_site_with_thirty_active_contracts(session, eng):
    """After the bookings demo: 2 products per site, 30 active contracts with credentials,
    two applications in the basket's document check; a second run changes nothing."""
    bookings_demo.seed(session, TENANT)
    session.commit()
    summary = demo.seed(session, TENANT)
    assert summary.startswith("Season parkers demo: 8 products, 30 active contracts, 2 ")
    fresh(session)
    assert count(session, Product) == 8
    assert count(session, Contract, status="active") == 30
    waiting = [t for t in eng.open_tasks(TENANT, roles=["back-office"])
               if t.name == "Check documents"]
    assert len(waiting) == 2 == count(session, Application, status="in_review")
    assert demo.seed(session, TENANT) is None
    fresh(session)
    assert count(session, Contract) == 30


def test_without_sites_the_demo_creates_nothing_and_says_so(session, eng):
    """No car park, no season products."""
    assert "no sites" in demo.seed(session, TENANT)
    assert count(session, Product) == 0
