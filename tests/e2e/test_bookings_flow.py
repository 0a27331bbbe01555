"""Bookings in real headless Chromium: an agent books in the site's local time, then checks in
or cancels; the page warns before a cancellation that costs a minor infraction and disables
Cancel (with the reason) once the limit has passed.

The demo world's clock stands at Monday 2 March 2026, 10:05 in Brussels (DEMO_NOW): outside the
default no-infraction window 07:00-09:00, and cancelling closes 2 h before the start.
"""
import re

from sqlalchemy import select

from processes.bookings.models import Booking, Customer

from .conftest import log_in, sync_api

expect = sync_api.expect
SITE = "Brussels Central (Europe/Brussels)"


def _customer(demo_site, email):
    """(option label, id, first plate label) of a demo customer, as the booking form lists it."""
    def look_up(session):
        found = session.scalar(select(Customer).where(Customer.tenant == "demo",
                                                      Customer.email == email))
        vehicle = found.vehicles[0]
        return f"{found.name} — {found.email}", found.id, f"{vehicle.plate} ({vehicle.country})"
    return demo_site.query(look_up)


def _book(page, demo_site, email, starts, ends):
    """Book from the list's "New booking…" button; returns to the new booking's page."""
    customer, _id, vehicle = _customer(demo_site, email)
    page.goto(f"{demo_site.url}/bookings/")
    page.get_by_role("link", name="New booking…").click()
    expect(page.get_by_role("heading", name="New booking")).to_be_visible()
    page.get_by_role("combobox", name="Site", exact=True).select_option(label=SITE)
    page.get_by_role("combobox", name="Customer", exact=True).select_option(label=customer)
    page.get_by_role("combobox", name="Vehicle", exact=True).select_option(label=vehicle)
    page.get_by_label("Starts (site's local time)").fill(starts)
    page.get_by_label("Ends (site's local time)").fill(ends)
    page.get_by_role("button", name="Book").click()
    expect(page.locator(".flash-info")).to_contain_text(re.compile(r"Booking \S+ was created"))
    return page.locator("h1").inner_text().split()[0]


def test_agent_books_in_site_time_checks_in_and_cannot_cancel_after_the_limit(
        page, demo_site, screenshot):
    """11:00 today: check-in is open (from 09:00), cancelling closed at 09:00 (2 h before)."""
    log_in(page, demo_site.url, "agent")
    page.get_by_role("navigation").get_by_role("link", name="Bookings").click()
    expect(page.get_by_role("heading", name="Bookings", exact=True).first).to_be_visible()
    expect(page.locator("table tbody tr").first).to_be_visible()
    screenshot(page, "bookings-list-desktop")
    page.set_viewport_size({"width": 768, "height": 1024})
    screenshot(page, "bookings-list-tablet")
    page.set_viewport_size({"width": 1280, "height": 800})

    reference = _book(page, demo_site, "lucas.peeters0@example.com",
                      "2026-03-02T11:00", "2026-03-02T13:00")
    expect(page.locator("dd time").first).to_have_text("Mon 2 Mar 2026, 11:00 CET")
    stored = demo_site.query(lambda s: s.scalar(select(Booking).where(
        Booking.reference == reference)))
    assert stored.starts_at.isoformat() == "2026-03-02T10:00:00+00:00"   # 11:00 CET in UTC

    cancel = page.locator("#cancel-button")
    expect(cancel).to_be_disabled()
    expect(page.locator("#cancel-reason")).to_contain_text(
        "Too late to cancel: bookings can be cancelled up to 2 h before the start")
    expect(page.locator("#cancel-reason")).to_contain_text("09:00")
    screenshot(page, "booking-cancel-closed")

    page.get_by_role("button", name="Check in").click()
    expect(page.locator(".flash-info")).to_have_text(f"Booking {reference} checked in.")
    expect(page.locator("h1 .status")).to_have_text("Checked in")
    expect(page.locator("dl.facts")).to_contain_text("Checked in")
    expect(page.get_by_role("button", name="Check in")).to_be_disabled()


def test_cancelling_outside_the_free_window_warns_of_a_minor_infraction_first(
        page, demo_site, screenshot):
    """14:00 today, cancelled at 10:05: allowed, but the warning shows before the click and the
    cancellation records a minor infraction for the customer."""
    log_in(page, demo_site.url, "agent")
    reference = _book(page, demo_site, "emma.dubois1@example.com",
                      "2026-03-02T14:00", "2026-03-02T16:00")

    warning = page.locator("#cancel-reason")
    expect(warning).to_have_class(re.compile(r"\bflash-warning\b"))
    expect(warning).to_contain_text("Warning:")
    expect(warning).to_contain_text("outside the no-infraction window (07:00")
    expect(warning).to_contain_text("it is a minor infraction")
    expect(page.locator("#check-in-button")).to_be_disabled()
    expect(page.locator("#check-in-reason")).to_contain_text("Check-in opens on")
    cancel = page.get_by_role("button", name="Cancel at the customer's request")
    expect(cancel).to_be_enabled()
    screenshot(page, "booking-cancel-warning")

    cancel.click()
    expect(page.locator(".flash-warning").first).to_contain_text(
        f"Booking {reference} cancelled.")
    expect(page.locator("h1 .status")).to_have_text("Cancelled")
    expect(page.locator("#cancel-button")).to_be_disabled()

    page.get_by_role("link", name="Infractions of this customer").click()
    expect(page.locator("main")).to_contain_text(reference)
    expect(page.locator("main")).to_contain_text(re.compile(r"minor", re.I))
    screenshot(page, "booking-customer-infractions")
