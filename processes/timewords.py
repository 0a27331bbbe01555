"""Times as people read them, in one place for every screen: relative words ("in 3 h",
"2 d overdue", "5 min ago") and local absolute times in a reader's time zone.

Times are stored in UTC; these only turn them into text. A duration is rounded to its largest
unit (2 h 50 min reads "3 h"); anything under a minute is "just now" / "due now".
"""
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
FALLBACK_TIMEZONE = "UTC"           # when a tenant row has none, or a misspelt one


@dataclass(frozen=True)
class Moment:
    """One instant ready for display: ISO for <time datetime>, local absolute, relative, short."""

    iso: str
    absolute: str
    relative: str
    short: str


def zone(name, fallback=FALLBACK_TIMEZONE):
    """The ZoneInfo of an IANA name, or of `fallback` when the name is empty or unknown."""
    try:
        return ZoneInfo(name or fallback)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(fallback)


def span(delta):
    """A positive duration rounded to its largest unit: '45 min', '3 h', '2 d'."""
    minutes = max(round(delta / MINUTE), 1)
    if minutes < 60:
        return f"{minutes} min"
    hours = round(delta / HOUR)
    if hours < 24:
        return f"{hours} h"
    return f"{round(delta / DAY)} d"


def relative(at, now, past="ago"):
    """'in 3 h' ahead; '3 h ago' (past="overdue": '3 h overdue') behind; within a minute
    'just now' (or 'due now')."""
    delta = at - now
    if abs(delta) < MINUTE:
        return "due now" if past == "overdue" else "just now"
    return f"in {span(delta)}" if delta > timedelta(0) else f"{span(-delta)} {past}"


def relative_due(due, now):
    """'in 3 h' before a deadline, '2 d overdue' after it; 'no deadline' for None."""
    return "no deadline" if due is None else relative(due, now, past="overdue")


def absolute(at, tz):
    """'Wed 4 Mar 2026, 10:00 CET'; empty for None."""
    if at is None:
        return ""
    local = at.astimezone(tz)
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M} {local.tzname()}"


def short(at, tz, now):
    """For table cells: '10:42' on the reader's day, else '3 Mar 10:42' ('3 Mar 2025 10:42'
    in another year); empty for None."""
    if at is None:
        return ""
    local, today = at.astimezone(tz), now.astimezone(tz)
    if local.date() == today.date():
        return f"{local:%H:%M}"
    if local.year == today.year:
        return f"{local.day} {local:%b %H:%M}"
    return f"{local.day} {local:%b %Y %H:%M}"


def moment(at, tz, now, past="ago"):
    """A Moment for aware UTC `at`, read in zone `tz` at `now`; None stays None."""
    if at is None:
        return None
    return Moment(iso=at.isoformat(), absolute=absolute(at, tz), relative=relative(at, now, past),
                  short=short(at, tz, now))
