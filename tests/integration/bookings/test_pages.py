"""Booking pages: list with filters and pages, detail, new booking in the site's local time,
sites and customers with vehicles; roles and tenants respected."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from processes.bookings import services
from processes.bookings.models import Booking, Customer, Site

from .conftest import TOMORROW_9


def page(response):
    """The response's HTML."""
    return response.get_data(as_text=True)


def new_booking(world, **changes):
    """Form data for Ana's car in Brussels tomorrow 10:00-12:00 local time."""
    return {"site_id": world.brussels, "customer_id": world.ana, "vehicle_id": world.ana_car,
            "kind": "booking", "starts_at": "2026-03-03T10:00", "ends_at": "2026-03-03T12:00",
            **changes}


def stored(db):
    """Every booking of the demo tenant, fresh from the database."""
    db.rollback()
    return list(db.scalars(select(Booking).where(Booking.tenant == "demo")))


@pytest.mark.parametrize("user", ["agent", "supervisor", "admin"])
def test_staff_book_in_the_sites_local_time(client, login_as, world, db, user):
    """10:00 typed for a Brussels site is stored as 09:00 UTC; the detail page shows 10:00 CET."""
    login_as(user)
    response = client.post("/bookings/new", data=new_booking(world))
    [booking] = stored(db)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/bookings/{booking.id}"
    assert (booking.starts_at, booking.created_by) == (TOMORROW_9, user)
    detail = page(client.get(response.headers["Location"]))
    assert "Booking BK-000001 was created." in detail
    assert "Tue 3 Mar 2026, 10:00 CET" in detail and "1ABC234" in detail


def test_booking_detail_offers_the_penalty_actions(client, login_as, world, db):
    """The detail page shows the Cancel and Check-in controls the penalties family renders."""
    login_as("agent")
    client.post("/bookings/new", data=new_booking(world))
    [booking] = stored(db)
    detail = page(client.get(f"/bookings/{booking.id}"))
    assert "Cancel" in detail and "Check" in detail


def test_booking_detail_reports_an_occurrence_in_one_tap(client, login_as, world, db):
    """From the booking page an employee reports an occurrence with the booking prefilled,
    or lists the booking's occurrences."""
    login_as("agent")
    client.post("/bookings/new", data=new_booking(world))
    [booking] = stored(db)
    detail = page(client.get(f"/bookings/{booking.id}"))
    assert f'href="/occurrences/new?booking_id={booking.id}"' in detail
    assert f'href="/occurrences/?booking_id={booking.id}"' in detail
    form = page(client.get(f"/occurrences/new?booking_id={booking.id}"))
    assert booking.reference in form


def test_a_lisbon_booking_is_read_in_lisbon_time(client, login_as, world, db):
    """The same 10:00 typed for Lisbon is 10:00 UTC (Lisbon is on UTC in March)."""
    login_as("agent")
    client.post("/bookings/new", data=new_booking(world, site_id=world.lisbon))
    [booking] = stored(db)
    assert booking.starts_at == TOMORROW_9 + timedelta(hours=1)


@pytest.mark.parametrize("changes, message", [
    ({"ends_at": "2026-03-03T09:00"}, "The end must be after the start."),
    ({"starts_at": ""}, "Enter a date and time."),
    ({"site_id": "0"}, "Choose a site."),
    ({"vehicle_id": "2"}, "AA00AA is not a vehicle of Ana Peeters."),
    ({"starts_at": "2026-03-29T02:30", "ends_at": "2026-03-29T05:00"}, "clocks go forward"),
])
def test_refused_booking_form_shows_the_reason_and_keeps_input(client, login_as, world, db,
                                                              changes, message):
    """A refused booking re-renders the form (422) with the message; nothing is stored."""
    login_as("agent")
    response = client.post("/bookings/new", data=new_booking(world, **changes))
    assert response.status_code == 422
    assert message in page(response)
    assert stored(db) == []


def test_full_site_is_a_409_with_the_reason(client, login_as, world, db):
    """A third overlapping booking at a two-space site is refused with the local times."""
    login_as("agent")
    for _ in range(2):
        client.post("/bookings/new", data=new_booking(world))
    response = client.post("/bookings/new", data=new_booking(world))
    assert response.status_code == 409
    assert "all 2 spaces are booked" in page(response) and "03 Mar 2026 10:00" in page(response)
    assert len(stored(db)) == 2


@pytest.fixture
def many_bookings(db, world, clock):
    """30 future bookings in Lisbon, one running now in Brussels for Bob, one past for Ana."""
    for day in range(30):
        start = TOMORROW_9 + timedelta(days=day)
        services.create_booking(db, "demo", world.lisbon, world.ana, world.ana_car, start,
                                start + timedelta(hours=1))
    services.create_booking(db, "demo", world.brussels, world.bob, world.bob_car,
                            TOMORROW_9 - timedelta(days=1, hours=1), TOMORROW_9)
    db.commit()


def test_list_pages_and_filters(client, login_as, many_bookings, world):
    """25 a page with a link to the next; site, day and text filters narrow the list."""
    login_as("agent")
    first = page(client.get("/bookings/"))
    assert first.count('href="/bookings/') >= 25 and 'rel="next"' in first
    assert "BK-000026" in page(client.get("/bookings/?page=2"))
    today = page(client.get("/bookings/?when=today"))
    assert "BK-000031" in today and "BK-000001" not in today
    bobs = page(client.get("/bookings/?q=bob"))
    assert "BK-000031" in bobs and "BK-000002" not in bobs
    lisbon = page(client.get(f"/bookings/?site={world.lisbon}&when=future"))
    assert "BK-000001" in lisbon and "BK-000031" not in lisbon


def test_bad_filter_is_refused_with_a_message(client, login_as, world):
    """A filter value outside its choices is a 422 with the filter kept."""
    login_as("agent")
    response = client.get("/bookings/?status=lost")
    assert response.status_code == 422 and "Please correct the filter" in page(response)


def test_admin_creates_a_site(client, login_as, world, db):
    """The new site appears in the list with its time zone."""
    login_as("admin")
    response = client.post("/bookings/sites/new", data={
        "code": "waw-m", "name": "Warsaw Mokotów", "timezone": "Europe/Warsaw",
        "country": "PL", "capacity": "300"})
    assert response.status_code == 302
    assert "Warsaw Mokotów" in page(client.get("/bookings/sites"))
    db.rollback()
    assert db.scalar(select(Site.timezone).where(Site.code == "WAW-M")) == "Europe/Warsaw"


def test_a_taken_site_code_is_refused_on_its_field(client, login_as, world):
    """Codes are unique in the organisation."""
    login_as("admin")
    response = client.post("/bookings/sites/new", data={
        "code": "BRU-C", "name": "Again", "timezone": "Europe/Brussels", "country": "BE",
        "capacity": "5"})
    assert response.status_code == 422 and "already has the code BRU-C" in page(response)


def test_admin_creates_a_customer_with_a_car_and_sees_a_plate_warning(client, login_as, world,
                                                                      db):
    """A customer with an odd plate is created; the page warns about the plate."""
    login_as("admin")
    response = client.post("/bookings/customers/new", data={
        "name": "Carla Costa", "email": "carla@example.com", "language": "pt",
        "plate": "x-1", "country": "PT", "description": "old Beetle"})
    assert response.status_code == 302
    shown = page(client.get(response.headers["Location"]))
    assert "Customer Carla Costa was created." in shown
    assert "X1 does not look like a plate from PT" in shown


def test_a_refused_plate_keeps_the_customer_form(client, login_as, world, db):
    """A plate with odd characters is refused on the plate field; no customer is created."""
    login_as("admin")
    response = client.post("/bookings/customers/new", data={
        "name": "Dan", "language": "en", "plate": "1$2", "country": "BE"})
    assert response.status_code == 422 and "only letters and digits" in page(response)
    db.rollback()
    assert db.scalar(select(Customer).where(Customer.name == "Dan")) is None


def test_a_vehicle_is_added_to_a_customer(client, login_as, world):
    """The new plate is listed on the customer's page, normalised."""
    login_as("agent")
    response = client.post(f"/bookings/customers/{world.bob}/vehicles",
                           data={"plate": "bb-22-cc", "country": "PT"})
    assert response.status_code == 302
    assert "BB22CC" in page(client.get(f"/bookings/customers/{world.bob}"))


def test_customers_are_searchable_by_plate(client, login_as, world):
    """Searching 1-abc finds Ana by her car."""
    login_as("agent")
    found = page(client.get("/bookings/customers?q=1-abc"))
    assert "Ana Peeters" in found and "Bob Silva" not in found


@pytest.mark.parametrize("url", ["/bookings/", "/bookings/new", "/bookings/sites",
                                 "/bookings/customers", "/bookings/sites/new",
                                 "/bookings/customers/new"])
def test_designers_may_not_enter(client, login_as, world, url):
    """Bookings are for back-office staff, supervisors and admins: a designer gets 403."""
    login_as("designer")
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", ["/bookings/", "/bookings/new"])
def test_anonymous_users_are_sent_to_log_in(client, world, url):
    """Without a session the pages redirect to the login page."""
    response = client.get(url)
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_another_tenants_booking_and_customer_are_404(client, login_as, world):
    """The rival's booking and customer pages do not exist for demo users."""
    login_as("admin")
    assert client.get(f"/bookings/{world.rival_booking}").status_code == 404
    assert client.get(f"/bookings/customers/{world.rival_customer}").status_code == 404
    assert client.post(f"/bookings/customers/{world.rival_customer}/vehicles",
                       data={"plate": "1ABC234", "country": "BE"}).status_code == 404


def test_the_other_tenants_site_is_not_offered(client, login_as, world):
    """The new-booking form lists only the organisation's sites and customers."""
    login_as("agent")
    form = page(client.get("/bookings/new"))
    assert "Brussels Central" in form and "Rival" not in form and "Rita" not in form


def test_nav_shows_bookings_to_staff(client, login_as, world):
    """The top navigation links to Bookings for the agent."""
    login_as("agent")
    assert 'href="/bookings/"' in page(client.get("/bookings/sites"))
