"""Review of issue #4 on the penalties pages: another tenant's ids are 404, every POST form
needs its CSRF token, and only staff roles reach the pages (admins for the settings)."""
import pytest
from sqlalchemy import select

from engine import clock as engine_clock
from processes.bookings.models import Booking, Customer, Site
from processes.penalties.models import Infraction, PenaltySettings

from .conftest import local


@pytest.fixture
def rival(world):
    """Tenant rival: a site, a customer, a booking and a minor infraction (ids)."""
    with world.session() as session:
        site = Site(tenant="rival", code="RIV", name="Rival", timezone="Europe/Paris",
                    country="FR", capacity=5)
        customer = Customer(tenant="rival", name="Rita", created_at=engine_clock.now())
        session.add_all([site, customer])
        session.flush()
        booking = Booking(tenant="rival", reference="BK-R00001", kind="booking",
                          site_id=site.id, customer_id=customer.id,
                          starts_at=local("2026-03-02 18:00"), ends_at=local("2026-03-02 20:00"),
                          status="confirmed", created_at=engine_clock.now(), created_by="x")
        session.add(booking)
        session.flush()
        infraction = Infraction(tenant="rival", customer_id=customer.id, booking_id=booking.id,
                                kind="minor", cause="late_cancellation", reason="late",
                                created_at=engine_clock.now(), created_by="x")
        session.add(infraction)
        session.commit()
        return {"customer": customer.id, "booking": booking.id, "infraction": infraction.id}


def test_another_tenants_booking_customer_and_infraction_are_404_on_the_pages(
        client, login_as, world, rival, clock):
    """Cancel, check-in, the customer page and contest answer 404 and change nothing."""
    login_as("admin")
    here = {"next": "/penalties/"}
    assert client.get(f"/penalties/customers/{rival['customer']}").status_code == 404
    assert client.post(f"/bookings/{rival['booking']}/cancel",
                       data={"by": "customer", **here}).status_code == 404
    assert client.post(f"/bookings/{rival['booking']}/cancel",
                       data={"by": "staff", "note": "x", **here}).status_code == 404
    assert client.post(f"/bookings/{rival['booking']}/check-in", data=here).status_code == 404
    assert client.post(f"/penalties/infractions/{rival['infraction']}/contest",
                       data={"reason": "not mine"}).status_code == 404
    assert "Rita" not in client.get("/penalties/").get_data(as_text=True)
    with world.session() as session:
        assert session.get(Booking, rival["booking"]).status == "confirmed"
        assert session.get(Infraction, rival["infraction"]).status == "active"


def test_every_penalties_form_refuses_a_post_without_its_csrf_token(
        app, client, login_as, world, clock):
    """Logged-in admin, CSRF on as in production: check-in, cancel, contest and settings
    posted without the token answer 400 and change nothing."""
    booking_id = world.book("2026-03-02 10:30")
    clock.move_to(local("2026-03-02 10:00"))
    with world.session() as session:
        session.add(Infraction(tenant="demo", customer_id=world.alice, booking_id=booking_id,
                               kind="minor", cause="late_cancellation", reason="late",
                               created_at=engine_clock.now(), created_by="x"))
        session.commit()
        infraction_id = session.scalar(select(Infraction.id))
    login_as("admin")
    app.config["WTF_CSRF_ENABLED"] = True            # after logging in (the login form has one)
    posts = [(f"/bookings/{booking_id}/check-in", {}),
             (f"/bookings/{booking_id}/cancel", {"by": "customer"}),
             (f"/bookings/{booking_id}/cancel", {"by": "staff", "note": "forged"}),
             (f"/penalties/infractions/{infraction_id}/contest", {"reason": "forged"}),
             ("/penalties/settings", {"block_days": "365"})]
    for url, data in posts:
        response = client.post(url, data=data)
        assert response.status_code == 400, url
        assert "nothing was saved" in response.get_data(as_text=True)
    assert world.booking(booking_id).status == "confirmed"
    with world.session() as session:
        assert session.get(Infraction, infraction_id).status == "active"
        assert session.scalars(select(PenaltySettings)).all() == []


@pytest.mark.parametrize("username, url, code", [
    ("designer", "/penalties/", 403),
    ("designer", "/penalties/settings", 403),
    ("agent", "/penalties/settings", 403),
    ("supervisor", "/penalties/settings", 403),
    ("admin", "/penalties/settings", 200),
])
def test_penalty_pages_are_for_staff_and_settings_for_admins(client, login_as, world, username,
                                                            url, code):
    """Designers see no penalties; only admins change the settings."""
    login_as(username)
    assert client.get(url).status_code == code


def test_designers_can_neither_cancel_nor_check_in(client, login_as, world, clock):
    """A designer's POST to the booking actions is 403 and changes nothing."""
    booking_id = world.book("2026-03-02 10:30")
    login_as("designer")
    assert client.post(f"/bookings/{booking_id}/cancel",
                       data={"by": "staff", "note": "x"}).status_code == 403
    assert client.post(f"/bookings/{booking_id}/check-in").status_code == 403
    assert world.booking(booking_id).status == "confirmed"


def test_anonymous_visitors_are_sent_to_log_in(client, world):
    """No session: the login page, never an action."""
    response = client.post("/bookings/1/cancel", data={"by": "customer"})
    assert response.status_code == 302 and "/auth/login" in response.location
