"""Times as basket users read them: relative ("in 3 h", "2 d overdue") and local absolute."""
from datetime import timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def span(delta):
    """A positive duration rounded to its largest unit: '45 min', '3 h', '2 d'."""
    minutes = max(round(delta / MINUTE), 1)
    if minutes < 60:
        return f"{minutes} min"
    hours = round(delta / HOUR)
    if hours < 24:
        return f"{hours} h"
    return f"{round(delta / DAY)} d"


def relative_due(due, now):
    """'in 3 h' before the deadline, '2 d overdue' after it, 'due now' within the minute."""
    if due is None:
        return "no deadline"
    delta = due - now
    if abs(delta) < MINUTE:
        return "due now"
    return f"in {span(delta)}" if delta > timedelta(0) else f"{span(-delta)} overdue"


def ago(moment, now):
    """'3 h ago' (or 'just now') for a past moment."""
    if moment is None:
        return ""
    delta = now - moment
    return "just now" if delta < MINUTE else f"{span(delta)} ago"


def zone(name, fallback="UTC"):
    """The ZoneInfo of an IANA name, or of `fallback` when the name is unknown."""
    try:
        return ZoneInfo(name or fallback)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(fallback)


def local(moment, tz):
    """A UTC moment written in time zone `tz`: 'Wed 4 Mar 2026, 10:00 CET'."""
    if moment is None:
        return ""
    at = moment.astimezone(tz)
    return f"{at:%a} {at.day} {at:%b %Y, %H:%M %Z}"


def short(moment, tz):
    """A compact local time for table cells: '4 Mar 10:00'."""
    if moment is None:
        return ""
    at = moment.astimezone(tz)
    return f"{at.day} {at:%b %H:%M}"
