"""Timestamps in API answers: ISO 8601 in UTC to the second, with a Z."""
from datetime import datetime, timedelta, timezone

import pytest

from webapp.api.serializers import iso

BRUSSELS_SUMMER = timezone(timedelta(hours=2))
NEWFOUNDLAND = timezone(timedelta(hours=-2, minutes=-30))


@pytest.mark.parametrize("moment, text", [
    (datetime(2026, 3, 2, 9, 0, 1, tzinfo=timezone.utc), "2026-03-02T09:00:01Z"),
    (datetime(2026, 3, 2, 9, 0, 1, 999999, tzinfo=timezone.utc), "2026-03-02T09:00:01Z"),
    (datetime(2026, 7, 1, 0, 30, tzinfo=BRUSSELS_SUMMER), "2026-06-30T22:30:00Z"),
    (datetime(2026, 12, 31, 22, 0, tzinfo=NEWFOUNDLAND), "2027-01-01T00:30:00Z"),
    (datetime(99, 1, 2, 3, 4, 5, tzinfo=timezone.utc), "0099-01-02T03:04:05Z"),
    (datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone.utc), "9999-12-31T23:59:59Z"),
    (None, None)])
def test_timestamps_are_written_in_utc_to_the_second(moment, text):
    """Any offset is turned into UTC; fractions of a second are cut, as isoformat's
    timespec="seconds" cuts them; four-digit years."""
    assert iso(moment) == text


def test_the_text_is_what_isoformat_writes():
    """Over a day of moments in two zones, the same text as the standard library's
    isoformat(timespec="seconds") with +00:00 written as Z."""
    for minute in range(0, 24 * 60, 7):
        for zone in (timezone.utc, NEWFOUNDLAND):
            moment = datetime(2026, 10, 25, tzinfo=zone) + timedelta(
                minutes=minute, seconds=minute % 60, microseconds=minute)
            expected = moment.astimezone(timezone.utc).isoformat(timespec="seconds")
            assert iso(moment) == expected.replace("+00:00", "Z"), moment
