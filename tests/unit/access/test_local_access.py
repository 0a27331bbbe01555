"""The local access control: whitelists per contract with valid-from/to days, history kept."""
from datetime import date

import pytest
from sqlalchemy.orm import Session

from engine import Base, make_db_engine
from processes.access import Grant, LocalAccessControl
from processes.bookings.models import Site


@pytest.fixture
def access(tmp_path, clock):
    """LocalAccessControl on a fresh SQLite file with one site (id 1)."""
    db_engine = make_db_engine(f"sqlite:///{tmp_path / 'access.db'}")
    Base.metadata.create_all(db_engine)
    with Session(db_engine) as session:
        session.add(Site(id=1, tenant="t", code="S", name="S", timezone="Europe/Brussels",
                         country="BE", capacity=10))
        session.flush()
        yield LocalAccessControl(session)
    db_engine.dispose()


@pytest.mark.parametrize("day, allowed", [(date(2026, 3, 8), False), (date(2026, 3, 9), True),
                                          (date(2026, 4, 30), True), (date(2026, 5, 1), False)])
def test_a_plate_enters_on_the_days_of_its_validity_both_ends_included(access, day, allowed):
    """valid_from and valid_to are both days the plate may enter."""
    access.whitelist("t", 1, "SP-1", [Grant("plate", "1ABC234")], date(2026, 3, 9),
                     date(2026, 4, 30))
    assert access.allows("t", 1, "plate", "1ABC234", day) is allowed


def test_whitelisting_again_replaces_the_plates_and_keeps_the_history(access):
    """A vehicle change: the old plate is revoked (row kept), the new one enters."""
    access.whitelist("t", 1, "SP-1", [Grant("plate", "1ABC234")], date(2026, 3, 9), None)
    access.whitelist("t", 1, "SP-1", [Grant("plate", "2XYZ987"), Grant("card", "C-77")],
                     date(2026, 3, 9), None)
    assert [(c.kind, c.value) for c in access.credentials("t", "SP-1")] == [
        ("plate", "2XYZ987"), ("card", "C-77")]
    assert not access.allows("t", 1, "plate", "1ABC234", date(2026, 3, 10))
    assert access.allows("t", 1, "card", "C-77", date(2026, 3, 10))


def test_set_valid_to_moves_the_last_day_of_every_current_credential(access):
    """Termination or an unpaid period shortens access for all of the contract's plates."""
    access.whitelist("t", 1, "SP-1", [Grant("plate", "A1"), Grant("plate", "B2")],
                     date(2026, 3, 9), None)
    access.set_valid_to("t", "SP-1", date(2026, 3, 31))
    assert not access.allows("t", 1, "plate", "B2", date(2026, 4, 1))
    assert access.allows("t", 1, "plate", "A1", date(2026, 3, 31))


def test_another_tenant_or_site_is_not_let_in(access):
    """Credentials are per tenant and site."""
    access.whitelist("t", 1, "SP-1", [Grant("plate", "A1")], date(2026, 3, 1), None)
    assert not access.allows("other", 1, "plate", "A1", date(2026, 3, 9))
    assert not access.allows("t", 2, "plate", "A1", date(2026, 3, 9))
