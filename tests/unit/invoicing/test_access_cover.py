"""What a contract's invoices cover for access: paid periods and periods still in their payment
term count, the first overdue one stops the cover (table-driven, processes.invoicing.cover)."""
from datetime import date

import pytest

from processes.invoicing.cover import Billed, cover_of

FEB = (date(2026, 2, 1), date(2026, 2, 28), date(2026, 2, 15))     # period, due on the 15th
MAR = (date(2026, 3, 1), date(2026, 3, 31), date(2026, 3, 15))
APR = (date(2026, 4, 1), date(2026, 4, 30), date(2026, 4, 15))


def billed(month, status):
    start, end, due = month
    return Billed(start, end, status, due)


@pytest.mark.parametrize("invoices, today, paid_up_to, covered_until", [
    ((), date(2026, 3, 10), None, None),                              # nothing invoiced yet
    (((FEB, "paid"),), date(2026, 3, 10), date(2026, 2, 28), date(2026, 2, 28)),
    (((FEB, "paid"), (MAR, "open")), date(2026, 3, 10),               # open, in term
     date(2026, 2, 28), date(2026, 3, 31)),
    (((FEB, "paid"), (MAR, "open")), date(2026, 3, 15),               # due today: still in term
     date(2026, 2, 28), date(2026, 3, 31)),
    (((FEB, "paid"), (MAR, "open")), date(2026, 3, 16),               # past due: paid Feb only
     date(2026, 2, 28), date(2026, 2, 28)),
    (((FEB, "paid"), (MAR, "paid")), date(2026, 3, 20), date(2026, 3, 31), date(2026, 3, 31)),
    (((FEB, "paid"), (MAR, "credited")), date(2026, 3, 10),           # credited: neither
     date(2026, 2, 28), date(2026, 2, 28)),
    (((FEB, "credited"), (MAR, "open")), date(2026, 3, 10), None, date(2026, 3, 31)),
    (((MAR, "open"),), date(2026, 3, 16), None, date(2026, 2, 28)),   # first invoice overdue
    (((FEB, "open"), (MAR, "open")), date(2026, 3, 10),               # Feb overdue stops March
     None, date(2026, 1, 31)),
    (((FEB, "open"), (MAR, "paid")), date(2026, 3, 10),               # a later payment too
     date(2026, 3, 31), date(2026, 1, 31)),
    (((APR, "open"), (FEB, "paid"), (MAR, "paid")), date(2026, 4, 2),  # any order
     date(2026, 3, 31), date(2026, 4, 30)),
])
def test_access_is_covered_by_periods_paid_or_in_term_up_to_the_first_overdue_one(
        invoices, today, paid_up_to, covered_until):
    """Paid and not-yet-due invoices cover their period; the first overdue one stops it."""
    cover = cover_of([billed(month, status) for month, status in invoices], today)
    assert (cover.paid_up_to, cover.covered_until) == (paid_up_to, covered_until)
