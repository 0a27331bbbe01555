"""A site's wall clock: local times typed by staff to UTC, and local days as UTC periods.

Wall times that do not exist (the hour skipped when clocks go forward) are refused; times
that happen twice (the hour repeated when clocks go back) mean the first one, as most
booking systems do.
"""
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class NoSuchLocalTime(ValueError):
    """The wall time never happens in that zone (skipped by a change to summer time)."""


def zone_of(name):
    """The ZoneInfo of an IANA name; ValueError when the name is no known time zone."""
    if not name or not isinstance(name, str) or name != name.strip():
        raise ValueError("Choose a time zone such as Europe/Brussels.")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"{name} is not a known time zone; use a name such as "
                         "Europe/Brussels.") from exc


def to_utc(wall, zone_name):
    """The UTC moment of naive wall time `wall` in zone `zone_name`."""
    zone = zone_of(zone_name)
    first = wall.replace(tzinfo=zone, fold=0)
    utc = first.astimezone(timezone.utc)
    if utc.astimezone(zone).replace(tzinfo=None) != wall:
        raise NoSuchLocalTime(f"{wall:%d %b %Y %H:%M} does not exist in {zone_name}: the "
                              "clocks go forward then. Choose a time outside that hour.")
    return utc


def to_local(moment, zone_name):
    """An aware moment as naive wall time in zone `zone_name`."""
    return moment.astimezone(zone_of(zone_name)).replace(tzinfo=None)


def day_bounds(day, zone_name):
    """[start, end) in UTC of calendar date `day` in the zone (23 or 25 h on DST days)."""
    zone = zone_of(zone_name)
    start = datetime.combine(day, time(), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(), tzinfo=zone)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


def today_bounds(now, zone_name):
    """[start, end) in UTC of the local calendar day that holds `now` in the zone."""
    return day_bounds(now.astimezone(zone_of(zone_name)).date(), zone_name)
