"""Status and kind names of infractions, notices and the bookings penalties touch."""
from enum import StrEnum


class InfractionKind(StrEnum):
    """First-degree (minor) or second-degree (major) infraction."""

    MINOR = "minor"
    MAJOR = "major"


class InfractionCause(StrEnum):
    """What the customer did."""

    LATE_CANCELLATION = "late_cancellation"
    NO_SHOW = "no_show"


class InfractionStatus(StrEnum):
    """active -> contested -> upheld | cancelled; a cancelled infraction no longer counts."""

    ACTIVE = "active"
    CONTESTED = "contested"
    UPHELD = "upheld"
    CANCELLED = "cancelled"


COUNTING = (InfractionStatus.ACTIVE, InfractionStatus.CONTESTED, InfractionStatus.UPHELD)


class ContestDecision(StrEnum):
    """What a reviewer decides about a contested infraction."""

    UPHOLD = "uphold"
    CANCEL = "cancel"
    UNDECIDED = "undecided"      # back-office cannot decide: a supervisor will


class BookingStatus(StrEnum):
    """Booking statuses (processes.bookings.models.Booking.status) penalties read and write."""

    CONFIRMED = "confirmed"
    CHECKED_IN = "checked_in"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"
    DELETED = "deleted"


class NoticeKind(StrEnum):
    """Which e-mail a notice is."""

    MINOR = "minor"
    MAJOR = "major"
    BOOKING_DELETED = "booking_deleted"


class NoticeStatus(StrEnum):
    """pending until the process sends it; skipped when it cannot be sent (no address/server)."""

    PENDING = "pending"
    SENT = "sent"
    SKIPPED = "skipped"
