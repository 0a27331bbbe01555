"""Review of issue #4: every POST form of the booking pages needs its CSRF token (a forged
cross-site POST creates nothing), and a stale form posted after logging out gets the
"form expired" page, not a crash."""
from sqlalchemy import func, select

from processes.bookings.models import Booking, Customer, Site, Vehicle


def counts(db):
    """How many sites, customers, vehicles and bookings the demo tenant has."""
    db.rollback()
    return [db.scalar(select(func.count()).select_from(model).where(model.tenant == "demo"))
            for model in (Site, Customer, Vehicle, Booking)]


def posts(world):
    """(url, form data without its token) of every POST form of the booking pages."""
    return [
        ("/bookings/new", {"site_id": world.brussels, "customer_id": world.ana,
                           "kind": "booking", "starts_at": "2026-03-03T10:00",
                           "ends_at": "2026-03-03T12:00"}),
        ("/bookings/sites/new", {"code": "GHT", "name": "Ghent", "timezone": "Europe/Brussels",
                                 "country": "BE", "capacity": "10"}),
        ("/bookings/customers/new", {"name": "Forged", "language": "en"}),
        (f"/bookings/customers/{world.ana}/vehicles", {"plate": "2-XYZ-345", "country": "BE"}),
    ]


def test_every_booking_form_refuses_a_post_without_its_csrf_token(app, client, login_as,
                                                                   world, db):
    """Logged-in admin, CSRF on: 400 without the token on each form, nothing created."""
    login_as("admin")
    app.config["WTF_CSRF_ENABLED"] = True
    before = counts(db)
    for url, data in posts(world):
        response = client.post(url, data=data)
        assert response.status_code == 400, url
        assert "nothing was saved" in response.get_data(as_text=True)
    assert counts(db) == before


def test_a_stale_booking_form_posted_after_logout_gets_the_expired_page_not_a_crash(
        app, client, world, db):
    """No session, no token (the session expired): 400 "form expired", never a 500."""
    app.config["WTF_CSRF_ENABLED"] = True
    before = counts(db)
    for url, data in posts(world):
        response = client.post(url, data=data)
        assert response.status_code == 400, url
        assert "nothing was saved" in response.get_data(as_text=True)
    assert counts(db) == before
