"""Billing periods, proration by day and VAT rounding (table-driven)."""
from datetime import date
from decimal import Decimal

import pytest

from processes.invoicing import money


@pytest.mark.parametrize("text, first, last", [
    ("2026-03", date(2026, 3, 1), date(2026, 3, 31)),
    ("2026-02", date(2026, 2, 1), date(2026, 2, 28)),
    ("2028-02", date(2028, 2, 1), date(2028, 2, 29)),      # leap year
    (" 2026-12 ", date(2026, 12, 1), date(2026, 12, 31)),
])
def test_a_period_is_a_calendar_month(text, first, last):
    """YYYY-MM names the month from its first to its last day."""
    assert money.parse_period(text) == (first, last)


@pytest.mark.parametrize("text", ["2026-13", "2026-3", "26-03", "", None, "2026-00", "1999-01",
                                  "2026-03-01", "march"])
def test_other_periods_are_refused_with_a_clear_message(text):
    """Anything but YYYY-MM is refused and the message says the expected form."""
    with pytest.raises(money.InvalidPeriod, match="YYYY-MM"):
        money.parse_period(text)


@pytest.mark.parametrize("starts, ends, expected", [
    (date(2026, 3, 1), None, 31),                      # whole month
    (date(2025, 1, 10), None, 31),                     # started long before
    (date(2026, 3, 17), None, 15),                     # 17..31 including the start day
    (date(2026, 3, 31), None, 1),                      # last day only
    (date(2026, 3, 1), date(2026, 3, 10), 10),         # ends inside: 1..10
    (date(2026, 3, 5), date(2026, 3, 5), 1),           # a single day
    (date(2026, 4, 1), None, 0),                       # starts after
    (date(2026, 1, 1), date(2026, 2, 28), 0),          # ended before
])
def test_covered_days_count_both_ends(starts, ends, expected):
    """Covered days run from max(start, 1st) to min(end, last day), both included."""
    assert money.covered_days(starts, ends, date(2026, 3, 1), date(2026, 3, 31)) == expected


@pytest.mark.parametrize("monthly, days, in_month, expected", [
    (10000, 31, 31, 10000),      # full month: the price as is
    (10000, 15, 31, 4839),       # 4838.709... -> 4839
    (10000, 14, 28, 5000),       # February, half
    (9999, 1, 30, 333),          # 333.3 -> 333
    (4500, 1, 2, 2250),          # exact
    (1, 1, 2, 1),                # 0.5 -> 1 (half up)
    (3, 1, 2, 2),                # 1.5 -> 2 (half up, not to even)
    (5, 1, 2, 3),                # 2.5 -> 3 (half up, not to even)
    (12000, 1, 31, 387),         # 387.09 -> 387
])
def test_proration_is_days_over_days_in_month_rounded_half_up(monthly, days, in_month, expected):
    """First (or last) month: price x covered / days in month, ROUND_HALF_UP to the cent."""
    assert money.prorate(monthly, days, in_month) == expected


@pytest.mark.parametrize("net, rate, expected", [
    (10000, "0.21", 2100),
    (4839, "0.21", 1016),        # 1016.19 -> 1016
    (50, "0.21", 11),            # 10.5 -> 11 (half up)
    (150, "0.21", 32),           # 31.5 -> 32
    (250, "0.06", 15),           # exact
    (25, "0.06", 2),             # 1.5 -> 2
    (5, "0.10", 1),              # 0.5 -> 1
    (4839, "0", 0),
    (999, "0.077", 77),          # 76.923 -> 77 (Swiss rate)
])
def test_vat_is_rounded_half_up_per_line(net, rate, expected):
    """VAT of a line = net x rate, ROUND_HALF_UP to the cent."""
    assert money.vat_of(net, Decimal(rate)) == expected


@pytest.mark.parametrize("cents, text", [(0, "0.00"), (5, "0.05"), (12345, "123.45"),
                                         (-5, "-0.05"), (-12345, "-123.45")])
def test_cents_print_with_two_decimals(cents, text):
    """Amounts in files and pages are decimal strings with two places."""
    assert money.euros(cents) == text
