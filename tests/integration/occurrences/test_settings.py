"""Per-tenant settings: types with their own custom fields and SLA, statuses with colours,
"ended" flags and order."""
import pytest

from engine import InvalidVariables
from engine import clock as engine_clock
from processes.occurrences import catalogue, services, settings

from .conftest import AGENT, SUPERVISOR, damage, status_id, type_id


def in_tx(eng, fn, *args, **kwargs):
    """Run a settings change in one transaction."""
    with eng.transaction() as session:
        return fn(session, *args, **kwargs)


def test_tenants_define_their_own_types_with_custom_fields_and_sla(domain_eng, domain_place):
    """A new type 'Lost item' with a date and a number field; its SLA sets the deadline."""
    services.choices(domain_eng, "demo")
    lost = in_tx(domain_eng, settings.save_type, "demo", "Lost item", "24").id
    in_tx(domain_eng, settings.save_field, "demo", lost, "found_on", "Found on", "date",
          required=True)
    in_tx(domain_eng, settings.save_field, "demo", lost, "value", "Estimated value", "number")
    occ = services.report(domain_eng, AGENT, {
        "type_id": lost, "description": "Wallet in bay 12", "site_id": domain_place.site_id,
        "values": {"found_on": "2026-03-01", "value": "40"}}, start=False)
    assert occ.values == {"found_on": "2026-03-01", "value": 40}
    assert (occ.deadline_at - occ.created_at).total_seconds() == 24 * 3600


def test_settings_are_per_tenant(domain_eng):
    """A type added by one tenant is not another's."""
    services.choices(domain_eng, "demo")
    in_tx(domain_eng, settings.save_type, "demo", "Lost item", "24")
    kinds, _ = services.choices(domain_eng, "rival")
    assert "Lost item" not in [k.name for k in kinds]


def test_changing_an_sla_changes_new_deadlines_only(domain_eng, domain_place):
    """Existing occurrences keep their deadline."""
    damage_id = type_id(domain_eng, "Damage")
    data = {**damage(domain_place), "type_id": damage_id}
    before = services.report(domain_eng, AGENT, data, start=False)
    in_tx(domain_eng, settings.save_type, "demo", "Damage", "12", type_id=damage_id)
    after = services.report(domain_eng, AGENT, data, start=False)
    assert (before.deadline_at - before.created_at).total_seconds() == 48 * 3600
    assert (after.deadline_at - after.created_at).total_seconds() == 12 * 3600


def test_a_type_out_of_use_cannot_be_chosen(domain_eng, domain_place):
    """Inactive types leave the form; reporting one is refused on type_id."""
    damage_id = type_id(domain_eng, "Damage")
    in_tx(domain_eng, settings.save_type, "demo", "Damage", "48", active=False,
          type_id=damage_id)
    kinds, _ = services.choices(domain_eng, "demo")
    assert "Damage" not in [k.name for k in kinds]
    with pytest.raises(InvalidVariables) as refused:
        services.report(domain_eng, AGENT, {**damage(domain_place), "type_id": damage_id},
                        start=False)
    assert "type_id" in refused.value.errors


def test_statuses_have_a_colour_an_ended_flag_and_an_order(domain_eng, domain_place):
    """A new ended status 'Rejected' makes occurrences read-only like Closed."""
    services.choices(domain_eng, "demo")
    rejected = in_tx(domain_eng, settings.save_status, "demo", "Rejected", "#b91c1c",
                     ended=True, position="10").id
    occ = services.report(domain_eng, AGENT, {**damage(domain_place),
                                              "type_id": type_id(domain_eng, "Damage")},
                          start=False)
    services.change(domain_eng, SUPERVISOR, occ.id, {"status_id": rejected})
    page = services.page(domain_eng, AGENT, occ.id, engine_clock.now())
    assert page.read_only and page.occurrence.status.colour == "#b91c1c"
    assert [s.name for s in page.statuses][-1] == "Rejected"


def test_a_process_step_belongs_to_one_status(domain_eng):
    """Giving 'In review' the triage step takes it from Pending."""
    services.choices(domain_eng, "demo")
    in_tx(domain_eng, settings.save_status, "demo", "In review", "#7c3aed",
          milestone=catalogue.IN_PROGRESS)
    with domain_eng.reading() as session:
        assert catalogue.milestone_status(session, "demo", catalogue.IN_PROGRESS).name == \
            "In review"
        assert catalogue.get_status(session, "demo", status_id(domain_eng, "Pending")) \
            .milestone is None


@pytest.mark.parametrize("call, fields", [
    (lambda s, t: settings.save_type(s, "demo", "", "0"), {"name", "sla_hours"}),
    (lambda s, t: settings.save_type(s, "demo", "Complaint", "24"), {"name"}),
    (lambda s, t: settings.save_field(s, "demo", t, "Bad Key", "", "colour"),
     {"key", "label", "kind"}),
    (lambda s, t: settings.save_field(s, "demo", t, "location", "Where", "select"),
     {"key", "options"}),
    (lambda s, t: settings.save_status(s, "demo", "Created", "red", milestone="done"),
     {"name", "colour", "milestone"}),
])
def test_refused_settings_name_each_field(domain_eng, call, fields):
    """Bad settings are refused as a whole with a message per field."""
    damage_id = type_id(domain_eng, "Damage")
    with pytest.raises(InvalidVariables) as refused:
        in_tx(domain_eng, call, damage_id)
    assert set(refused.value.errors) == fields


def test_removing_a_field_keeps_recorded_values(domain_eng, domain_place):
    """Values already recorded stay on the occurrence."""
    damage_id = type_id(domain_eng, "Damage")
    occ = services.report(domain_eng, AGENT, {**damage(domain_place), "type_id": damage_id},
                          start=False)
    field_id = next(f.id for f in occ.type.fields if f.key == "pre_existing")
    in_tx(domain_eng, settings.remove_field, "demo", damage_id, field_id)
    after = services.load(domain_eng, "demo", occ.id)
    assert [f.key for f in after.type.fields] == ["location", "damage_type"]
    assert after.values["pre_existing"] is False
