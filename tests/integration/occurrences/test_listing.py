"""The occurrence list across all bookings: filters, sort and a count per status."""
from datetime import timedelta

import pytest

from engine import clock as engine_clock
from processes.occurrences import listing, services

from .conftest import AGENT, SUPERVISOR, damage, status_id, type_id


@pytest.fixture
def world(domain_eng, domain_place, clock):
    """Four occurrences: two Damage (one on the other site, a day later), a Vehicle issue
    assigned to the agent and already overdue, a Complaint closed; references by name."""
    eng, place = domain_eng, domain_place

    def add(kind, values, **extra):
        return services.report(eng, AGENT, {**damage(place), "type_id": type_id(eng, kind),
                                            "values": values, **extra}, start=False)
    made = {"damage": add("Damage", damage(place)["values"])}
    made["issue"] = add("Vehicle issue", {"issue_type": "Flat tire"})
    made["complaint"] = add("Complaint", {"category": "Pricing", "customer_contact": "ana"})
    clock.shift(timedelta(days=1))
    made["other_site"] = add("Damage", damage(place)["values"], booking_id=None,
                             site_id=place.other_site_id)
    services.change(eng, SUPERVISOR, made["issue"].id, {"assignee": "agent"})
    services.change(eng, AGENT, made["complaint"].id, {"status_id": status_id(eng, "Closed")})
    return made


def find(eng, **args):
    """References found by the filters given as query parameters."""
    found = services.find(eng, AGENT, listing.parse_filters(args), engine_clock.now())
    return [o.reference for o in found.rows], found


def test_the_list_covers_all_bookings_and_sites_newest_first(domain_eng, world):
    """Every occurrence of the tenant, with or without a booking."""
    refs, found = find(domain_eng)
    assert refs == ["OCC-0004", "OCC-0003", "OCC-0002", "OCC-0001"] and found.total == 4


@pytest.mark.parametrize("args, expected", [
    ({"type_id": "Damage"}, ["OCC-0004", "OCC-0001"]),
    ({"status_id": "Closed"}, ["OCC-0003"]),
    ({"assignee": "agent"}, ["OCC-0002"]),
    ({"overdue": "1"}, ["OCC-0002"]),
    ({"overdue": "0"}, ["OCC-0004", "OCC-0003", "OCC-0001"]),
    ({"site_id": "other"}, ["OCC-0004"]),
    ({"booking_id": "booking"}, ["OCC-0003", "OCC-0002", "OCC-0001"]),
    ({"created_from": "2026-03-03"}, ["OCC-0004"]),
    ({"created_to": "2026-03-02"}, ["OCC-0003", "OCC-0002", "OCC-0001"]),
])
def test_the_list_filters_by_type_status_overdue_assignee_site_booking_and_dates(
        domain_eng, domain_place, world, args, expected):
    """Each filter narrows the list to what it names."""
    names = {"Damage": type_id(domain_eng, "Damage"), "Closed": status_id(domain_eng, "Closed"),
             "other": domain_place.other_site_id, "booking": domain_place.booking_id}
    args = {k: str(names.get(v, v)) for k, v in args.items()}
    assert find(domain_eng, **args)[0] == expected


def test_date_range_days_are_local_days_of_the_organisation(domain_eng, world, clock):
    """Created at 23:30 UTC on 3 March is 4 March in Brussels."""
    clock.move_to(engine_clock.now().replace(hour=23, minute=30))
    late = services.report(domain_eng, AGENT, {
        "type_id": type_id(domain_eng, "Payment dispute"), "description": "double charge",
        "site_id": world["damage"].site_id}, start=False)
    assert find(domain_eng, created_from="2026-03-04")[0] == [late.reference]


@pytest.mark.parametrize("sort, expected", [
    ("oldest", ["OCC-0001", "OCC-0002", "OCC-0003", "OCC-0004"]),
    ("deadline", ["OCC-0002", "OCC-0001", "OCC-0003", "OCC-0004"]),
    ("reference", ["OCC-0001", "OCC-0002", "OCC-0003", "OCC-0004"]),
    ("status", ["OCC-0004", "OCC-0002", "OCC-0001", "OCC-0003"]),
])
def test_the_list_sorts(domain_eng, world, sort, expected):
    """Oldest, deadline, reference or status order."""
    assert find(domain_eng, sort=sort)[0] == expected


def test_the_list_counts_occurrences_per_status(domain_eng, world):
    """Created 3, Closed 1; under a type filter the counts follow it."""
    _refs, found = find(domain_eng)
    assert found.counts == {status_id(domain_eng, "Created"): 3,
                            status_id(domain_eng, "Closed"): 1}
    _refs, found = find(domain_eng, type_id=str(type_id(domain_eng, "Complaint")),
                        status_id=str(status_id(domain_eng, "Created")))
    assert found.counts == {status_id(domain_eng, "Closed"): 1} and found.total == 0


def test_the_list_pages(domain_eng, world, monkeypatch):
    """Pages of PAGE_SIZE, with the number of pages."""
    from processes.occurrences import defaults
    monkeypatch.setattr(defaults, "PAGE_SIZE", 3)
    with domain_eng.reading() as session:
        found = listing.search(session, "demo", listing.Filters(page=2), engine_clock.now(),
                               services.tenant_zone(session, "demo"), page_size=3)
    assert ([o.reference for o in found.rows], found.pages) == (["OCC-0001"], 2)
