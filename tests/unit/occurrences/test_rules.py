"""The rules of occurrences: deadline from the SLA, overdue, read-only once ended, reopening."""
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest

from engine import InvalidVariables, NotAllowed, TaskConflict
from processes.occurrences import rules
from processes.occurrences.references import format_reference

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


@dataclass
class Status:
    """A status as the rules read it."""

    name: str
    ended: bool


@dataclass
class Occ:
    """An occurrence as the rules read it."""

    reference: str
    status: Status


CREATED, PENDING = Status("Created", False), Status("Pending", False)
RESOLVED, CLOSED = Status("Resolved", True), Status("Closed", True)


@pytest.mark.parametrize("sla_hours, deadline", [
    (48, datetime(2026, 3, 4, 9, 0, tzinfo=timezone.utc)),
    (4, datetime(2026, 3, 2, 13, 0, tzinfo=timezone.utc)),
    (120, datetime(2026, 3, 7, 9, 0, tzinfo=timezone.utc)),
])
def test_resolution_deadline_is_creation_plus_the_types_sla(sla_hours, deadline):
    """The deadline is calculated from the type's SLA setting."""
    assert rules.deadline_of(T0, sla_hours) == deadline


@pytest.mark.parametrize("now, ended, overdue", [
    (T0 - timedelta(seconds=1), False, False),
    (T0, False, True),                      # half-open: due at 09:00 is overdue at 09:00:00
    (T0 + timedelta(days=3), False, True),
    (T0 + timedelta(days=3), True, False),  # an ended occurrence is never overdue
])
def test_overdue_occurrences_are_flagged_from_their_deadline(now, ended, overdue):
    """Overdue = past the deadline and not ended (the list shows a red alert icon)."""
    assert rules.is_overdue(T0, ended, now) is overdue


@pytest.mark.parametrize("status, read_only", [
    (CREATED, False), (PENDING, False), (RESOLVED, True), (CLOSED, True)])
def test_reaching_an_ended_status_makes_every_field_read_only(status, read_only):
    """Ended statuses freeze the record as documented evidence."""
    assert rules.is_read_only(status) is read_only
    if read_only:
        with pytest.raises(TaskConflict, match="read-only"):
            rules.check_editable(Occ("OCC-0042", status))
    else:
        rules.check_editable(Occ("OCC-0042", status))


@pytest.mark.parametrize("old, new, reopening", [
    (CLOSED, PENDING, True), (RESOLVED, CREATED, True), (RESOLVED, CLOSED, False),
    (CREATED, RESOLVED, False), (PENDING, CREATED, False)])
def test_changing_the_status_back_from_ended_reopens(old, new, reopening):
    """Reopening = from an ended status to an open one."""
    assert rules.is_reopening(old, new) is reopening


@pytest.mark.parametrize("roles, allowed", [
    (("supervisor",), True), (("admin",), True), (("back-office", "supervisor"), True),
    (("back-office",), False), (("designer",), False), ((), False)])
def test_reopening_needs_the_supervisor_or_admin_permission(roles, allowed):
    """Only supervisors and admins may reopen an ended occurrence."""
    if allowed:
        assert rules.check_reopen(roles, "customer called back") == "customer called back"
    else:
        with pytest.raises(NotAllowed, match="supervisor or an admin"):
            rules.check_reopen(roles, "customer called back")


@pytest.mark.parametrize("reason", [None, "", "   ", "x" * 1001])
def test_reopening_needs_a_reason(reason):
    """A reopening without a (reasonable) reason is refused on the reason field."""
    with pytest.raises(InvalidVariables) as refused:
        rules.check_reopen(("supervisor",), reason)
    assert set(refused.value.errors) == {"reason"}


@pytest.mark.parametrize("number, reference", [
    (1, "OCC-0001"), (42, "OCC-0042"), (9999, "OCC-9999"), (10000, "OCC-10000")])
def test_reference_code_looks_like_occ_0042(number, reference):
    """References are OCC- and four digits (more once past 9999)."""
    assert format_reference(number) == reference


@pytest.mark.parametrize("text, ok", [("Scratch on door", True), ("", False), ("  ", False),
                                      ("x" * 5001, False)])
def test_an_occurrence_needs_a_description(text, ok):
    """A description is required and bounded."""
    cleaned, problem = rules.check_description(text)
    assert (problem is None) is ok
