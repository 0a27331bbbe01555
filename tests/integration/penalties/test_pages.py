"""The penalties pages: Cancel / Check-in on the booking page, the customer's infractions with
the contest form, and the admin's settings page (CSRF on, as in production)."""
import re

from .conftest import local


def booking_page(app, world, booking_id):
    """penalties/_booking_actions.html as the booking page includes it (with `booking`)."""
    from flask import render_template_string

    from processes.bookings.models import Booking
    from webapp.extensions import db
    # Not under /bookings: the bookings blueprint's own context needs a logged-in user.
    with app.test_request_context("/penalties/"):
        booking = db.session.get(Booking, booking_id)
        return render_template_string(
            "{% include 'penalties/_booking_actions.html' %}", booking=booking)


def test_cancel_button_is_disabled_with_the_reason_after_the_limit(app, world, clock):
    """After the limit the Cancel button is disabled and the reason is shown next to it."""
    booking_id = world.book("2026-03-02 11:00")
    html = booking_page(app, world, booking_id)
    assert re.search(r'id="cancel-button" disabled', html)
    assert "Too late to cancel" in html


def test_cancel_button_warns_when_it_costs_a_minor_infraction(app, client, login_as, world,
                                                              clock):
    """Outside the window the page warns before the customer's cancellation; posting records it."""
    login_as("agent")
    booking_id = world.book("2026-03-02 18:00")
    html = booking_page(app, world, booking_id)
    assert "Warning:" in html and "minor infraction" in html
    response = client.post(f"/bookings/{booking_id}/cancel", data={
        "by": "customer", "next": f"/bookings/{booking_id}"})
    assert (response.status_code, response.location) == (302, f"/bookings/{booking_id}")
    assert world.booking(booking_id).status == "cancelled"
    page = client.get(f"/penalties/customers/{world.alice}").get_data(as_text=True)
    assert "minor" in page and "Contest" in page


def test_cancel_without_csrf_token_is_refused(app, client, login_as, world, clock):
    """A forged cross-site POST changes nothing."""
    login_as("agent")
    app.config["WTF_CSRF_ENABLED"] = True    # after logging in: the test acts as a user
    booking_id = world.book("2026-03-02 18:00")
    response = client.post(f"/bookings/{booking_id}/cancel", data={"by": "customer"})
    assert response.status_code in (400, 422)
    assert world.booking(booking_id).status == "confirmed"


def test_refused_cancellation_page_answers_409_with_the_reason(client, login_as, world, clock):
    """A stale page posting after the limit gets 409 and the reason; nothing changes."""
    login_as("agent")
    booking_id = world.book("2026-03-02 11:00")
    response = client.post(f"/bookings/{booking_id}/cancel", data={"by": "customer"})
    assert response.status_code == 409
    assert "Too late to cancel" in response.get_data(as_text=True)


def test_staff_cancel_from_the_page_is_never_penalised(client, login_as, world, clock):
    """The staff form needs a note and records no infraction."""
    login_as("admin")
    booking_id = world.book("2026-03-02 11:00")
    assert client.post(f"/bookings/{booking_id}/cancel",
                       data={"by": "staff"}).status_code == 422
    response = client.post(f"/bookings/{booking_id}/cancel",
                           data={"by": "staff", "note": "site closed"})
    assert response.status_code == 302
    assert world.booking(booking_id).status == "cancelled"
    assert "No infraction." in client.get(f"/penalties/customers/{world.alice}").get_data(
        as_text=True)


def test_check_in_button_checks_the_booking_in(client, login_as, world, clock):
    """Check-in from the page 30 minutes before the start."""
    login_as("agent")
    booking_id = world.book("2026-03-02 10:30")
    assert 'id="check-in-button" disabled' not in booking_page(client.application, world,
                                                               booking_id)
    client.post(f"/bookings/{booking_id}/check-in", data={"next": f"/bookings/{booking_id}"})
    assert world.booking(booking_id).status == "checked_in"


def test_contest_from_the_back_office_opens_a_review(client, login_as, world, clock):
    """The contest form with a reason opens the review; without one it asks for it."""
    login_as("agent")
    booking_id = world.book("2026-03-02 18:00")
    client.post(f"/bookings/{booking_id}/cancel", data={"by": "customer"})
    world.run()
    from processes.penalties.models import Infraction
    with world.session() as session:
        infraction_id = session.query(Infraction.id).scalar()
    empty = client.post(f"/penalties/infractions/{infraction_id}/contest", data={"reason": ""})
    assert empty.status_code == 422
    assert "Say why the customer contests" in empty.get_data(as_text=True)
    done = client.post(f"/penalties/infractions/{infraction_id}/contest",
                       data={"reason": "Sick child"}, follow_redirects=True)
    assert "review task" in done.get_data(as_text=True)
    world.run()          # the process marks it contested, then opens the review
    assert [t.name for t in world.eng.open_tasks("demo", roles=["back-office"])] == [
        "Review contested infraction"]


def test_settings_page_is_for_admins_and_shows_messages_per_field(client, login_as, world):
    """Agents get 403; an admin's refused input re-renders with messages, good input saves."""
    login_as("agent")
    assert client.get("/penalties/settings").status_code == 403
    client.post("/auth/logout")
    login_as("admin")
    page = client.get("/penalties/settings").get_data(as_text=True)
    assert "{booking_reference}" in page
    data = {"cancel_limit_hours": "2", "free_window_start": "7am", "free_window_end": "09:00",
            "max_minor_infractions": "3", "check_in_grace_minutes": "15", "block_days": "7",
            "minor_subject": "Minor {booking_reference}", "minor_body": "Body {bogus}",
            "major_subject": "Major", "major_body": "Blocked until {blocked_until}"}
    refused = client.post("/penalties/settings", data=data)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Enter a time of day as HH:MM" in html and "Unknown placeholder {bogus}" in html
    data.update(free_window_start="06:00", minor_body="Hello {customer_name}")
    assert client.post("/penalties/settings", data=data).status_code == 302
    assert 'value="06:00"' in client.get("/penalties/settings").get_data(as_text=True)


def test_penalties_list_shows_recent_infractions(client, login_as, world, clock):
    """The Penalties page lists infractions with customer and booking."""
    world.book("2026-03-02 10:00")
    clock.move_to(local("2026-03-02 10:15"))
    world.run()
    login_as("supervisor")
    html = client.get("/penalties/").get_data(as_text=True)
    assert "Alice Martin" in html and "major" in html


def test_customer_page_shows_the_block_end_in_the_sites_time(client, login_as, world, clock):
    """A no-show at a Brussels car park: the block's end reads on Brussels' clock, as the
    e-mail says, not in UTC."""
    login_as("agent")
    world.book("2026-03-02 18:00")
    clock.move_to(local("2026-03-02 18:15"))
    world.run()
    page = client.get(f"/penalties/customers/{world.alice}").get_data(as_text=True)
    assert "Blocked by a major infraction until Mon 9 Mar 2026, 18:15 CET" in page
    assert "UTC" not in page
