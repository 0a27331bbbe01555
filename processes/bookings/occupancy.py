"""How many spaces a site has taken at its busiest moment of a period."""


def peak_occupancy(periods, start, end):
    """Most [starts, ends) periods of `periods` in force at one moment of [start, end)."""
    changes = []
    for starts, ends in periods:
        lo, hi = max(starts, start), min(ends, end)
        if lo < hi:
            changes.append((lo, 1))
            changes.append((hi, -1))
    # At equal times a departure comes before an arrival: periods are half-open.
    changes.sort(key=lambda change: (change[0], change[1]))
    peak = taken = 0
    for _, delta in changes:
        taken += delta
        peak = max(peak, taken)
    return peak
