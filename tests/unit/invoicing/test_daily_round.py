"""When the daily finance round runs: 06:00 in the organisation's time zone, DST-safe."""
from datetime import date, datetime, timezone

import pytest

from processes.invoicing.daily import business_key, next_round_day, run_time

UTC = timezone.utc


@pytest.mark.parametrize("day, zone, expected", [
    (date(2026, 3, 3), "Europe/Brussels", datetime(2026, 3, 3, 5, 0, tzinfo=UTC)),    # CET
    (date(2026, 3, 29), "Europe/Brussels", datetime(2026, 3, 29, 4, 0, tzinfo=UTC)),  # CEST
    (date(2026, 10, 25), "Europe/Brussels", datetime(2026, 10, 25, 5, 0, tzinfo=UTC)),  # CET
    (date(2026, 3, 3), "UTC", datetime(2026, 3, 3, 6, 0, tzinfo=UTC)),
    (date(2026, 3, 3), "America/New_York", datetime(2026, 3, 3, 11, 0, tzinfo=UTC)),
])
def test_the_round_runs_at_six_local_time(day, zone, expected):
    """06:00 on the organisation's clock, whatever the offset of the day."""
    assert run_time(day, zone) == expected


@pytest.mark.parametrize("now, expected", [
    (datetime(2026, 3, 2, 4, 59, tzinfo=UTC), date(2026, 3, 2)),    # 05:59 local: today's
    (datetime(2026, 3, 2, 5, 0, tzinfo=UTC), date(2026, 3, 3)),     # 06:00 local: tomorrow's
    (datetime(2026, 3, 2, 23, 30, tzinfo=UTC), date(2026, 3, 3)),   # 00:30 local on the 3rd
])
def test_the_next_round_is_the_first_six_o_clock_still_to_come(now, expected):
    """The next round is today's while 06:00 has not come, else tomorrow's."""
    assert next_round_day("Europe/Brussels", now) == expected


def test_each_day_has_one_business_key():
    """finance-YYYY-MM-DD identifies a day's round."""
    assert business_key(date(2026, 3, 3)) == "finance-2026-03-03"
