"""Statuses and kinds of a booking: the one place their names live."""
from enum import StrEnum


class BookingStatus(StrEnum):
    """Where a booking stands."""

    CONFIRMED = "confirmed"
    CHECKED_IN = "checked_in"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"
    DELETED = "deleted"         # removed by a penalty block


class BookingKind(StrEnum):
    """A booking holds a space; a pre-booking is a request made ahead of the booking window."""

    BOOKING = "booking"
    PRE_BOOKING = "pre-booking"


# Bookings that hold a space at their site for their whole period.
OCCUPYING = (BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN)


class When(StrEnum):
    """Booking list filter, by the site's local calendar day."""

    PAST = "past"               # ended before today began
    TODAY = "today"             # overlaps today
    FUTURE = "future"           # starts tomorrow or later
