"""Rules of seed 001 ("Parking penalties") that the other penalty tests did not name yet:
every configurable parameter drives the behaviour, pre-bookings follow the same rules,
e-mails follow the infraction's type, and a penalised customer cannot use the car park.
Real engine, library BPMN, real SMTP server, frozen clock; site time Europe/Brussels."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from processes.bookings import services as bookings
from processes.penalties import service, settings
from processes.penalties.errors import CancellationRefused, CheckInRefused, CustomerBlocked
from processes.penalties.models import Block, Infraction
from tests.integration.api.conftest import Api

from .conftest import TENANT, local


def configure(world, **changes):
    """What the admin page / PUT /api/v1/settings/penalties does."""
    with world.eng.transaction() as session:
        settings.update(session, TENANT, changes, "admin")


def kinds(world, customer_id):
    """Kinds of the customer's infractions, oldest first."""
    with world.session() as session:
        return list(session.scalars(select(Infraction.kind).where(
            Infraction.customer_id == customer_id).order_by(Infraction.id)))


def mails(smtp):
    """(subject, body) of every mail the server accepted."""
    return [(mail["Subject"], mail.get_content().strip()) for _, mail in smtp.inbox.received]


# -- "apply to both algorithm-based and non-algorithm scenarios" -----------------------------

@pytest.mark.parametrize("now, outcome", [
    ("2026-03-02 08:00", None),          # inside the 07:00-09:00 window: free
    ("2026-03-02 12:00", "minor"),       # outside the window, before the limit
    ("2026-03-02 16:00", "refused"),     # at the 2 h limit
])
def test_pre_booking_cancellation_follows_the_same_rules_as_a_booking(world, clock, now,
                                                                       outcome):
    """An allocated pre-booking is cancelled under the same window, limit and infractions."""
    clock.move_to(local("2026-03-02 06:00"))
    pre_booking = world.book("2026-03-02 18:00", kind="pre-booking")
    clock.move_to(local(now))
    if outcome == "refused":
        with pytest.raises(CancellationRefused, match="Too late to cancel"):
            service.cancel_booking(world.eng, TENANT, pre_booking, "agent")
        assert world.booking(pre_booking).status == "confirmed"
    else:
        done = service.cancel_booking(world.eng, TENANT, pre_booking, "agent")
        assert (done.status, done.infraction_kind) == ("cancelled", outcome)


def test_pre_booking_without_check_in_is_a_major_infraction_too(world, clock):
    """The no-show rule covers pre-bookings: start + grace without check-in is major."""
    pre_booking = world.book("2026-03-02 18:00", kind="pre-booking")
    clock.move_to(local("2026-03-02 18:15"))
    world.run()
    assert world.booking(pre_booking).status == "no_show"
    assert kinds(world, world.alice) == ["major"]


# -- "Maximum hours to cancel a reservation" (admin setting) ---------------------------------

def test_maximum_hours_to_cancel_is_the_admins_setting(world, clock):
    """With 24 h set, cancelling 25 h before the start is allowed and 23 h before refused."""
    configure(world, cancel_limit_hours=24)
    clock.move_to(local("2026-03-02 06:00"))
    early, late = world.book("2026-03-03 08:00"), world.book("2026-03-03 05:00")
    clock.move_to(local("2026-03-02 07:00"))        # inside the window: free if allowed
    assert service.cancel_booking(world.eng, TENANT, early, "agent").infraction_kind is None
    with pytest.raises(CancellationRefused, match="24 h before the start"):
        service.cancel_booking(world.eng, TENANT, late, "agent")
    with world.session() as session:
        preview = service.cancellation_preview(session, service.get_booking(session, TENANT,
                                                                            late))
    assert not preview.allowed and "24 h before the start" in preview.reason


# -- "Maximum number of first-degree infractions" (admin setting) ----------------------------

@pytest.mark.parametrize("maximum", [0, 1, 2])
def test_maximum_number_of_minor_infractions_is_the_admins_setting(world, clock, maximum):
    """A customer may hold `maximum` minors; the next late cancellation is major and blocks."""
    configure(world, max_minor_infractions=maximum)
    clock.move_to(local("2026-03-02 06:00"))
    late = [world.book(f"2026-03-0{2 + day} 18:00") for day in range(maximum + 1)]
    clock.move_to(local("2026-03-02 12:00"))
    outcomes = [service.cancel_booking(world.eng, TENANT, b, "agent") for b in late]
    assert [o.infraction_kind for o in outcomes] == ["minor"] * maximum + ["major"]
    assert outcomes[-1].escalated
    assert outcomes[-1].blocked_until == local("2026-03-09 12:00")


# -- "If the user does not complete check-in within the allowed time" ------------------------

def test_check_in_allowed_time_is_the_admins_grace_period(world, clock):
    """With 30 min grace: check-in still works at 18:20, the no-show comes at 18:30 only."""
    configure(world, check_in_grace_minutes=30)
    used, missed = world.book("2026-03-02 18:00"), world.book("2026-03-02 18:00",
                                                              customer=world.bob)
    clock.move_to(local("2026-03-02 18:20"))
    world.run()
    service.check_in_booking(world.eng, TENANT, used, "agent")
    clock.move_to(local("2026-03-02 18:29:59"))
    world.run()
    assert kinds(world, world.bob) == []
    clock.move_to(local("2026-03-02 18:30"))
    world.run()
    assert kinds(world, world.bob) == ["major"] and kinds(world, world.alice) == []
    assert world.booking(missed).status == "no_show"
    with pytest.raises(CheckInRefused, match="no-show"):
        service.check_in_booking(world.eng, TENANT, missed, "agent")


# -- "applying a block according to the configuration" ---------------------------------------

def test_block_lasts_the_admins_configured_duration(world, clock):
    """With 3 block days a no-show at 18:15 blocks until 18:15 three days later, no longer."""
    configure(world, block_days=3)
    world.book("2026-03-02 18:00")
    clock.move_to(local("2026-03-02 18:15"))
    world.run()
    with world.session() as session:
        block = session.scalar(select(Block))
        assert (block.starts_at, block.ends_at) == (local("2026-03-02 18:15"),
                                                    local("2026-03-05 18:15"))
    clock.move_to(local("2026-03-05 18:15"))
    with world.session() as session:
        service.check_not_blocked(session, TENANT, world.alice, local("2026-03-06 08:00"),
                                  local("2026-03-06 18:00"))


# -- "no penalized user can access the parking lot during the sanction period" ---------------

@pytest.mark.parametrize("kind", ["booking", "pre-booking"])
def test_penalised_customer_cannot_book_or_pre_book_during_the_block(world, clock, kind):
    """Blocked: create_booking refuses a booking and a pre-booking, naming the block's end."""
    world.book("2026-03-02 10:00")
    clock.move_to(local("2026-03-02 10:15"))
    world.run()
    with world.eng.transaction() as session:
        with pytest.raises(CustomerBlocked) as refused:
            bookings.create_booking(session, TENANT, world.site_id, world.alice, None,
                                    local("2026-03-04 08:00"), local("2026-03-04 18:00"),
                                    kind=kind, actor="agent")
        assert refused.value.until == local("2026-03-09 10:15")
        bookings.create_booking(session, TENANT, world.site_id, world.bob, None,
                                local("2026-03-04 08:00"), local("2026-03-04 18:00"),
                                kind=kind, actor="agent")


def test_penalised_customer_cannot_use_the_car_park_during_the_block(world, clock):
    """Bookings and pre-bookings inside the block are deleted: they can neither be checked
    in nor cancelled, and bookings after the block stay usable."""
    clock.move_to(local("2026-03-02 06:00"))
    world.book("2026-03-02 09:00")
    inside = [world.book("2026-03-04 08:00"), world.book("2026-03-06 08:00", kind="pre-booking")]
    after = world.book("2026-03-12 08:00")
    clock.move_to(local("2026-03-02 09:15"))
    world.run()
    clock.move_to(local("2026-03-04 07:55"))
    for booking_id in inside:
        assert world.booking(booking_id).status == "deleted"
        with pytest.raises(CheckInRefused, match="deleted by a penalty block"):
            service.check_in_booking(world.eng, TENANT, booking_id, "agent")
    clock.move_to(local("2026-03-12 07:55"))
    assert service.check_in_booking(world.eng, TENANT, after, "agent")


# -- "Email notifications adapt to the type of infraction (minor or major)" ------------------

def test_email_notification_adapts_to_the_infraction_type(world, clock, smtp):
    """A minor is mailed with the tenant's minor template, a major with the major one."""
    configure(world, minor_subject="Warning about {booking_reference}",
              minor_body="{customer_name}: minor. {reason}",
              major_subject="Blocked until {blocked_until}",
              major_body="{customer_name}: {infraction_kind}, blocked until {blocked_until}.")
    clock.move_to(local("2026-03-02 06:00"))
    late, missed = world.book("2026-03-03 18:00"), world.book("2026-03-02 09:00")
    clock.move_to(local("2026-03-02 06:30"))
    minor = service.cancel_booking(world.eng, TENANT, late, "agent")
    clock.move_to(local("2026-03-02 09:15"))
    world.run()
    assert mails(smtp) == [
        (f"Warning about {minor.reference}", f"Alice Martin: minor. {minor.reason}"),
        ("Blocked until Mon 9 Mar 2026, 09:15 CET",
         "Alice Martin: major, blocked until Mon 9 Mar 2026, 09:15 CET.")]
    assert world.booking(missed).status == "no_show"


# -- "Changes are reflected both in administration and in the user PWA" ----------------------

def test_settings_saved_on_the_admin_page_are_what_the_api_and_the_cancel_button_use(
        app, client, login_as, world, clock):
    """The admin saves a 10:00-13:00 window on the page: the API shows it, and a 12:00
    cancellation is previewed and done as free."""
    login_as("admin")
    data = {"cancel_limit_hours": "2", "free_window_start": "10:00", "free_window_end": "13:00",
            "max_minor_infractions": "3", "check_in_grace_minutes": "15", "block_days": "7",
            **{name: getattr(settings.default_settings(TENANT), name)
               for name in settings.TEMPLATES}}
    assert client.post("/penalties/settings", data=data).status_code == 302
    api = Api(app)
    api.login("admin")
    shown = api.get("/api/v1/settings/penalties", "admin").get_json()
    assert (shown["free_window_start"], shown["free_window_end"]) == ("10:00", "13:00")
    booking_id = world.book("2026-03-02 18:00")
    clock.move_to(local("2026-03-02 12:00"))
    with world.session() as session:
        preview = service.cancellation_preview(session, service.get_booking(
            session, TENANT, booking_id))
    assert (preview.allowed, preview.infraction) == (True, None)
    assert service.cancel_booking(world.eng, TENANT, booking_id, "agent").infraction_kind \
        is None
    clock.shift(timedelta(hours=1))          # 13:00: the window's end is outside
    other = world.book("2026-03-03 18:00")
    assert service.cancel_booking(world.eng, TENANT, other, "agent").infraction_kind == "minor"


def test_the_window_replaces_the_old_hours_without_infraction_setting(app, world):
    """The settings an admin sees are the seed's: limit, window start/end, minors, grace,
    block duration and the e-mail templates; no 'hours without infraction' any more."""
    api = Api(app)
    api.login("admin")
    shown = api.get("/api/v1/settings/penalties", "admin").get_json()
    assert set(shown) == {"cancel_limit_hours", "free_window_start", "free_window_end",
                          "max_minor_infractions", "check_in_grace_minutes", "block_days",
                          "minor_subject", "minor_body", "major_subject", "major_body"}
