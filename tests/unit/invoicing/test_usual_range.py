"""A day's revenue against its usual range: median +/- 3 x MAD (table-driven)."""
from decimal import Decimal

import pytest

from processes.invoicing.alerts import usual_range

STEADY = [1000, 1010, 990, 1005, 995, 1000, 1020, 980, 1000, 1000, 1015, 985, 1000, 1000]


@pytest.mark.parametrize("history, value, outside", [
    (STEADY, 1000, False),
    (STEADY, 1030, False),            # median 1000, MAD 5 -> floor 100 -> 700..1300
    (STEADY, 1300, False),            # on the edge: inside
    (STEADY, 1301, True),
    (STEADY, 699, True),
    ([0] * 14, 0, False),
    ([0] * 14, 300, False),           # flat history: the floor tolerates 3 EUR
    ([0] * 14, 301, True),
    ([100_000, 200_000] * 7, 150_000, False),   # MAD 50,000: wide range
    ([100_000, 200_000] * 7, 310_000, True),    # beyond 150,000 + 3 x 50,000
])
def test_a_day_far_from_the_median_is_outside_its_usual_range(history, value, outside):
    """Outside means beyond median +/- 3 x max(MAD, 1 EUR), both ends inclusive inside."""
    assert usual_range(history, value).outside is outside


def test_the_range_reports_median_and_mad():
    """The range shows what it was built from, for the alert's message."""
    found = usual_range([10, 20, 30, 40, 1000], 25)
    assert (found.median, found.mad) == (Decimal(30), Decimal(10))
