"""Peak occupancy of a site over a period: the most bookings in force at one moment."""
import pytest

from processes.bookings.occupancy import peak_occupancy


@pytest.mark.parametrize("periods, start, end, peak", [
    ([], 8, 10, 0),
    ([(8, 10)], 8, 10, 1),
    ([(8, 10), (9, 11)], 8, 12, 2),
    ([(8, 9), (9, 10)], 8, 10, 1),                 # back to back: half-open, never both
    ([(7, 8), (10, 11)], 8, 10, 0),                # touching the period from outside
    ([(6, 9), (9, 12), (8, 10)], 8, 12, 2),
    ([(6, 18), (7, 9), (10, 12)], 8, 11, 2),       # two short ones never overlap each other
    ([(8, 10)] * 3, 9, 9.5, 3),
])
def test_peak_counts_only_bookings_in_force_together(periods, start, end, peak):
    """Bookings that overlap the period but not each other count once at a time (hours as
    plain numbers: the function only compares them)."""
    assert peak_occupancy(periods, start, end) == peak
