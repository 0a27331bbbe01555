"""Sites, customers, vehicles and bookings: what is refused, what is stored, references."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import AuditEvent
from processes.bookings import services
from processes.bookings.errors import BookingRefused, SiteFull
from processes.bookings.references import format_reference, reserve_references
from processes.penalties.errors import CustomerBlocked

from .conftest import TENANT
from .helpers import block_customer, utc

NOW = utc(2026, 3, 2, 9, 0)
TOMORROW_9 = utc(2026, 3, 3, 8, 0)     # 09:00 in Brussels


@pytest.fixture(autouse=True)
def frozen(clock):
    """Every case runs at T0 (Monday 2 March 2026, 10:00 in Brussels)."""
    return clock


@pytest.mark.parametrize("changes, field, message", [
    ({"code": ""}, "code", "Enter a short code"),
    ({"code": "BRU C!"}, "code", "letters, digits"),
    ({"name": " "}, "name", "Enter the site's name"),
    ({"timezone": "Europe/Atlantis"}, "timezone", "not a known time zone"),
    ({"country": "BEL"}, "country", "two letters"),
    ({"capacity": 0}, "capacity", "from 1 to"),
    ({"capacity": "ten"}, "capacity", "from 1 to"),
])
def test_site_fields_are_refused_with_a_reason(session, changes, field, message):
    """Each bad site field gets its own message and no site is created."""
    fields = {"code": "BRU-C", "name": "Brussels Central", "timezone": "Europe/Brussels",
              "country": "BE", "capacity": 240, **changes}
    with pytest.raises(BookingRefused) as refused:
        services.create_site(session, TENANT, **fields)
    assert message in refused.value.errors[field]
    assert services.list_sites(session, TENANT) == []


def test_site_codes_are_unique_per_tenant(session, make_site):
    """A second site with the same code is refused in the tenant, accepted in another."""
    make_site(code="BRU-C")
    with pytest.raises(BookingRefused, match="already has the code BRU-C"):
        make_site(code="bru-c")
    assert make_site(code="BRU-C", tenant="rival").code == "BRU-C"


@pytest.mark.parametrize("changes, field", [
    ({"name": ""}, "name"), ({"email": "ana-at-example"}, "email"),
    ({"phone": "call me"}, "phone"), ({"language": "xx"}, "language")])
def test_customer_fields_are_refused_with_a_reason(session, changes, field):
    """A customer needs a name; e-mail, phone and language must make sense when given."""
    fields = {"name": "Ana", "email": "ana@example.com", "phone": "+32 2 555 01 23",
              "language": "nl", **changes}
    with pytest.raises(BookingRefused) as refused:
        services.create_customer(session, TENANT, **fields)
    assert list(refused.value.errors) == [field]


def test_vehicle_plate_is_stored_normalised_and_an_odd_one_warned(session, make_customer):
    """'1-abc-234' is stored as 1ABC234; a plate of unknown format is kept with a warning."""
    customer = make_customer(plate="1-abc-234")
    assert customer.vehicles[0].plate == "1ABC234"
    vehicle, warning = services.add_vehicle(session, TENANT, customer, "zz 99", "BE")
    assert vehicle.plate == "ZZ99" and "does not look like a plate from BE" in warning


def test_a_customer_cannot_register_the_same_plate_twice(session, make_customer):
    """The same plate again for the same customer is refused on the plate field."""
    customer = make_customer(plate="1-ABC-234")
    with pytest.raises(BookingRefused) as refused:
        services.add_vehicle(session, TENANT, customer, "1 abc 234", "BE")
    assert "already has 1ABC234" in refused.value.errors["plate"]


def test_booking_is_confirmed_with_the_next_reference_and_audited(session, make_site,
                                                                  make_customer, book):
    """Bookings get BK-000001, BK-000002, ... and a booking_created audit event."""
    site, customer = make_site(), make_customer()
    first, second = book(site, customer, TOMORROW_9), book(site, customer, TOMORROW_9)
    assert (first.reference, second.reference) == ("BK-000001", "BK-000002")
    assert (first.status, first.kind, first.created_by) == ("confirmed", "booking", "agent")
    events = session.scalars(select(AuditEvent).where(AuditEvent.kind == "booking_created"))
    assert [e.payload["reference"] for e in events] == ["BK-000001", "BK-000002"]


def test_references_count_per_tenant(session, make_site, make_customer, book):
    """Each tenant has its own sequence, starting at BK-000001."""
    book(make_site(), make_customer(), TOMORROW_9)
    rival = book(make_site(tenant="rival"), make_customer(tenant="rival"), TOMORROW_9,
                 tenant="rival")
    assert rival.reference == "BK-000001"


def test_a_refused_booking_gives_its_reference_back(session, make_site, make_customer, book):
    """A booking refused after numbering rolls back with its number: no gap is left."""
    site, customer = make_site(capacity=1), make_customer()
    book(site, customer, TOMORROW_9)
    session.commit()
    with pytest.raises(SiteFull):
        book(site, customer, TOMORROW_9)
    session.rollback()
    assert book(site, customer, TOMORROW_9 + timedelta(days=1)).reference == "BK-000002"


def test_reference_format():
    """References are BK- and six digits."""
    assert (format_reference(1), format_reference(123456)) == ("BK-000001", "BK-123456")


def test_a_block_of_references_is_reserved_at_once(session):
    """Reserving 3 references hands out three consecutive ones."""
    assert reserve_references(session, TENANT, 3) == ["BK-000001", "BK-000002", "BK-000003"]
    assert reserve_references(session, TENANT) == ["BK-000004"]


@pytest.mark.parametrize("start, end, field, message", [
    (TOMORROW_9, TOMORROW_9, "ends_at", "after the start"),
    (TOMORROW_9, TOMORROW_9 - timedelta(hours=1), "ends_at", "after the start"),
    (TOMORROW_9, TOMORROW_9 + timedelta(days=32), "ends_at", "at most 31 days"),
    (NOW - timedelta(hours=3), NOW - timedelta(hours=1), "ends_at", "must end in the future"),
    (TOMORROW_9.replace(tzinfo=None), TOMORROW_9, "starts_at", "time zone"),
    (None, TOMORROW_9, "starts_at", "Enter a date and time"),
])
def test_booking_periods_are_checked(session, make_site, make_customer, start, end, field,
                                     message):
    """The end comes after the start, within 31 days, in the future, with time zones."""
    with pytest.raises(BookingRefused) as refused:
        services.create_booking(session, TENANT, make_site(), make_customer(), None, start,
                                end, actor="agent")
    assert message in refused.value.errors[field]


def test_another_tenants_site_customer_or_vehicle_cannot_be_booked(session, make_site,
                                                                   make_customer):
    """Rows of another tenant are unknown here: refused per field, nothing booked."""
    site, customer = make_site(tenant="rival"), make_customer(tenant="rival")
    with pytest.raises(BookingRefused) as refused:
        services.create_booking(session, TENANT, site, customer, customer.vehicles[0],
                                TOMORROW_9, TOMORROW_9 + timedelta(hours=1))
    assert set(refused.value.errors) == {"site_id", "customer_id", "vehicle_id"}


def test_the_vehicle_must_be_the_customers(session, make_site, make_customer):
    """Booking with somebody else's car is refused on the vehicle field."""
    ana, bob = make_customer(), make_customer(name="Bob", plate="2-XYZ-987")
    with pytest.raises(BookingRefused) as refused:
        services.create_booking(session, TENANT, make_site(), ana, bob.vehicles[0],
                                TOMORROW_9, TOMORROW_9 + timedelta(hours=1))
    assert refused.value.errors == {"vehicle_id": "2XYZ987 is not a vehicle of Ana Peeters."}


def test_unknown_kind_is_refused(session, make_site, make_customer):
    """Only booking and pre-booking exist."""
    with pytest.raises(BookingRefused) as refused:
        services.create_booking(session, TENANT, make_site(), make_customer(), None,
                                TOMORROW_9, TOMORROW_9 + timedelta(hours=1), kind="wish")
    assert "pre-booking" in refused.value.errors["kind"]


def test_a_full_site_refuses_an_overlapping_booking(session, make_site, make_customer, book):
    """With every space taken at some moment of the period, the booking is refused (409)."""
    site, customer = make_site(capacity=2), make_customer()
    book(site, customer, TOMORROW_9, hours=4)
    book(site, customer, TOMORROW_9 + timedelta(hours=2), hours=4)
    with pytest.raises(SiteFull, match="all 2 spaces are booked") as full:
        book(site, customer, TOMORROW_9 + timedelta(hours=3), hours=1)
    assert "03 Mar 2026 12:00" in str(full.value)     # told in the site's local time


def test_capacity_counts_the_busiest_moment_not_every_overlap(session, make_site,
                                                             make_customer, book):
    """Two bookings that overlap the new one but not each other leave a space free."""
    site, customer = make_site(capacity=2), make_customer()
    book(site, customer, TOMORROW_9, hours=1)
    book(site, customer, TOMORROW_9 + timedelta(hours=2), hours=1)
    assert book(site, customer, TOMORROW_9, hours=3).status == "confirmed"


def test_back_to_back_bookings_share_a_space(session, make_site, make_customer, book):
    """A booking may start exactly when another ends (half-open periods)."""
    site, customer = make_site(capacity=1), make_customer()
    book(site, customer, TOMORROW_9, hours=2)
    assert book(site, customer, TOMORROW_9 + timedelta(hours=2)).status == "confirmed"


@pytest.mark.parametrize("status, frees", [
    ("cancelled", True), ("no_show", True), ("deleted", True), ("completed", True),
    ("checked_in", False), ("confirmed", False)])
def test_only_confirmed_and_checked_in_bookings_hold_a_space(session, make_site, make_customer,
                                                            book, status, frees):
    """Cancelled, no-show, deleted or completed bookings free their space."""
    site, customer = make_site(capacity=1), make_customer()
    book(site, customer, TOMORROW_9).status = status
    if frees:
        assert book(site, customer, TOMORROW_9).status == "confirmed"
    else:
        with pytest.raises(SiteFull):
            book(site, customer, TOMORROW_9)


def test_capacity_is_per_site(session, make_site, make_customer, book):
    """A full site does not stop a booking at another site."""
    first, second, customer = make_site(capacity=1), make_site(capacity=1), make_customer()
    book(first, customer, TOMORROW_9)
    assert book(second, customer, TOMORROW_9).site is second


def test_a_blocked_customer_cannot_book(session, make_site, make_customer, book):
    """The penalties family's CustomerBlocked stops the booking before anything is written."""
    site, customer = make_site(capacity=5), make_customer()
    until = block_customer(session, book(site, customer, TOMORROW_9))
    with pytest.raises(CustomerBlocked) as refusal:
        book(site, customer, TOMORROW_9 + timedelta(days=1))
    assert refusal.value.until == until


def test_local_period_converts_the_sites_wall_clock(make_site):
    """Times typed for a Lisbon site are read in Lisbon time (UTC+0 in March)."""
    from datetime import datetime
    site = make_site(timezone="Europe/Lisbon", country="PT")
    assert services.local_period(site, datetime(2026, 3, 3, 9), datetime(2026, 3, 3, 11)) == \
        (utc(2026, 3, 3, 9), utc(2026, 3, 3, 11))


def test_local_period_refuses_a_time_that_does_not_exist(make_site):
    """02:30 on the spring-forward night is refused on its field."""
    from datetime import datetime
    with pytest.raises(BookingRefused) as refused:
        services.local_period(make_site(), datetime(2026, 3, 29, 2, 30),
                              datetime(2026, 3, 29, 5))
    assert list(refused.value.errors) == ["starts_at"]
