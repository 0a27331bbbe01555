"""The engine's notion of now: aware UTC, frozen in tests with time-machine."""

from datetime import datetime, timezone

# "00" to "59": timestamps put together from these cost a third of the instructions of
# isoformat() or %02d formatting (SQLite binds in engine/prepared.py, the API's answers).
TWO_DIGITS = tuple(f"{n:02d}" for n in range(60))


def now():
    """Return the current time as an aware UTC datetime."""
    return datetime.now(timezone.utc)
