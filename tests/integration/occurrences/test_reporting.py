"""Reporting an occurrence: reference, default status, deadline, exactly the type's fields."""
import threading
from datetime import timedelta

import pytest

from engine import InvalidVariables, NotFound, clock
from processes.occurrences import catalogue, services

from .conftest import AGENT, RIVAL, Actor, damage, status_id, type_id


def report(eng, place, actor=AGENT, **overrides):
    """Report a Damage (unless overridden) without starting its process."""
    data = {**damage(place), "type_id": type_id(eng, "Damage", actor.tenant), **overrides}
    return services.report(eng, actor, data, start=False)


def test_default_types_and_statuses_are_preconfigured_per_tenant(domain_eng):
    """A tenant starts with Damage, Complaint, Vehicle issue, Payment dispute and
    Created -> Pending -> Resolved -> Closed, Resolved and Closed ended, each with a colour."""
    kinds, statuses = services.choices(domain_eng, "demo")
    assert [k.name for k in kinds] == ["Damage", "Complaint", "Vehicle issue", "Payment dispute"]
    assert [(s.name, s.ended) for s in statuses] == [
        ("Created", False), ("Pending", False), ("Resolved", True), ("Closed", True)]
    assert len({s.colour for s in statuses}) == 4
    assert all(s.colour.startswith("#") for s in statuses)


def test_default_types_carry_the_fields_of_the_product_table(domain_eng):
    """Damage: location (multiselect), damage type, pre-existing?; Complaint: category,
    customer contact; Vehicle issue: issue type (flat tire, dead battery...), action taken."""
    kinds, _ = services.choices(domain_eng, "demo")
    shape = {k.name: [(f.key, f.kind) for f in k.fields] for k in kinds}
    assert shape["Damage"] == [("location", "multiselect"), ("damage_type", "select"),
                               ("pre_existing", "boolean")]
    assert shape["Complaint"] == [("category", "select"), ("customer_contact", "text")]
    assert shape["Vehicle issue"] == [("issue_type", "select"), ("action_taken", "text")]
    assert shape["Payment dispute"] == []
    issue = next(k for k in kinds if k.name == "Vehicle issue").fields[0]
    assert {"Flat tire", "Dead battery"} <= set(issue.options)


def test_an_occurrence_gets_a_reference_a_default_status_and_a_deadline(domain_eng,
                                                                        domain_place):
    """OCC-0001, the first status, deadline = created + the type's SLA (Damage: 48 h)."""
    occurrence = report(domain_eng, domain_place)
    assert occurrence.reference == "OCC-0001"
    assert occurrence.status.name == "Created"
    assert occurrence.created_at == clock.now()
    assert occurrence.deadline_at == clock.now() + timedelta(hours=48)
    assert report(domain_eng, domain_place).reference == "OCC-0002"


def test_references_count_per_tenant(domain_eng, domain_place):
    """Each tenant has its own OCC-0001."""
    report(domain_eng, domain_place)
    rival = report(domain_eng, domain_place, Actor("boss", ("admin",), RIVAL),
                   booking_id=domain_place.rival_booking_id)
    assert rival.reference == "OCC-0001"


def test_concurrent_creation_never_duplicates_a_reference(domain_eng, domain_place):
    """Eight threads reporting at once on one SQLite file get 40 distinct, gapless numbers."""
    damage_id = type_id(domain_eng, "Damage")
    references, failures = [], []
    start = threading.Barrier(8)

    def worker():
        start.wait()
        for _ in range(5):
            try:
                made = services.report(domain_eng, AGENT,
                                       {**damage(domain_place), "type_id": damage_id},
                                       start=False)
                references.append(made.reference)
            except Exception as exc:  # noqa: BLE001 - any failure fails the test below
                failures.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures
    assert sorted(references) == [f"OCC-{n:04d}" for n in range(1, 41)]


def test_creating_from_a_booking_links_it_and_takes_its_site(domain_eng, domain_place):
    """From any booking, in a few taps: the site comes from the booking."""
    occurrence = report(domain_eng, domain_place)
    assert occurrence.booking.reference == domain_place.booking_reference
    assert occurrence.site_id == domain_place.site_id


def test_an_occurrence_can_be_reported_for_a_site_without_a_booking(domain_eng, domain_place):
    """No booking: the site is enough."""
    occurrence = report(domain_eng, domain_place, booking_id=None,
                        site_id=domain_place.other_site_id)
    assert occurrence.booking is None and occurrence.site.name == "Antwerp South"


@pytest.mark.parametrize("overrides, fields", [
    ({"booking_id": None}, {"site_id"}),
    ({"booking_id": None, "site_id": "rival"}, {"site_id"}),
    ({"description": " "}, {"description"}),
    ({"type_id": 999999}, {"type_id"}),
    ({"values": {"location": [], "damage_type": "Burnt", "category": "Pricing"}},
     {"location", "damage_type", "category"}),
])
def test_refused_reports_name_each_field_and_save_nothing(domain_eng, domain_place, overrides,
                                                          fields):
    """Every problem is named per field (422); no occurrence and no number is used up."""
    if overrides.get("site_id") == "rival":
        overrides["site_id"] = domain_place.rival_site_id
    with pytest.raises(InvalidVariables) as refused:
        report(domain_eng, domain_place, **overrides)
    assert set(refused.value.errors) == fields
    assert report(domain_eng, domain_place).reference == "OCC-0001"


def test_another_tenants_booking_is_no_such_booking(domain_eng, domain_place):
    """A rival's booking id is refused as unknown."""
    with pytest.raises(InvalidVariables) as refused:
        report(domain_eng, domain_place, booking_id=domain_place.rival_booking_id)
    assert "booking_id" in refused.value.errors


def test_the_form_shows_exactly_the_selected_types_fields(domain_eng, domain_place):
    """A Complaint takes category and customer contact, not the Damage fields."""
    with pytest.raises(InvalidVariables) as refused:
        report(domain_eng, domain_place, type_id=type_id(domain_eng, "Complaint"))
    assert set(refused.value.errors) == {"location", "damage_type", "pre_existing",
                                         "category", "customer_contact"}
    complaint = report(domain_eng, domain_place, type_id=type_id(domain_eng, "Complaint"),
                       values={"category": "Wait time", "customer_contact": "+32 470 12 34 56"})
    assert complaint.values == {"category": "Wait time", "customer_contact": "+32 470 12 34 56"}


def test_an_occurrence_of_another_tenant_is_not_found(domain_eng, domain_place):
    """Other tenants' occurrences do not exist for you (404)."""
    occurrence = report(domain_eng, domain_place)
    with pytest.raises(NotFound):
        services.load(domain_eng, RIVAL, occurrence.id)


def test_resolution_deadlines_are_set_per_type(domain_eng, domain_place):
    """Vehicle issue (4 h) is due sooner than Damage (48 h)."""
    issue = report(domain_eng, domain_place, type_id=type_id(domain_eng, "Vehicle issue"),
                   values={"issue_type": "Flat tire"})
    assert issue.deadline_at - issue.created_at == timedelta(hours=4)
    with domain_eng.reading() as session:
        assert catalogue.initial_status(session, "demo").id == status_id(domain_eng, "Created")
