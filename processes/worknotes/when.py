"""Times as people read them: in the tenant's time zone, and relative ("in 3 h", "2 d overdue")."""
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from . import defaults


@dataclass(frozen=True)
class Moment:
    """One instant ready for display: ISO for <time datetime>, local absolute, relative, short."""

    iso: str
    absolute: str
    relative: str
    short: str


def zone(name):
    """The ZoneInfo of an IANA name; the fallback zone for an unknown or empty one."""
    try:
        return ZoneInfo(name or defaults.FALLBACK_TIMEZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(defaults.FALLBACK_TIMEZONE)


def moment(at, tz, now, past="ago"):
    """Describe aware UTC `at` for a reader in zone `tz` at `now`; None stays None."""
    if at is None:
        return None
    return Moment(iso=at.isoformat(), absolute=absolute(at, tz), relative=relative(at, now, past),
                  short=short(at, tz, now))


def absolute(at, tz):
    """Wed 4 Mar 2026, 10:00 CET."""
    local = at.astimezone(tz)
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M} {local.tzname()}"


def short(at, tz, now):
    """10:42 when on the reader's day, else 3 Mar 10:42 (3 Mar 2025 10:42 in another year)."""
    local, today = at.astimezone(tz), now.astimezone(tz)
    if local.date() == today.date():
        return f"{local:%H:%M}"
    if local.year == today.year:
        return f"{local.day} {local:%b %H:%M}"
    return f"{local.day} {local:%b %Y %H:%M}"


def relative(at, now, past="ago"):
    """'in 3 h' ahead; '3 h ago' or '3 h overdue' behind; 'just now' / 'due now' within 1 min."""
    seconds = (at - now).total_seconds()
    span = _span(abs(seconds))
    if span is None:
        return "due now" if past == "overdue" else "just now"
    return f"in {span}" if seconds > 0 else f"{span} {past}"


def _span(seconds):
    minutes = int(seconds // 60)
    if minutes < 1:
        return None
    if minutes < 60:
        return f"{minutes} min"
    hours = minutes // 60
    if hours < 24:
        return f"{hours} h"
    return f"{hours // 24} d"


def tenant_zone(eng, tenant):
    """The ZoneInfo of a tenant (processes.accounts Tenant.timezone)."""
    from processes.accounts.services import get_tenant

    with eng.reading() as session:
        row = get_tenant(session, tenant)
        return zone(row.timezone if row is not None else None)
