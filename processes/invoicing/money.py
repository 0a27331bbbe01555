"""The money rules: billing periods, proration by day, VAT rounding. Integer cents throughout.

Proration: a month in which the contract covers only some days is billed
    monthly_price x covered_days / days_in_month,
where covered days run from max(starts_on, 1st) to min(ends_on, last day), both included
(a contract starting on 17 March 2026 pays 15/31 of March). Rounded ROUND_HALF_UP to the cent.

VAT: computed per line as net x rate, rounded ROUND_HALF_UP to the cent (half a cent goes up);
an invoice's VAT is the sum of its lines' VAT, its gross = net + VAT.
"""
import calendar
import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
CENT = Decimal(1)


class InvalidPeriod(ValueError):
    """A billing period that is not YYYY-MM."""


def parse_period(text):
    """(first day, last day) of a "YYYY-MM" billing period; InvalidPeriod otherwise."""
    match = _PERIOD.match(str(text or "").strip())
    if not match or not 2000 <= int(match.group(1)) <= 2999:
        raise InvalidPeriod("Enter a month as YYYY-MM, e.g. 2026-03.")
    year, month = int(match.group(1)), int(match.group(2))
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def period_of(day):
    """The "YYYY-MM" billing period a date falls in."""
    return f"{day.year:04d}-{day.month:02d}"


def covered_days(starts_on, ends_on, first, last):
    """Days of [first, last] the contract [starts_on, ends_on] covers, both ends included."""
    begin = max(starts_on, first)
    end = last if ends_on is None else min(ends_on, last)
    return max((end - begin).days + 1, 0)


def prorate(monthly_cents, days, days_in_month):
    """The price of `days` of a month of `days_in_month` days, ROUND_HALF_UP to the cent."""
    if days >= days_in_month:
        return monthly_cents
    exact = Decimal(monthly_cents) * days / days_in_month
    return int(exact.quantize(CENT, rounding=ROUND_HALF_UP))


def vat_of(net_cents, rate):
    """VAT of one line: net x rate, ROUND_HALF_UP to the cent."""
    return int((Decimal(net_cents) * Decimal(rate)).quantize(CENT, rounding=ROUND_HALF_UP))


def euros(cents):
    """Cents as a decimal string with two places: 12345 -> "123.45", -5 -> "-0.05"."""
    sign = "-" if cents < 0 else ""
    cents = abs(int(cents))
    return f"{sign}{cents // 100}.{cents % 100:02d}"
