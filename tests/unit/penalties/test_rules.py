"""The penalty rules of seed 001 ("Parking penalties"), one table per rule, in site time."""
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from processes.penalties import rules
from processes.penalties.rules import PenaltyRules

BRUSSELS = "Europe/Brussels"
NEW_YORK = "America/New_York"
# Window 07:00-09:00 site time, cancel up to 2 h before the start, 3 minors, 15 min grace.
RULES = PenaltyRules(cancel_limit_hours=2, free_window_start=time(7), free_window_end=time(9),
                     max_minor_infractions=3, check_in_grace_minutes=15, block_days=7)


def at(text, zone=BRUSSELS):
    """An aware instant from the site's wall-clock text '2026-03-02 08:00'."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone)).astimezone(timezone.utc)


def cancel(start, now, zone=BRUSSELS, minors=0, by_staff=False, status="confirmed",
           rule_set=RULES):
    """The decision for cancelling a booking starting at `start` at `now` (site times)."""
    return rules.decide_cancellation(at(start, zone), at(now, zone), zone, rule_set, minors,
                                     by_staff, status)


# -- Cancellations: the three outcomes of the seed ------------------------------------------

@pytest.mark.parametrize("start, now, expected", [
    ("2026-03-02 18:00", "2026-03-02 07:30", (True, None)),
    ("2026-03-05 18:00", "2026-03-02 08:59", (True, None)),
    ("2026-03-02 18:00", "2026-03-02 12:00", (True, "minor")),
    ("2026-03-05 18:00", "2026-03-02 06:00", (True, "minor")),
    ("2026-03-02 18:00", "2026-03-02 16:30", (False, None)),
    ("2026-03-02 18:00", "2026-03-02 17:59", (False, None)),
])
def test_cancellation_is_free_inside_the_window_minor_outside_refused_after_the_limit(
        start, now, expected):
    """Seed: inside the window -> free; outside but before the limit -> minor; after -> refused."""
    decision = cancel(start, now)
    assert (decision.allowed, decision.infraction) == expected
    assert decision.reason


def test_minor_infraction_reason_names_the_window():
    """The warning tells the customer why it costs a minor infraction."""
    assert "07:00-09:00" in cancel("2026-03-02 18:00", "2026-03-02 12:00").reason


def test_refused_cancellation_reason_names_the_limit_in_site_time():
    """The disabled button's reason says when cancelling closed, on the site's clock."""
    reason = cancel("2026-03-02 18:00", "2026-03-02 17:00").reason
    assert "2 h before the start" in reason and "16:00 CET" in reason


# -- Boundaries are half-open ----------------------------------------------------------------

@pytest.mark.parametrize("now, allowed", [
    ("2026-03-02 15:59:59", True),
    ("2026-03-02 16:00:00", False),       # exactly at the limit: too late
    ("2026-03-02 16:00:01", False),
])
def test_cancel_exactly_at_the_limit_is_refused(now, allowed):
    """Cancelling is allowed strictly before start - limit; at the limit the button is off."""
    assert cancel("2026-03-02 18:00", now).allowed is allowed


@pytest.mark.parametrize("now, infraction", [
    ("2026-03-02 06:59:59", "minor"),
    ("2026-03-02 07:00:00", None),        # the window's start is inside
    ("2026-03-02 08:59:59", None),
    ("2026-03-02 09:00:00", "minor"),     # the window's end is outside
])
def test_window_edges_are_half_open(now, infraction):
    """The no-infraction window is [start, end): 07:00 is free, 09:00 is not."""
    assert cancel("2026-03-02 18:00", now).infraction == infraction


@pytest.mark.parametrize("now, infraction", [
    ("2026-03-02 21:59", "minor"), ("2026-03-02 22:00", None), ("2026-03-03 02:00", None),
    ("2026-03-03 05:59", None), ("2026-03-03 06:00", "minor"),
])
def test_a_window_ending_before_it_starts_runs_over_midnight(now, infraction):
    """A 22:00-06:00 window is free through the night and nowhere else."""
    night = PenaltyRules(free_window_start=time(22), free_window_end=time(6),
                         cancel_limit_hours=2)
    assert cancel("2026-03-05 18:00", now, rule_set=night).infraction == infraction


# -- Site time zone and DST ------------------------------------------------------------------

def test_window_is_evaluated_in_the_sites_time_zone():
    """08:00 in New York is free at a New York site, though it is 14:00 in Brussels."""
    decision = cancel("2026-03-05 18:00", "2026-03-02 08:00", zone=NEW_YORK)
    assert (decision.allowed, decision.infraction) == (True, None)
    brussels_clock = rules.local_time(at("2026-03-02 08:00", NEW_YORK), BRUSSELS)
    assert brussels_clock.hour == 14


@pytest.mark.parametrize("utc, infraction", [
    # Saturday 28 March (CET, UTC+1): 06:30Z is 07:30, 07:30Z is 08:30 -> both free.
    ("2026-03-28T06:30:00+00:00", None), ("2026-03-28T07:30:00+00:00", None),
    # Sunday 29 March (CEST, UTC+2): 06:30Z is 08:30 (free), 07:30Z is 09:30 (minor).
    ("2026-03-29T06:30:00+00:00", None), ("2026-03-29T07:30:00+00:00", "minor"),
    # 05:30Z on the 29th is 07:30 CEST (free); on the 28th it was 06:30 CET (minor).
    ("2026-03-29T05:30:00+00:00", None), ("2026-03-28T05:30:00+00:00", "minor"),
    # Sunday 25 October back to CET: 07:30Z is 08:30 again (free), 08:30Z is 09:30.
    ("2026-10-25T07:30:00+00:00", None), ("2026-10-25T08:30:00+00:00", "minor"),
])
def test_window_follows_the_sites_clock_across_a_dst_change(utc, infraction):
    """The same UTC instant falls in or out of 07:00-09:00 as Brussels' clock moves."""
    now = datetime.fromisoformat(utc)
    start = now + timedelta(days=3)
    decision = rules.decide_cancellation(start, now, BRUSSELS, RULES)
    assert decision.infraction == infraction


def test_cancel_limit_counts_real_hours_across_a_dst_change():
    """24 h before a start just after the spring change is 23 wall-clock hours earlier."""
    day = PenaltyRules(cancel_limit_hours=24)
    start = at("2026-03-29 09:00")                      # CEST
    deadline = rules.cancel_deadline(start, day)
    assert start - deadline == timedelta(hours=24)
    assert rules.local_time(deadline, BRUSSELS).strftime("%d %H:%M %Z") == "28 08:00 CET"
    assert cancel("2026-03-29 09:00", "2026-03-28 07:59", rule_set=day).allowed
    assert not cancel("2026-03-29 09:00", "2026-03-28 08:00", rule_set=day).allowed


# -- Bookings created after the window ---------------------------------------------------------

def test_booking_created_after_the_window_gets_no_free_cancellation_that_day():
    """Booked at 10:00 for 18:00 the same day: the window has passed, so cancelling is minor."""
    decision = cancel("2026-03-02 18:00", "2026-03-02 10:05")
    assert (decision.allowed, decision.infraction) == (True, "minor")


def test_booking_created_after_the_window_is_free_in_the_next_days_window():
    """Booked Monday 10:00 for Tuesday 18:00: Tuesday's 07:00-09:00 window is still free."""
    assert cancel("2026-03-03 18:00", "2026-03-02 10:05").infraction == "minor"
    assert cancel("2026-03-03 18:00", "2026-03-03 07:15").infraction is None


def test_window_after_the_limit_does_not_reopen_cancelling():
    """A booking at 08:00 (limit 06:00) cannot be cancelled in that morning's window."""
    decision = cancel("2026-03-02 08:00", "2026-03-02 07:30")
    assert not decision.allowed


# -- Escalation of minors to major -------------------------------------------------------------

@pytest.mark.parametrize("minors, kind", [(0, "minor"), (2, "minor"), (3, "major"), (7, "major")])
def test_minor_infractions_beyond_the_maximum_escalate_to_major(minors, kind):
    """With a maximum of 3, a customer holding 3 minors gets a major one next."""
    decision = cancel("2026-03-02 18:00", "2026-03-02 12:00", minors=minors)
    assert decision.infraction == kind
    assert decision.escalated is (kind == "major")


def test_escalated_cancellation_warns_about_the_block():
    """The warning before an escalated cancellation says it blocks bookings."""
    reason = cancel("2026-03-02 18:00", "2026-03-02 12:00", minors=3).reason
    assert "major" in reason and "7 day" in reason


def test_free_cancellation_never_escalates():
    """Inside the window a customer with many minors still cancels for free."""
    assert cancel("2026-03-02 18:00", "2026-03-02 08:00", minors=9).infraction is None


# -- Staff cancellations -----------------------------------------------------------------------

@pytest.mark.parametrize("now", ["2026-03-02 12:00", "2026-03-02 17:59", "2026-03-02 18:10"])
def test_admin_cancellation_is_never_penalised(now):
    """Staff cancel on the operator's behalf at any time before check-in, with no infraction."""
    decision = cancel("2026-03-02 18:00", now, minors=10, by_staff=True)
    assert (decision.allowed, decision.infraction) == (True, None)


@pytest.mark.parametrize("status", ["checked_in", "cancelled", "deleted", "no_show"])
@pytest.mark.parametrize("by_staff", [False, True])
def test_only_confirmed_bookings_can_be_cancelled(status, by_staff):
    """A checked-in, cancelled, deleted or no-show booking cannot be cancelled by anybody."""
    decision = cancel("2026-03-02 18:00", "2026-03-02 08:00", by_staff=by_staff, status=status)
    assert not decision.allowed and decision.reason


# -- Check-in and no-show ----------------------------------------------------------------------

@pytest.mark.parametrize("now, allowed", [
    ("2026-03-02 15:59", False),      # more than 2 h early
    ("2026-03-02 16:00", True),
    ("2026-03-02 18:14:59", True),
    ("2026-03-02 18:15", False),      # start + grace: a no-show
])
def test_check_in_is_open_until_start_plus_grace(now, allowed):
    """Check-in closes at start + grace (excluded); after that the booking is a no-show."""
    decision = rules.decide_check_in(at("2026-03-02 18:00"), at(now), BRUSSELS, RULES)
    assert decision.allowed is allowed and decision.reason


def test_no_show_time_is_start_plus_grace():
    """The no-show timer is due at start + the grace period."""
    assert rules.no_show_at(at("2026-03-02 18:00"), RULES) == at("2026-03-02 18:15")


# -- Blocks ------------------------------------------------------------------------------------

def test_major_infraction_blocks_for_the_configured_duration():
    """A major infraction at T blocks [T, T + block_days)."""
    start, end = rules.block_period(at("2026-03-02 18:15"), RULES, BRUSSELS)
    assert (start, end) == (at("2026-03-02 18:15"), at("2026-03-09 18:15"))


@pytest.mark.parametrize("infraction, zone, ends, real_hours", [
    # Brussels, spring forward on Sun 29 March 2026 (02:00 CET -> 03:00 CEST): 7 days = 167 h
    ("2026-03-25 18:15", BRUSSELS, "2026-04-01 18:15 CEST", 167),
    ("2026-03-28 02:30", BRUSSELS, "2026-04-04 02:30 CEST", 167),
    # the infraction before the change, the end on the change day at a wall time it skips:
    # 02:30 does not exist on 29 March, it reads as 03:30 CEST
    ("2026-03-22 02:30", BRUSSELS, "2026-03-29 03:30 CEST", 168),
    # fall back on Sun 25 October 2026 (03:00 CEST -> 02:00 CET): 7 days = 169 h
    ("2026-10-20 18:15", BRUSSELS, "2026-10-27 18:15 CET", 169),
    # 02:30 happens twice on 25 October: the block ends at the first one (CEST)
    ("2026-10-18 02:30", BRUSSELS, "2026-10-25 02:30 CEST", 168),
    # no change in the period: exactly 7 x 24 h
    ("2026-03-02 18:15", BRUSSELS, "2026-03-09 18:15 CET", 168),
    # New York changes on other days (8 March, 1 November 2026)
    ("2026-03-05 09:00", NEW_YORK, "2026-03-12 09:00 EDT", 167),
    ("2026-10-29 09:00", NEW_YORK, "2026-11-05 09:00 EST", 169),
])
def test_a_block_ends_at_the_same_site_wall_clock_time_block_days_later_across_dst(
        infraction, zone, ends, real_hours):
    """block_days are calendar days in the site's zone, not 24-hour periods."""
    start, end = rules.block_period(at(infraction, zone), RULES, zone)
    assert start == at(infraction, zone)
    assert rules.local_time(end, zone).strftime("%Y-%m-%d %H:%M %Z") == ends
    assert (end - start) / timedelta(hours=1) == real_hours


def test_times_in_reasons_read_as_on_every_page():
    """Reasons and e-mails give times as timewords.absolute does: 'Mon 2 Mar 2026, 10:00 CET'."""
    assert rules.describe(at("2026-03-02 10:00"), BRUSSELS) == "Mon 2 Mar 2026, 10:00 CET"
    assert rules.describe(at("2026-07-12 09:05"), BRUSSELS) == "Sun 12 Jul 2026, 09:05 CEST"


BLOCK = (at("2026-03-02 10:00"), at("2026-03-09 10:00"))


@pytest.mark.parametrize("now, start, end, until", [
    # blocked now: no new booking at all, even one after the block
    ("2026-03-03 12:00", "2026-03-20 08:00", "2026-03-20 18:00", BLOCK[1]),
    # a booking overlapping the block
    ("2026-03-01 12:00", "2026-03-09 09:00", "2026-03-09 11:00", BLOCK[1]),
    # ends exactly when the block starts / starts exactly when it ends (half-open)
    ("2026-03-01 12:00", "2026-03-02 08:00", "2026-03-02 10:00", None),
    ("2026-03-10 12:00", "2026-03-09 10:00", "2026-03-09 12:00", None),
    # after the block ended
    ("2026-03-09 10:00", "2026-03-12 08:00", "2026-03-12 18:00", None),
])
def test_blocked_customer_cannot_book(now, start, end, until):
    """While blocked no booking is accepted; after the block only non-overlapping ones."""
    assert rules.blocked_until([BLOCK], at(now), at(start), at(end)) == until


def test_overlapping_blocks_do_not_add_up_the_latest_end_counts():
    """Two overlapping blocks block until the later end, not the sum of both durations."""
    second = (at("2026-03-05 10:00"), at("2026-03-12 10:00"))
    until = rules.blocked_until([BLOCK, second], at("2026-03-06 12:00"),
                                at("2026-03-20 08:00"), at("2026-03-20 09:00"))
    assert until == at("2026-03-12 10:00")
    assert rules.blocked_until([BLOCK, second], at("2026-03-12 10:00"),
                               at("2026-03-20 08:00"), at("2026-03-20 09:00")) is None


@dataclass
class B:
    """A booking as bookings_to_delete sees it."""

    ref: str
    starts_at: datetime
    ends_at: datetime
    status: str = "confirmed"


def test_block_deletes_confirmed_bookings_and_pre_bookings_inside_its_period():
    """Confirmed bookings overlapping the block go; others and those outside it stay."""
    bookings = [
        B("inside", at("2026-03-04 08:00"), at("2026-03-04 18:00")),
        B("straddling-end", at("2026-03-09 09:00"), at("2026-03-09 12:00")),
        B("ends-at-block-start", at("2026-03-02 08:00"), at("2026-03-02 10:00")),
        B("starts-at-block-end", at("2026-03-09 10:00"), at("2026-03-09 12:00")),
        B("checked-in", at("2026-03-02 09:00"), at("2026-03-02 17:00"), "checked_in"),
        B("already-cancelled", at("2026-03-05 08:00"), at("2026-03-05 18:00"), "cancelled"),
    ]
    deleted = rules.bookings_to_delete(bookings, *BLOCK)
    assert [b.ref for b in deleted] == ["inside", "straddling-end"]


@pytest.mark.parametrize("start, end, message", [
    (time(7), time(9), None), (time(22), time(6), None), (time(8), time(8), "must differ"),
])
def test_window_start_and_end_must_differ(start, end, message):
    """An empty window is refused with a message; one over midnight is accepted."""
    found = rules.check_window(start, end)
    assert (found is None) if message is None else message in found
