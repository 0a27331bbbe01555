"""Season-parker business rules as plain functions of plain values (table-tested).

Dates are calendar days in the site's time zone; `site_today` gives today there.
"""
import calendar
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from . import defaults


def site_today(zone_name, now):
    """Today's date in the site's IANA zone at UTC instant `now`."""
    return now.astimezone(ZoneInfo(zone_name)).date()


def end_of_month(day):
    """The last day of `day`'s month."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def add_months(day, months):
    """`day` moved by whole months, clamped to the month's end (31 Jan + 1 -> 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def vehicle_count_problem(count, maximum=defaults.MAX_VEHICLES):
    """Why `count` vehicles cannot be on one contract, or None (1 to `maximum`)."""
    if count < 1:
        return "Give at least one number plate."
    if count > maximum:
        return f"A contract holds at most {maximum} vehicles."
    return None


def eligibility_problems(*, product_active, product_at_site, starts_on, today, plates_in_use):
    """Reasons the application cannot be accepted at all (empty: eligible).

    `plates_in_use`: the application's plates already on another contract at the site.
    """
    problems = []
    if not product_active:
        problems.append("The product is no longer sold.")
    if not product_at_site:
        problems.append("The product is not sold at this car park.")
    if starts_on < today:
        problems.append("The start date has passed.")
    elif starts_on > today + timedelta(days=defaults.START_WINDOW_DAYS):
        problems.append(f"The start date is more than {defaults.START_WINDOW_DAYS} days ahead.")
    for plate in sorted(plates_in_use):
        problems.append(f"{plate} already parks here under another contract.")
    return problems


def season_places(capacity, share_percent=defaults.SEASON_SHARE_PERCENT):
    """Places of a site sold as season places (rounded down)."""
    return max(0, capacity) * share_percent // 100


def may_take_place(places, occupied, waiting_ahead):
    """True when a free place remains after everyone waiting ahead in the queue got one."""
    return places - occupied > waiting_ahead


def unusual_reasons(*, vehicle_count, product_max_vehicles, discount_percent):
    """Why a supervisor must approve the application (empty: usual, no approval needed)."""
    reasons = []
    if vehicle_count > product_max_vehicles:
        reasons.append(f"{vehicle_count} vehicles; the product allows {product_max_vehicles}.")
    if discount_percent:
        reasons.append(f"Discount of {discount_percent} %.")
    return reasons


def discount_problem(discount_percent):
    """Why the discount cannot be given, or None."""
    if not 0 <= discount_percent <= defaults.MAX_DISCOUNT_PERCENT:
        return f"A discount is 0 to {defaults.MAX_DISCOUNT_PERCENT} %."
    return None


def monthly_price(list_price_cents, discount_percent):
    """Net monthly price in cents after the discount, rounded half up to the cent."""
    return (list_price_cents * (100 - discount_percent) + 50) // 100


def contract_end(starts_on, term_months):
    """Last day of a fixed term (the day before the same date `term_months` later); None when
    the contract rolls monthly (term 0)."""
    if not term_months:
        return None
    return add_months(starts_on, term_months) - timedelta(days=1)


def renewed_end(ends_on, months=defaults.RENEWAL_MONTHS):
    """The new last day of a fixed-term contract renewed for `months` more."""
    return add_months(ends_on + timedelta(days=1), months) - timedelta(days=1)


def termination_date(notice_given_on, notice_days=defaults.NOTICE_DAYS, requested_end=None,
                     ends_on=None):
    """Last day of a terminated contract: the end of the month in which the notice period
    (or the later requested day) is over, but never after the contract's own last day."""
    earliest = notice_given_on + timedelta(days=notice_days)
    last = end_of_month(max(earliest, requested_end or earliest))
    return min(last, ends_on) if ends_on is not None else last


def revocation_day(last_day):
    """The first day without access: the day after the last covered day (paid.access_until;
    None: never)."""
    return None if last_day is None else last_day + timedelta(days=1)


def access_valid_to(last_day):
    """The last day a credential lets the car in, for a contract covered up to `last_day`."""
    day = revocation_day(last_day)
    return None if day is None else day - timedelta(days=1)
