"""Season-parker rules, table by table."""
from datetime import date, datetime, timezone

import pytest

from processes.seasonparking import rules

D = date


@pytest.mark.parametrize("count, problem", [
    (0, "Give at least one number plate."),
    (1, None), (2, None), (3, None),
    (4, "A contract holds at most 3 vehicles."),
])
def test_a_contract_holds_one_to_three_vehicles(count, problem):
    """1 to 3 plates; none or a fourth is refused with a message."""
    assert rules.vehicle_count_problem(count) == problem


TODAY = D(2026, 3, 2)


@pytest.mark.parametrize("active, at_site, starts_on, in_use, problems", [
    (True, True, TODAY, set(), []),
    (True, True, D(2026, 5, 31), set(), []),                       # 90 days ahead: fine
    (True, True, D(2026, 6, 1), set(), ["The start date is more than 90 days ahead."]),
    (True, True, D(2026, 3, 1), set(), ["The start date has passed."]),
    (False, True, TODAY, set(), ["The product is no longer sold."]),
    (True, False, TODAY, set(), ["The product is not sold at this car park."]),
    (True, True, TODAY, {"1ABC234"}, ["1ABC234 already parks here under another contract."]),
])
def test_eligibility(active, at_site, starts_on, in_use, problems):
    """Product sold at the site, start within 90 days, no plate already parking there."""
    assert rules.eligibility_problems(product_active=active, product_at_site=at_site,
                                      starts_on=starts_on, today=TODAY,
                                      plates_in_use=in_use) == problems


@pytest.mark.parametrize("capacity, share, places", [(200, 50, 100), (5, 50, 2), (0, 50, 0),
                                                     (10, 100, 10), (-3, 50, 0)])
def test_season_places_are_a_share_of_the_capacity_rounded_down(capacity, share, places):
    """Only a share of the car park is sold as season places."""
    assert rules.season_places(capacity, share) == places


@pytest.mark.parametrize("places, occupied, ahead, may", [
    (2, 0, 0, True), (2, 1, 0, True), (2, 2, 0, False), (2, 3, 0, False),
    (2, 1, 1, False),     # one free place, but someone queued first
    (3, 1, 1, True),      # two free places: the first in the queue and this one
])
def test_a_place_goes_to_the_queue_in_order(places, occupied, ahead, may):
    """An application takes a place only after everyone waiting ahead of it got one."""
    assert rules.may_take_place(places, occupied, ahead) is may


@pytest.mark.parametrize("vehicles, allowed, discount, reasons", [
    (1, 1, 0, []),
    (2, 2, 0, []),
    (2, 1, 0, ["2 vehicles; the product allows 1."]),
    (1, 1, 15, ["Discount of 15 %."]),
    (3, 1, 5, ["3 vehicles; the product allows 1.", "Discount of 5 %."]),
])
def test_unusual_applications_need_a_supervisor(vehicles, allowed, discount, reasons):
    """More vehicles than the product allows, or any discount, is unusual."""
    assert rules.unusual_reasons(vehicle_count=vehicles, product_max_vehicles=allowed,
                                 discount_percent=discount) == reasons


@pytest.mark.parametrize("price, discount, net", [(12000, 0, 12000), (12000, 10, 10800),
                                                  (9999, 15, 8499), (9990, 15, 8492),
                                                  (1, 50, 1), (12345, 50, 6173)])
def test_the_monthly_price_after_discount_rounds_half_up_to_the_cent(price, discount, net):
    """Net price = list price x (100 - discount) %, half a cent rounded up."""
    assert rules.monthly_price(price, discount) == net


@pytest.mark.parametrize("given, requested, ends_on, last_day", [
    (D(2026, 3, 2), None, None, D(2026, 4, 30)),      # +30 d = 1 Apr -> end of April
    (D(2026, 3, 1), None, None, D(2026, 3, 31)),      # +30 d = 31 Mar, already a month end
    (D(2026, 1, 31), None, None, D(2026, 3, 31)),     # +30 d = 2 Mar
    (D(2026, 12, 15), None, None, D(2027, 1, 31)),    # over the year end
    (D(2026, 3, 2), D(2026, 6, 10), None, D(2026, 6, 30)),   # a later wish, to month end
    (D(2026, 3, 2), D(2026, 3, 15), None, D(2026, 4, 30)),   # too early a wish: notice wins
    (D(2026, 3, 2), None, D(2026, 4, 15), D(2026, 4, 15)),   # a fixed term ends sooner
])
def test_termination_ends_at_the_month_end_after_the_notice_period(given, requested, ends_on,
                                                                   last_day):
    """End of the month in which 30 days' notice (or the later wished day) are over."""
    assert rules.termination_date(given, 30, requested, ends_on) == last_day


@pytest.mark.parametrize("last_paid, revoked_on, valid_to", [
    (D(2026, 4, 30), D(2026, 5, 1), D(2026, 4, 30)),
    (D(2026, 12, 31), D(2027, 1, 1), D(2026, 12, 31)),
    (D(2028, 2, 28), D(2028, 2, 29), D(2028, 2, 28)),
    (None, None, None),                                # nothing limits access yet
])
def test_access_is_revoked_the_day_after_the_last_paid_day(last_paid, revoked_on, valid_to):
    """Revocation day = last paid day + 1; the credential is valid up to the last paid day."""
    assert rules.revocation_day(last_paid) == revoked_on
    assert rules.access_valid_to(last_paid) == valid_to


@pytest.mark.parametrize("starts_on, term, ends_on", [
    (D(2026, 3, 9), 0, None), (D(2026, 3, 1), 12, D(2027, 2, 28)),
    (D(2026, 1, 15), 1, D(2026, 2, 14)), (D(2026, 3, 9), 3, D(2026, 6, 8))])
def test_a_fixed_term_ends_the_day_before_the_same_date_months_later(starts_on, term, ends_on):
    """Term 0 rolls monthly without an end; otherwise the day before the anniversary."""
    assert rules.contract_end(starts_on, term) == ends_on


@pytest.mark.parametrize("ends_on, months, renewed", [
    (D(2027, 2, 28), 12, D(2028, 2, 29)), (D(2026, 6, 8), 12, D(2027, 6, 8)),
    (D(2026, 3, 31), 3, D(2026, 6, 30))])
def test_a_renewal_extends_the_term_by_whole_months(ends_on, months, renewed):
    """The renewed term starts the day after the old last day."""
    assert rules.renewed_end(ends_on, months) == renewed


@pytest.mark.parametrize("utc, zone, today", [
    (datetime(2026, 3, 1, 23, 30, tzinfo=timezone.utc), "Europe/Brussels", D(2026, 3, 2)),
    (datetime(2026, 3, 1, 23, 30, tzinfo=timezone.utc), "America/New_York", D(2026, 3, 1)),
    (datetime(2026, 3, 29, 22, 30, tzinfo=timezone.utc), "Europe/Brussels", D(2026, 3, 30)),
])
def test_today_is_the_sites_calendar_day(utc, zone, today):
    """Dates of rules are the site's local days, DST included."""
    assert rules.site_today(zone, utc) == today
