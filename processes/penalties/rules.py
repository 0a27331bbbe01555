"""The penalty rules as plain functions: no database, no clock, no Flask.

Semantics (from the "Parking penalties" product note, seed 001):

- Cancelling is allowed until `cancel_limit_hours` real hours before the start; from that
  instant on (half-open: exactly at the limit is too late) the cancel button is disabled.
- The no-infraction window is a time of day in the SITE's local time, [start, end): a
  cancellation made while the site's wall clock is inside it is free, on any day, DST or not.
  A window whose end is before its start runs over midnight (22:00-06:00).
- Any other allowed cancellation is a first-degree (minor) infraction. A customer may hold
  `max_minor_infractions` minors (counted since their last major infraction, cancelled ones
  left out); the next would-be minor becomes a second-degree (major) one.
- No check-in before start + grace (half-open) is a no-show: always a major infraction.
- A major infraction blocks the customer from its moment for `block_days`. Blocks that
  overlap do not add up: the customer is blocked until the latest end. While blocked, no new
  booking at all; a booking whose period overlaps a block is refused too; confirmed bookings
  and pre-bookings overlapping the block are deleted.
- Staff (admin, back-office, supervisor) cancelling on the operator's behalf may cancel any
  confirmed booking before check-in, and are never penalised.
"""
from dataclasses import dataclass
from datetime import time, timedelta, timezone
from zoneinfo import ZoneInfo

from processes import timewords

from . import defaults
from .status import BookingStatus, InfractionKind


@dataclass(frozen=True)
class PenaltyRules:
    """A tenant's penalty settings as the rules read them."""

    cancel_limit_hours: int = defaults.CANCEL_LIMIT_HOURS
    free_window_start: time = defaults.FREE_WINDOW_START
    free_window_end: time = defaults.FREE_WINDOW_END
    max_minor_infractions: int = defaults.MAX_MINOR_INFRACTIONS
    check_in_grace_minutes: int = defaults.CHECK_IN_GRACE_MINUTES
    block_days: int = defaults.BLOCK_DAYS


@dataclass(frozen=True)
class CancellationDecision:
    """May this cancellation happen, and what does it cost; `reason` is for the user."""

    allowed: bool
    infraction: str | None          # "minor", "major" or None
    reason: str
    escalated: bool = False         # a minor that became major (too many minors)


@dataclass(frozen=True)
class CheckInDecision:
    """May the customer check in now; `reason` says why not."""

    allowed: bool
    reason: str


def local_time(moment, zone_name):
    """`moment` (aware) on the site's wall clock."""
    return moment.astimezone(ZoneInfo(zone_name))


def describe(moment, zone_name):
    """A time as the site's customers read it, as every page shows times:
    'Mon 2 Mar 2026, 10:00 CET' (timewords.absolute in the site's zone)."""
    return timewords.absolute(moment, timewords.zone(zone_name))


def cancel_deadline(starts_at, rules):
    """The first instant at which cancelling is no longer allowed (real hours, DST-proof)."""
    return starts_at - timedelta(hours=rules.cancel_limit_hours)


def in_free_window(moment, zone_name, rules):
    """True when the site's wall-clock time of `moment` is in the window [start, end)."""
    clock_time = local_time(moment, zone_name).time().replace(tzinfo=None)
    start, end = rules.free_window_start, rules.free_window_end
    if start <= end:
        return start <= clock_time < end
    return clock_time >= start or clock_time < end     # over midnight


def infraction_after(minor_count, rules):
    """The kind of the next infraction for a customer holding `minor_count` counting minors."""
    return InfractionKind.MAJOR if minor_count >= rules.max_minor_infractions \
        else InfractionKind.MINOR


def decide_cancellation(starts_at, now, zone_name, rules, minor_count=0, by_staff=False,
                        status=BookingStatus.CONFIRMED):
    """Whether a cancellation at `now` is free, costs an infraction, or is refused."""
    if status != BookingStatus.CONFIRMED:
        return CancellationDecision(False, None, _not_cancellable(status))
    if by_staff:
        return CancellationDecision(True, None, "Cancelled by staff on the operator's behalf: "
                                                "no infraction.")
    deadline = cancel_deadline(starts_at, rules)
    if now >= deadline:
        return CancellationDecision(
            False, None, f"Too late to cancel: bookings can be cancelled up to "
                         f"{rules.cancel_limit_hours} h before the start; this one closed on "
                         f"{describe(deadline, zone_name)}.")
    if in_free_window(now, zone_name, rules):
        return CancellationDecision(True, None, "Free cancellation: inside the no-infraction "
                                                f"window ({_window(rules)}, site time).")
    kind = infraction_after(minor_count, rules)
    if kind == InfractionKind.MAJOR:
        return CancellationDecision(
            True, kind, f"Cancelling now is outside the no-infraction window ({_window(rules)}, "
                        f"site time) and the customer already has {minor_count} minor "
                        f"infraction(s) (maximum {rules.max_minor_infractions}): it is a major "
                        f"infraction and blocks new bookings for {rules.block_days} day(s).",
            escalated=True)
    return CancellationDecision(
        True, kind, f"Cancelling now is outside the no-infraction window ({_window(rules)}, "
                    f"site time): it is a minor infraction.")


def no_show_at(starts_at, rules):
    """When a booking without check-in becomes a no-show: start + grace."""
    return starts_at + timedelta(minutes=rules.check_in_grace_minutes)


def decide_check_in(starts_at, now, zone_name, rules, status=BookingStatus.CONFIRMED):
    """Check-in is open from CHECK_IN_OPENS_BEFORE the start until start + grace (excluded)."""
    if status != BookingStatus.CONFIRMED:
        return CheckInDecision(False, _not_check_in(status))
    opens = starts_at - defaults.CHECK_IN_OPENS_BEFORE
    closes = no_show_at(starts_at, rules)
    if now < opens:
        return CheckInDecision(False, f"Check-in opens on {describe(opens, zone_name)}.")
    if now >= closes:
        return CheckInDecision(False, f"Check-in closed on {describe(closes, zone_name)}: "
                                      "the booking is a no-show.")
    return CheckInDecision(True, "Checked in.")


def block_period(at, rules, zone_name="UTC"):
    """[start, end) of the block a major infraction at `at` imposes: `block_days` calendar
    days in the site's zone, ending at the same wall-clock time (23 or 25 real hours count
    as a day across a DST change). A wall time the clocks skip reads as the hour after."""
    local = local_time(at, zone_name)
    end = (local.replace(tzinfo=None) + timedelta(days=rules.block_days))
    return at, _from_wall(end, local.tzinfo)


def _from_wall(wall, zone):
    """The UTC instant of naive wall time `wall` in `zone` (fold=0: a skipped time such as
    02:30 on the March change reads forward, 03:30 CEST; of a time that happens twice in
    October, the first)."""
    return wall.replace(tzinfo=zone, fold=0).astimezone(timezone.utc)


def overlaps(a_start, a_end, b_start, b_end):
    """Half-open periods [a_start, a_end) and [b_start, b_end) share an instant."""
    return a_start < b_end and b_start < a_end


def blocked_until(blocks, now, starts_at, ends_at):
    """The end of the block that forbids booking [starts_at, ends_at) at `now`, or None.

    `blocks` are (start, end) pairs of blocks still in force. A block forbids the booking when
    it is active now (no new bookings at all) or overlaps the booking's period; of several,
    the latest end is the one that counts (blocks do not add up).
    """
    ends = [end for start, end in blocks
            if start <= now < end or overlaps(start, end, starts_at, ends_at)]
    return max(ends) if ends else None


def bookings_to_delete(bookings, block_start, block_end):
    """The confirmed bookings/pre-bookings whose period overlaps the block."""
    return [b for b in bookings if b.status == BookingStatus.CONFIRMED
            and overlaps(b.starts_at, b.ends_at, block_start, block_end)]


def check_window(start, end):
    """A message when a no-infraction window is unusable, else None."""
    if start == end:
        return "The window's start and end must differ (an end before the start runs over " \
               "midnight)."
    return None


def _window(rules):
    return f"{rules.free_window_start:%H:%M}-{rules.free_window_end:%H:%M}"


def _not_cancellable(status):
    return {
        BookingStatus.CHECKED_IN: "The customer has checked in: the booking can no longer be "
                                  "cancelled.",
        BookingStatus.CANCELLED: "This booking is already cancelled.",
        BookingStatus.DELETED: "This booking was deleted by a penalty block.",
        BookingStatus.NO_SHOW: "This booking was recorded as a no-show.",
    }.get(status, f"A booking that is {status} cannot be cancelled.")


def _not_check_in(status):
    return {
        BookingStatus.CHECKED_IN: "The customer has already checked in.",
        BookingStatus.CANCELLED: "This booking is cancelled.",
        BookingStatus.DELETED: "This booking was deleted by a penalty block.",
        BookingStatus.NO_SHOW: "This booking was recorded as a no-show.",
    }.get(status, f"A booking that is {status} cannot be checked in.")

