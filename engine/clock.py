"""The engine's notion of now: aware UTC, frozen in tests with time-machine."""

from datetime import datetime, timezone


def now():
    """Return the current time as an aware UTC datetime."""
    return datetime.now(timezone.utc)
