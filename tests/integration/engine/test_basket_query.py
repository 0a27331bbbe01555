"""engine.basket: views, filters, sorts and pages of the work basket, with no Flask app."""

from dataclasses import fields
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from engine import basket
from engine.basket import DueWindow, Filters, Order, SortField, View, Viewer
from engine.queries import ListedTask

from .conftest import T0, TENANT, assert_round_trip, deploy, only_task

PERMIT = Path(__file__).resolve().parents[1] / "basket" / "data" / "permit_check.bpmn"
AGENT = Viewer(TENANT, "agent", ("back-office",), "Europe/Brussels")
SUPERVISOR = Viewer(TENANT, "sam", ("back-office", "supervisor"), "Europe/Brussels")
DESIGNER = Viewer(TENANT, "dora", ("designer",), "Europe/Brussels")


@pytest.fixture
def work(eng, clock):
    """Five open tasks in TENANT and one in another tenant; the clock ends at T0 + 4 min.

    CMP-1 (escalation, back-office, due T0+1d, prio 50, created T0),
    OCC-1..3 (claim_review, back-office, due created+2d, prio 70, created T0+1..3 min),
    PRM-1 (permit_check, offered to agent by name, no deadline, prio 30, created T0+4 min),
    OCC-9 in tenant 'other'.
    """
    for name in ("claim_review.bpmn", "escalation.bpmn"):
        deploy(eng, name)
    eng.deploy(PERMIT.read_bytes(), PERMIT.name, TENANT, actor="designer")
    deploy(eng, "claim_review.bpmn", tenant="other")
    clock.move_to(T0 - timedelta(minutes=10))
    ids = {"CMP-1": eng.start("escalation", "CMP-1", {"customer": "ACME", "category": "noise"},
                              TENANT)}
    clock.move_to(T0)
    eng.fire_due_timers()
    for n in (1, 2, 3):
        clock.shift(timedelta(minutes=1))
        ids[f"OCC-{n}"] = eng.start("claim_review", f"OCC-{n}", {"amount": n * 100}, TENANT)
    clock.shift(timedelta(minutes=1))
    ids["PRM-1"] = eng.start("permit_check", "PRM-1",
                             {"reviewer": "agent", "prio": 30, "plate": "1-ABC-123"}, TENANT)
    ids["OCC-9"] = eng.start("claim_review", "OCC-9", {"amount": 5}, "other")
    return {key: only_task(eng, instance_id).id for key, instance_id in ids.items()}


def keys(page):
    """Business keys of a page's rows, in order."""
    return [row.task.business_key for row in page.rows]


def test_queue_lists_role_and_named_offers_by_due_date(eng, work):
    """The Queue holds my roles' unclaimed tasks and those offered to me by name, by due date."""
    assert keys(basket.fetch(eng, View.QUEUE, AGENT)) == ["CMP-1", "OCC-1", "OCC-2", "OCC-3",
                                                          "PRM-1"]


def test_queue_leaves_out_tasks_offered_to_someone_else_by_name(eng, work):
    """A task offered to the agent by name is not in another back-office user's Queue."""
    assert keys(basket.fetch(eng, View.QUEUE, SUPERVISOR)) == ["CMP-1", "OCC-1", "OCC-2", "OCC-3"]
    assert keys(basket.fetch(eng, View.QUEUE, DESIGNER)) == []


def test_task_offered_to_two_of_my_roles_is_listed_once(eng, work, clock):
    """An escalated task is offered to back-office and supervisor; a user with both sees it once."""
    clock.move_to(T0 + timedelta(days=1, hours=1))
    assert eng.escalate_overdue() == 1
    page = basket.fetch(eng, View.QUEUE, SUPERVISOR)
    assert keys(page) == ["CMP-1", "OCC-1", "OCC-2", "OCC-3"]
    assert basket.count(eng, View.QUEUE, SUPERVISOR) == 4


def test_claimed_task_moves_from_queue_to_inbox(eng, work):
    """Claiming puts a task in the claimer's Inbox and takes it out of every Queue."""
    eng.claim(work["OCC-2"], "agent", roles=["back-office"], tenant=TENANT)
    assert keys(basket.fetch(eng, View.INBOX, AGENT)) == ["OCC-2"]
    assert "OCC-2" not in keys(basket.fetch(eng, View.QUEUE, AGENT))
    assert "OCC-2" not in keys(basket.fetch(eng, View.QUEUE, SUPERVISOR))
    assert keys(basket.fetch(eng, View.INBOX, SUPERVISOR)) == []


def test_escalated_lists_open_tasks_past_deadline_even_before_the_runner_flags_them(eng, work,
                                                                                     clock):
    """Escalated = open tasks whose due time passed, most overdue first, flagged or not yet."""
    clock.move_to(T0 + timedelta(days=1, minutes=30))
    assert keys(basket.fetch(eng, View.ESCALATED, SUPERVISOR)) == ["CMP-1"]
    clock.move_to(T0 + timedelta(days=3))
    eng.claim(work["OCC-3"], "agent", roles=["back-office"], tenant=TENANT)
    page = basket.fetch(eng, View.ESCALATED, SUPERVISOR)
    assert keys(page) == ["CMP-1", "OCC-1", "OCC-2", "OCC-3"]
    assert all(row.overdue for row in page.rows)


def test_done_lists_tasks_i_completed(eng, work, clock):
    """Done holds the tasks the user completed, newest first, and nobody else's."""
    for key in ("OCC-1", "OCC-3"):
        clock.shift(timedelta(minutes=5))
        eng.complete(work[key], "agent", {"approved": True}, roles=["back-office"], tenant=TENANT)
    page = basket.fetch(eng, View.DONE, AGENT)
    assert keys(page) == ["OCC-3", "OCC-1"]
    assert not any(row.overdue for row in page.rows)
    assert keys(basket.fetch(eng, View.DONE, SUPERVISOR)) == []
    assert_round_trip(eng, eng.task(work["OCC-1"]).instance_id)


def test_another_tenants_tasks_are_never_listed(eng, work):
    """Views only ever hold the viewer's tenant's tasks."""
    other = Viewer("other", "olga", ("back-office",))
    assert keys(basket.fetch(eng, View.QUEUE, other)) == ["OCC-9"]
    assert "OCC-9" not in keys(basket.fetch(eng, View.QUEUE, AGENT))


def test_filter_by_process(eng, work):
    """The process filter keeps one process key."""
    page = basket.fetch(eng, View.QUEUE, AGENT, Filters(process_key="claim_review"))
    assert keys(page) == ["OCC-1", "OCC-2", "OCC-3"]


def test_filter_by_role(eng, work, clock):
    """The role filter keeps tasks offered to that role; a role I do not hold gives nothing."""
    clock.move_to(T0 + timedelta(days=1, hours=1))
    eng.escalate_overdue()
    assert keys(basket.fetch(eng, View.QUEUE, SUPERVISOR, Filters(role="supervisor"))) == ["CMP-1"]
    assert keys(basket.fetch(eng, View.QUEUE, AGENT, Filters(role="supervisor"))) == []
    eng.claim(work["OCC-1"], "agent", roles=["back-office"], tenant=TENANT)
    assert keys(basket.fetch(eng, View.INBOX, AGENT, Filters(role="back-office"))) == ["OCC-1"]
    assert keys(basket.fetch(eng, View.INBOX, AGENT, Filters(role="supervisor"))) == []


@pytest.mark.parametrize("window, moment, expected", [
    (DueWindow.TODAY, T0, []),
    (DueWindow.WEEK, T0, ["CMP-1", "OCC-1", "OCC-2", "OCC-3"]),
    (DueWindow.NONE, T0, ["PRM-1"]),
    (DueWindow.OVERDUE, T0, []),
    (DueWindow.TODAY, T0 + timedelta(days=1, minutes=30), ["CMP-1"]),
    (DueWindow.OVERDUE, T0 + timedelta(days=1, minutes=30), ["CMP-1"]),
    (DueWindow.WEEK, T0 + timedelta(days=7), []),
])
def test_filter_by_due_window(eng, work, clock, window, moment, expected):
    """Due windows: overdue, today and this week (in the viewer's zone), no deadline."""
    clock.move_to(moment)
    assert keys(basket.fetch(eng, View.QUEUE, AGENT, Filters(due=window))) == expected


def test_filter_by_minimum_priority(eng, work):
    """The priority filter keeps tasks at or above the given priority."""
    assert keys(basket.fetch(eng, View.QUEUE, AGENT, Filters(priority_min=50))) == [
        "CMP-1", "OCC-1", "OCC-2", "OCC-3"]
    assert keys(basket.fetch(eng, View.QUEUE, AGENT, Filters(priority_min=71))) == []


@pytest.mark.parametrize("text, expected", [
    ("occ-2", ["OCC-2"]),
    ("  REVIEW ", ["OCC-1", "OCC-2", "OCC-3"]),
    ("permit", ["PRM-1"]),
    ("%", []),
    ("_", []),
])
def test_filter_by_text_on_task_name_or_business_key(eng, work, text, expected):
    """Free text matches task name or business key, any case, wildcards taken literally."""
    assert keys(basket.fetch(eng, View.QUEUE, AGENT, Filters(text=text))) == expected


@pytest.mark.parametrize("order, expected", [
    (Order(SortField.DUE, descending=True), ["PRM-1", "OCC-3", "OCC-2", "OCC-1", "CMP-1"]),
    (Order(SortField.PRIORITY, descending=True), ["OCC-1", "OCC-2", "OCC-3", "CMP-1", "PRM-1"]),
    (Order(SortField.PRIORITY), ["PRM-1", "CMP-1", "OCC-1", "OCC-2", "OCC-3"]),
    (Order(SortField.CREATED, descending=True), ["PRM-1", "OCC-3", "OCC-2", "OCC-1", "CMP-1"]),
    (Order(SortField.PROCESS), ["OCC-1", "OCC-2", "OCC-3", "CMP-1", "PRM-1"]),
])
def test_sort_orders(eng, work, order, expected):
    """Each sort orders by its column, then by due date: in the Queue and in the Inbox alike."""
    assert keys(basket.fetch(eng, View.QUEUE, AGENT, order=order)) == expected
    for key in work:
        if key != "OCC-9":
            eng.assign(work[key], "agent", "sam", tenant=TENANT)
    assert keys(basket.fetch(eng, View.INBOX, AGENT, order=order)) == expected


@pytest.mark.parametrize("view, order", [
    (View.QUEUE, None), (View.QUEUE, Order(SortField.PRIORITY, descending=True)),
    (View.ESCALATED, None), (View.ESCALATED, Order(SortField.PROCESS)),
])
def test_pages_cover_the_list_without_overlap(eng, work, clock, view, order):
    """Pages of two rows, read one after another, give the whole list once, in order."""
    clock.move_to(T0 + timedelta(days=5))
    whole = keys(basket.fetch(eng, view, SUPERVISOR, order=order))
    pages = [basket.fetch(eng, view, SUPERVISOR, order=order, page=n, size=2) for n in (1, 2, 3)]
    assert sum((keys(p) for p in pages), []) == whole
    assert [p.has_next for p in pages] == [True, len(whole) > 4, False]
    assert [p.has_previous for p in pages] == [False, True, True]


def test_count_stops_after_the_cap(eng, work):
    """Counting reads at most cap + 1 tasks, so a busy queue shows 'cap+' cheaply."""
    assert basket.count(eng, View.QUEUE, AGENT, cap=2) == 3
    assert basket.count(eng, View.QUEUE, AGENT, cap=10) == 5
    assert basket.count(eng, View.INBOX, AGENT, cap=10) == 0


def test_rows_carry_process_name_and_chosen_variables(eng, work):
    """Rows show the definition's name and its basketColumns read from the instance variables."""
    rows = {row.task.business_key: row for row in basket.fetch(eng, View.QUEUE, AGENT).rows}
    assert rows["CMP-1"].process_name == "Complaint with escalation"
    assert rows["CMP-1"].details == [("customer", "ACME"), ("category", "noise")]
    assert rows["PRM-1"].details == [("plate", "1-ABC-123")]
    assert rows["OCC-1"].details == []


def test_queue_rows_show_every_listed_field_as_the_task_has_it(eng, work):
    """The Queue's first page (one prepared statement whose rows leave the form out) shows each
    field a list shows with the task's own value, and as a filtered page (ORM rows) shows it."""
    plain = basket.fetch(eng, View.QUEUE, AGENT).rows
    filtered = {row.task.id: row.task
                for row in basket.fetch(eng, View.QUEUE, AGENT, Filters(priority_min=0)).rows}
    assert sorted(filtered) == sorted(row.task.id for row in plain) and len(plain) == 5
    for row in plain:
        whole = eng.task(row.task.id, tenant=TENANT)
        for name in (f.name for f in fields(ListedTask)):
            assert getattr(row.task, name) == getattr(whole, name), name
            assert getattr(row.task, name) == getattr(filtered[row.task.id], name), name
        assert not hasattr(row.task, "form") and hasattr(whole, "form")


def test_due_range_uses_the_viewers_day():
    """'Today' is the viewer's day: at 23:30 UTC on Monday it is already Tuesday in Brussels."""
    monday_late = datetime(2026, 3, 2, 23, 30, tzinfo=timezone.utc)
    start, before = basket.due_range(DueWindow.TODAY, monday_late, "Europe/Brussels")
    assert (start, before) == (datetime(2026, 3, 2, 23, 0, tzinfo=timezone.utc),
                               datetime(2026, 3, 3, 23, 0, tzinfo=timezone.utc))
    start, before = basket.due_range(DueWindow.WEEK, monday_late, "UTC")
    assert (start, before) == (datetime(2026, 3, 2, tzinfo=timezone.utc),
                               datetime(2026, 3, 9, tzinfo=timezone.utc))


def test_due_range_today_is_23_hours_on_the_spring_dst_day():
    """On the day clocks go forward, 'today' in Brussels spans 23 hours of UTC."""
    start, before = basket.due_range(DueWindow.TODAY,
                                     datetime(2026, 3, 29, 12, tzinfo=timezone.utc),
                                     "Europe/Brussels")
    assert start == datetime(2026, 3, 28, 23, tzinfo=timezone.utc)
    assert before - start == timedelta(hours=23)
