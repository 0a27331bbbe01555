"""Changing occurrences: read-only once ended, reopening with permission and reason, the
assignee, comments, and a complete activity log (who, what from what to what, when)."""
from datetime import timedelta

import pytest

from engine import AuditEvent, InvalidVariables, NotAllowed, TaskConflict
from engine import clock as engine_clock
from processes.occurrences import services

from .conftest import AGENT, SUPERVISOR, damage, status_id, type_id


@pytest.fixture
def occ(domain_eng, domain_place):
    """A Damage on the demo booking, without its process (editing rules only)."""
    return services.report(domain_eng, AGENT, {**damage(domain_place),
                                               "type_id": type_id(domain_eng, "Damage")},
                           start=False)


def close(eng, occurrence, actor=AGENT):
    """Set the Closed status by hand."""
    return services.change(eng, actor, occurrence.id, {"status_id": status_id(eng, "Closed")})


def log_of(eng, occurrence):
    """(kind, actor, field, old, new, note) of every activity row."""
    page = services.page(eng, AGENT, occurrence.id, engine_clock.now())
    return [(a.kind, a.actor, a.field, a.old, a.new, a.note) for a in page.activity]


def test_fields_can_be_edited_while_open_and_each_change_is_logged(domain_eng, occ):
    """Which field changed, from what to what, by whom."""
    services.change(domain_eng, SUPERVISOR, occ.id, {
        "description": "Deep scratch, left rear door",
        "values": {"damage_type": "Dent", "location": ["Left side", "Rear"]}})
    changed = services.load(domain_eng, "demo", occ.id)
    assert changed.values["damage_type"] == "Dent"
    assert changed.values["location"] == ["Rear", "Left side"]
    assert changed.values["pre_existing"] is False
    rows = log_of(domain_eng, occ)
    assert ("field_changed", "supervisor", "description", "Scratch on the left door",
            "Deep scratch, left rear door", None) in rows
    assert ("field_changed", "supervisor", "Damage type", "Scratch", "Dent", None) in rows
    assert ("field_changed", "supervisor", "Location on vehicle", "Left side",
            "Rear, Left side", None) in rows


def test_an_ended_occurrence_refuses_every_field_edit_with_a_clear_message(domain_eng, occ):
    """Closed: description, custom fields and assignee are read-only (409), nothing changes."""
    close(domain_eng, occ)
    for changes in ({"description": "changed"}, {"values": {"damage_type": "Dent"}},
                    {"assignee": "agent"}):
        with pytest.raises(TaskConflict, match="OCC-0001 is Closed, so its fields are "
                                               "read-only"):
            services.change(domain_eng, SUPERVISOR, occ.id, changes)
    after = services.load(domain_eng, "demo", occ.id)
    assert (after.description, after.values["damage_type"], after.assignee) == (
        "Scratch on the left door", "Scratch", None)


def test_an_ended_occurrence_may_still_move_to_another_ended_status(domain_eng, occ):
    """Resolved -> Closed is not a reopening and needs no reason."""
    services.change(domain_eng, AGENT, occ.id, {"status_id": status_id(domain_eng, "Resolved")})
    assert close(domain_eng, occ).status.name == "Closed"


def test_reopening_needs_supervisor_or_admin(domain_eng, occ):
    """The back office cannot reopen (403); nothing changes."""
    close(domain_eng, occ)
    with pytest.raises(NotAllowed, match="supervisor or an admin"):
        services.change(domain_eng, AGENT, occ.id, {"status_id": status_id(domain_eng,
                                                                           "Pending"),
                                                    "reason": "please"})
    assert services.load(domain_eng, "demo", occ.id).status.name == "Closed"


def test_reopening_needs_a_reason_and_is_an_audit_event(domain_eng, occ):
    """No reason: 422 on `reason`. With one: reopened, logged with the reason, audited."""
    close(domain_eng, occ)
    pending = status_id(domain_eng, "Pending")
    with pytest.raises(InvalidVariables) as refused:
        services.change(domain_eng, SUPERVISOR, occ.id, {"status_id": pending})
    assert set(refused.value.errors) == {"reason"}
    reopened = services.change(domain_eng, SUPERVISOR, occ.id,
                               {"status_id": pending, "reason": "Customer sent new photos"})
    assert reopened.status.name == "Pending" and reopened.ended_at is None
    assert ("reopened", "supervisor", "status", "Closed", "Pending",
            "Customer sent new photos") in log_of(domain_eng, occ)
    with domain_eng.reading() as session:
        event = session.query(AuditEvent).filter_by(kind="occurrence_reopened").one()
    assert (event.actor, event.payload["reference"], event.payload["reason"]) == (
        "supervisor", "OCC-0001", "Customer sent new photos")


def test_reopening_and_editing_in_one_change(domain_eng, occ):
    """Reopen first, then the fields are editable again in the same request."""
    close(domain_eng, occ)
    changed = services.change(domain_eng, SUPERVISOR, occ.id, {
        "status_id": status_id(domain_eng, "Pending"), "reason": "wrong type of damage",
        "values": {"damage_type": "Dent"}})
    assert (changed.status.name, changed.values["damage_type"]) == ("Pending", "Dent")


def test_a_status_change_is_logged_with_who_and_when(domain_eng, occ, clock):
    """Who changed the status, from what to what, and when."""
    clock.shift(timedelta(minutes=30))
    services.change(domain_eng, AGENT, occ.id, {"status_id": status_id(domain_eng, "Pending")})
    page = services.page(domain_eng, AGENT, occ.id, engine_clock.now())
    last = page.activity[-1]
    assert (last.kind, last.actor, last.old, last.new, last.at) == (
        "status_changed", "agent", "Created", "Pending", engine_clock.now())
    assert page.activity[0].kind == "created" and page.activity[0].actor == "agent"


def test_assigning_to_a_staff_member_is_logged(domain_eng, occ):
    """Assign to a specific staff member; unassign again."""
    services.change(domain_eng, SUPERVISOR, occ.id, {"assignee": "agent"})
    services.change(domain_eng, SUPERVISOR, occ.id, {"assignee": None})
    rows = [r for r in log_of(domain_eng, occ) if r[0] == "assigned"]
    assert rows == [("assigned", "supervisor", "assignee", "", "agent", None),
                    ("assigned", "supervisor", "assignee", "agent", "", None)]


@pytest.mark.parametrize("who", ["designer", "nobody", "boss"])
def test_only_active_staff_of_the_tenant_can_be_assigned(domain_eng, occ, who):
    """A designer, an unknown user or another tenant's user is refused on `assignee`."""
    with pytest.raises(InvalidVariables) as refused:
        services.change(domain_eng, SUPERVISOR, occ.id, {"assignee": who})
    assert set(refused.value.errors) == {"assignee"}


def test_comments_are_kept_and_logged(domain_eng, occ):
    """Who commented and when; an empty comment is refused."""
    services.comment(domain_eng, AGENT, occ.id, "Called the customer")
    with pytest.raises(InvalidVariables):
        services.comment(domain_eng, AGENT, occ.id, "   ")
    page = services.page(domain_eng, AGENT, occ.id, engine_clock.now())
    assert [(c.author, c.body) for c in page.comments] == [("agent", "Called the customer")]
    assert ("commented", "agent", None, None, None, "Called the customer") in log_of(
        domain_eng, occ)


def test_comments_stay_possible_once_ended(domain_eng, occ):
    """The record is frozen, the discussion is not."""
    close(domain_eng, occ)
    assert services.comment(domain_eng, AGENT, occ.id, "Customer thanked us").id


def test_an_unknown_status_is_refused(domain_eng, occ):
    """A status id of no status of the tenant: 422 on status_id."""
    with pytest.raises(InvalidVariables) as refused:
        services.change(domain_eng, AGENT, occ.id, {"status_id": 99999})
    assert set(refused.value.errors) == {"status_id"}
