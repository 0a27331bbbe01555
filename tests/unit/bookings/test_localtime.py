"""Local wall times at a site <-> UTC, across the DST changes of Europe/Brussels."""
from datetime import date, datetime, timedelta

import pytest

from processes.bookings.localtime import NoSuchLocalTime, day_bounds, to_utc, today_bounds

from .helpers import utc

BRUSSELS = "Europe/Brussels"


@pytest.mark.parametrize("wall, expected", [
    (datetime(2026, 3, 2, 10, 0), utc(2026, 3, 2, 9, 0)),          # winter: UTC+1
    (datetime(2026, 3, 29, 1, 59), utc(2026, 3, 29, 0, 59)),       # just before the gap
    (datetime(2026, 3, 29, 3, 0), utc(2026, 3, 29, 1, 0)),         # right after: UTC+2
    (datetime(2026, 7, 1, 8, 30), utc(2026, 7, 1, 6, 30)),         # summer
    (datetime(2026, 10, 25, 2, 30), utc(2026, 10, 25, 0, 30)),     # twice: the first one
    (datetime(2026, 10, 25, 3, 0), utc(2026, 10, 25, 2, 0)),       # after the change: UTC+1
])
def test_local_time_becomes_utc_by_the_sites_offset_that_day(wall, expected):
    """A wall time at a Brussels site is stored as UTC with that day's offset."""
    assert to_utc(wall, BRUSSELS) == expected


def test_a_wall_time_skipped_by_the_spring_change_is_refused():
    """02:30 on 29 March 2026 never happens in Brussels: refused with a clear reason."""
    with pytest.raises(NoSuchLocalTime, match="clocks go forward"):
        to_utc(datetime(2026, 3, 29, 2, 30), BRUSSELS)


@pytest.mark.parametrize("day, hours", [
    (date(2026, 3, 2), 24), (date(2026, 3, 29), 23), (date(2026, 10, 25), 25)])
def test_a_local_day_lasts_23_24_or_25_hours(day, hours):
    """A site's calendar day in UTC: shorter when clocks go forward, longer when they go back."""
    start, end = day_bounds(day, BRUSSELS)
    assert start == to_utc(datetime.combine(day, datetime.min.time()), BRUSSELS)
    assert end - start == timedelta(hours=hours)


def test_today_is_the_sites_calendar_day_not_utcs():
    """At 23:30 UTC on 1 March it is already 2 March in Brussels but still 1 March in Lisbon."""
    now = utc(2026, 3, 1, 23, 30)
    assert today_bounds(now, BRUSSELS)[0] == utc(2026, 3, 1, 23, 0)
    assert today_bounds(now, "Europe/Lisbon")[0] == utc(2026, 3, 1, 0, 0)


@pytest.mark.parametrize("name", ["", "Europe/Atlantis", " Europe/Brussels", "../etc/passwd"])
def test_unknown_time_zones_are_refused(name):
    """Only IANA time-zone names are accepted."""
    with pytest.raises(ValueError):
        to_utc(datetime(2026, 3, 2, 10), name)
