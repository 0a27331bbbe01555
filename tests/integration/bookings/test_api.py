"""Bookings API: create and read bookings, sites and customers; 422 per field, 409 with the
reason (full site, blocked customer), another tenant's ids are 404."""
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from processes.bookings.models import Customer
from processes.bookings.services import get_booking
from tests.unit.bookings.helpers import block_customer

from .conftest import TOMORROW_9

API = "/api/v1"
LIBRARY = Path(__file__).resolve().parents[3] / "library"


def iso(moment):
    """A UTC moment as the API writes it."""
    return moment.isoformat().replace("+00:00", "Z")


def booking_body(world, start=TOMORROW_9, hours=2, **changes):
    """A valid booking request for Ana's car in Brussels."""
    return {"site_id": world.brussels, "customer_id": world.ana, "vehicle_id": world.ana_car,
            "starts_at": iso(start), "ends_at": iso(start + timedelta(hours=hours)), **changes}


@pytest.fixture
def agent(api):
    """The back-office agent's token name."""
    api.login("agent")
    return "agent"


def test_create_booking_answers_201_with_reference_and_local_times(api, agent, world):
    """A booking is confirmed with BK-000001; times come back in UTC and at the site."""
    response = api.post(f"{API}/bookings", agent, json=booking_body(world))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["reference"], body["status"], body["kind"]) == ("BK-000001", "confirmed",
                                                                 "booking")
    assert body["starts_at"] == "2026-03-03T09:00:00Z"
    assert body["local_starts_at"] == "2026-03-03T10:00:00+01:00"
    assert body["vehicle"]["plate"] == "1ABC234" and body["created_by"] == "agent"
    assert response.headers["Location"] == f"{API}/bookings/{body['id']}"
    assert api.get(response.headers["Location"], agent).get_json() == body


def test_times_with_an_offset_are_understood(api, agent, world):
    """10:00+01:00 is 09:00 UTC."""
    body = booking_body(world, starts_at="2026-03-03T10:00:00+01:00",
                        ends_at="2026-03-03T12:00:00+01:00")
    assert api.post(f"{API}/bookings", agent, json=body).get_json()["starts_at"] == \
        "2026-03-03T09:00:00Z"


@pytest.mark.parametrize("changes, field", [
    ({"site_id": None}, "site_id"),
    ({"starts_at": "tomorrow at nine"}, "starts_at"),
    ({"starts_at": "2026-03-03T09:00:00"}, "starts_at"),
    ({"ends_at": iso(TOMORROW_9 - timedelta(hours=1))}, "ends_at"),
    ({"kind": "wish"}, "kind"),
    ({"vehicle_id": 999}, "vehicle_id"),
    ({"colour": "red"}, "colour"),
])
def test_bad_booking_fields_are_422_per_field(api, agent, world, changes, field):
    """Each refused field is named with a message; nothing is booked."""
    response = api.post(f"{API}/bookings", agent, json=booking_body(world, **changes))
    assert response.status_code == 422
    assert field in response.get_json()["fields"]
    assert api.get(f"{API}/bookings", agent).get_json()["bookings"] == []


def test_another_tenants_site_cannot_be_booked(api, agent, world):
    """The rival's site id is refused like an unknown one."""
    response = api.post(f"{API}/bookings", agent,
                        json=booking_body(world, site_id=world.rival_site))
    assert response.status_code == 422
    assert response.get_json()["fields"] == {"site_id": "Choose one of your sites."}


def test_a_full_site_answers_409(api, agent, world):
    """With both Brussels spaces taken, a third overlapping booking is 409 with the reason."""
    for _ in range(2):
        assert api.post(f"{API}/bookings", agent, json=booking_body(world)).status_code == 201
    response = api.post(f"{API}/bookings", agent, json=booking_body(world, hours=1))
    assert response.status_code == 409
    assert "all 2 spaces are booked" in response.get_json()["error"]


def test_a_blocked_customer_answers_409_with_the_blocks_end(api, agent, world, db):
    """A customer under a major-infraction block gets 409 and `blocked_until`."""
    created = api.post(f"{API}/bookings", agent, json=booking_body(world)).get_json()
    db.rollback()   # a fresh snapshot: see what the app committed
    until = block_customer(db, get_booking(db, "demo", created["id"]))
    db.commit()
    response = api.post(f"{API}/bookings", agent,
                        json=booking_body(world, start=TOMORROW_9 + timedelta(days=1)))
    assert response.status_code == 409
    assert response.get_json()["blocked_until"] == iso(until)
    assert "blocked" in response.get_json()["error"]


def test_a_booking_starts_its_cancellation_penalty_process(api, agent, world, eng):
    """With the library deployed, a new booking has a running process keyed by its reference."""
    source = LIBRARY / "cancellation_penalty.bpmn"
    eng.deploy(source.read_bytes(), source.name, "demo")
    reference = api.post(f"{API}/bookings", agent, json=booking_body(world)).get_json()[
        "reference"]
    [instance] = eng.instances("demo")
    assert (instance.process_key, instance.business_key, instance.status) == (
        "cancellation_penalty", reference, "running")


@pytest.fixture
def three_bookings(api, agent, world, clock):
    """Yesterday's booking (made yesterday), today's in Lisbon and tomorrow's in Brussels."""
    clock.shift(timedelta(days=-1))
    past = api.post(f"{API}/bookings", agent, json=booking_body(
        world, start=TOMORROW_9 - timedelta(days=2, hours=-1))).get_json()
    clock.shift(timedelta(days=1))
    today = api.post(f"{API}/bookings", agent, json=booking_body(
        world, site_id=world.lisbon, customer_id=world.bob, vehicle_id=world.bob_car,
        start=TOMORROW_9 - timedelta(hours=20))).get_json()
    future = api.post(f"{API}/bookings", agent, json=booking_body(world)).get_json()
    return {"past": past["reference"], "today": today["reference"],
            "future": future["reference"]}


def references(api, query):
    """References of the first page of GET /bookings?query."""
    response = api.get(f"{API}/bookings?{query}", "agent")
    assert response.status_code == 200, response.get_json()
    return [b["reference"] for b in response.get_json()["bookings"]]


def test_list_filters_by_day_at_the_site(api, three_bookings):
    """past / today / future follow the site's calendar day."""
    assert references(api, "when=past") == [three_bookings["past"]]
    assert references(api, "when=today") == [three_bookings["today"]]
    assert references(api, "when=future") == [three_bookings["future"]]


def test_list_filters_by_site_customer_status_and_text(api, world, three_bookings):
    """Site, customer, status and a text in the reference, name or plate narrow the list."""
    assert references(api, f"site={world.lisbon}") == [three_bookings["today"]]
    assert len(references(api, f"customer={world.ana}")) == 2
    assert references(api, "status=cancelled") == []
    assert references(api, "q=aa00") == [three_bookings["today"]]
    assert references(api, "q=bob") == [three_bookings["today"]]


@pytest.mark.parametrize("query, field", [
    ("status=lost", "status"), ("when=yesterday", "when"), ("page=0", "page"),
    ("site=abc", "site")])
def test_bad_list_filters_are_422(api, agent, world, query, field):
    """A filter value that means nothing is refused on its field."""
    response = api.get(f"{API}/bookings?{query}", agent)
    assert response.status_code == 422 and field in response.get_json()["fields"]


def test_list_pages(api, agent, world):
    """26 bookings: page 1 holds 25 and points to page 2, which holds the last one."""
    for day in range(26):
        body = booking_body(world, site_id=world.lisbon, start=TOMORROW_9 + timedelta(days=day))
        assert api.post(f"{API}/bookings", agent, json=body).status_code == 201
    first = api.get(f"{API}/bookings", agent).get_json()
    assert (len(first["bookings"]), first["next_page"]) == (25, 2)
    second = api.get(f"{API}/bookings?page=2", agent).get_json()
    assert (len(second["bookings"]), second["next_page"]) == (1, None)


def test_sites_are_created_and_listed_per_tenant(api, agent, world):
    """A new site is listed with the tenant's others, never the rival's."""
    response = api.post(f"{API}/sites", agent, json={
        "code": "waw-m", "name": "Warsaw Mokotów", "timezone": "Europe/Warsaw",
        "country": "pl", "capacity": 300})
    assert response.status_code == 201
    assert response.get_json()["code"] == "WAW-M" and response.get_json()["country"] == "PL"
    codes = [s["code"] for s in api.get(f"{API}/sites", agent).get_json()["sites"]]
    assert codes == ["BRU-C", "LIS-O", "WAW-M"]


@pytest.mark.parametrize("changes, field", [
    ({"timezone": "Mars/Olympus"}, "timezone"), ({"capacity": 0}, "capacity"),
    ({"capacity": "many"}, "capacity"), ({"code": "BRU-C"}, "code")])
def test_bad_site_fields_are_422(api, agent, world, changes, field):
    """An unknown zone, a capacity under 1 or a taken code are refused per field."""
    body = {"code": "NEW", "name": "New", "timezone": "Europe/Brussels", "country": "BE",
            "capacity": 10, **changes}
    response = api.post(f"{API}/sites", agent, json=body)
    assert response.status_code == 422 and field in response.get_json()["fields"]


def test_customer_with_vehicles_warns_about_an_odd_plate(api, agent, world):
    """Plates are normalised; one of an unknown format is kept with a warning."""
    response = api.post(f"{API}/customers", agent, json={
        "name": "Carla Costa", "email": "carla@example.com", "language": "pt",
        "vehicles": [{"plate": "aa-12-bb", "country": "PT"},
                     {"plate": "X 1", "country": "PT", "description": "old Beetle"}]})
    assert response.status_code == 201
    body = response.get_json()
    assert [(v["plate"], v["warning"] is None) for v in body["vehicles"]] == [
        ("AA12BB", True), ("X1", False)]
    assert api.get(response.headers["Location"], agent).get_json() == body


@pytest.mark.parametrize("vehicles, field", [
    ([{"plate": "", "country": "BE"}], "vehicles[0].plate"),
    ([{"plate": "1-ABC-234", "country": "BE"}, {"plate": "1$", "country": "BE"}],
     "vehicles[1].plate"),
    ([{"plate": "1-ABC-234"}], "vehicles[0].country"),
    ("1-ABC-234", "vehicles"),
])
def test_bad_vehicles_are_422_and_nothing_is_created(api, agent, world, vehicles, field, db):
    """A refused vehicle is named by its position; the customer is not created either."""
    response = api.post(f"{API}/customers", agent, json={"name": "Dan", "vehicles": vehicles})
    assert response.status_code == 422 and field in response.get_json()["fields"]
    db.rollback()
    assert db.scalars(select(Customer.name).where(Customer.name == "Dan")).all() == []


@pytest.mark.parametrize("path", ["/bookings/{booking}", "/customers/{customer}"])
def test_another_tenants_ids_are_404(api, agent, world, path):
    """The rival's booking and customer are not found."""
    url = API + path.format(booking=world.rival_booking, customer=world.rival_customer)
    assert api.get(url, agent).status_code == 404
