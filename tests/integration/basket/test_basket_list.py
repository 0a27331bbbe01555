"""The basket list pages: views per role, columns, overdue flag, filters, sorting, pages, tabs."""
import re
from datetime import timedelta

import pytest

from engine import defaults as engine_defaults

from .conftest import T0, listed, row_html

QUEUE_OF_AGENT = ["CMP-0001", "OCC-0001", "OCC-0002", "OCC-0003", "PRM-0001"]


@pytest.mark.parametrize("username, expected", [
    ("agent", QUEUE_OF_AGENT),
    ("supervisor", ["CMP-0001", "OCC-0001", "OCC-0002", "OCC-0003"]),
    ("bob", ["CMP-0001", "OCC-0001", "OCC-0002", "OCC-0003"]),
    ("designer", []),
    ("admin", []),
])
def test_queue_lists_my_roles_tasks_and_those_offered_to_me(work, client_for, username, expected):
    """The Queue lists the unclaimed tasks of my roles plus those offered to me by name."""
    assert listed(client_for(username).get("/basket/queue")) == expected


def test_inbox_lists_only_tasks_assigned_to_me(work, eng, client_for):
    """The Inbox lists open tasks assigned to me, not those of colleagues."""
    eng.claim(work["OCC-0002"], "agent", tenant="demo")
    eng.claim(work["OCC-0003"], "bob", tenant="demo")
    agent = client_for("agent")
    assert listed(agent.get("/basket/inbox")) == ["OCC-0002"]
    assert "OCC-0002" not in listed(agent.get("/basket/queue"))
    assert listed(client_for("supervisor").get("/basket/inbox")) == []
    assert listed(client_for("designer").get("/basket/inbox")) == []


def test_escalated_lists_open_tasks_past_their_deadline(work, eng, client_for, clock):
    """Escalated holds every open task past its deadline, claimed or not, most overdue first."""
    supervisor = client_for("supervisor")
    assert listed(supervisor.get("/basket/escalated")) == []
    eng.claim(work["OCC-0001"], "bob", tenant="demo")
    clock.move_to(T0 + timedelta(days=3))
    response = supervisor.get("/basket/escalated")
    assert listed(response) == ["CMP-0001", "OCC-0001", "OCC-0002", "OCC-0003"]
    assert ">bob</td>" in row_html(response, work["OCC-0001"])


def test_done_lists_tasks_i_completed(work, eng, client_for, clock):
    """Done lists the tasks I completed, newest first; others' completions stay out."""
    eng.complete(work["OCC-0001"], "agent", {"approved": True}, tenant="demo")
    clock.shift(timedelta(minutes=5))
    eng.complete(work["PRM-0001"], "agent", {}, tenant="demo")
    eng.complete(work["OCC-0002"], "bob", {"approved": False}, tenant="demo")
    assert listed(client_for("agent").get("/basket/done")) == ["PRM-0001", "OCC-0001"]
    assert listed(client_for("supervisor").get("/basket/done")) == []


def test_another_tenants_tasks_never_show(work, client_for):
    """A user of another tenant sees only that tenant's tasks, and ours never see theirs."""
    assert listed(client_for("olga", tenant="other").get("/basket/queue")) == ["OCC-0999"]
    for view in ("inbox", "queue", "done"):
        assert "OCC-0999" not in listed(client_for("agent").get(f"/basket/{view}"))


def test_basket_opens_the_inbox_when_i_hold_tasks_else_the_queue(work, eng, client_for):
    """/basket/ sends me to the Queue until something is assigned to me, then to the Inbox."""
    agent = client_for("agent")
    assert agent.get("/basket/").headers["Location"] == "/basket/queue"
    eng.claim(work["OCC-0001"], "agent", tenant="demo")
    assert agent.get("/basket/").headers["Location"] == "/basket/inbox"


def test_row_shows_link_process_business_key_variables_dates_and_priority(work, client_for):
    """A row links to the task page and shows process, business key, chosen variables, times."""
    row = row_html(client_for("agent").get("/basket/queue"), work["CMP-0001"])
    assert f'href="/basket/tasks/{work["CMP-0001"]}">Answer complaint</a>' in row
    assert "Complaint with escalation" in row
    assert "CMP-0001" in row
    assert re.search(r"customer:</span> ACME", row) and re.search(r"category:</span> noise", row)
    # Created 09:00 UTC is 10:00 in Brussels, today for the reader: the hour alone; due a day
    # later.
    assert 'title="Mon 2 Mar 2026, 10:00 CET">10:00</time>' in row
    assert 'title="Tue 3 Mar 2026, 10:00 CET">in 1 d</time>' in row
    assert '<td class="priority">50</td>' in row
    assert "overdue" not in row.lower()


def test_overdue_rows_are_flagged_in_red_and_in_words(work, client_for, clock):
    """Past the deadline a row gets the overdue class, an 'Overdue' badge and 'N d overdue'."""
    clock.move_to(T0 + timedelta(days=3, hours=1))
    response = client_for("agent").get("/basket/queue")
    late = row_html(response, work["CMP-0001"])
    assert late.startswith('<tr class="overdue"')
    assert ">Overdue</span>" in late
    assert ">2 d overdue</time>" in late
    assert ">1 d overdue</time>" in row_html(response, work["OCC-0001"])
    assert "Overdue" not in row_html(response, work["PRM-0001"])
    assert ">no deadline<" in row_html(response, work["PRM-0001"])


def test_relative_due_counts_hours_and_minutes(work, client_for, clock):
    """Close to the deadline the due column speaks in hours, then minutes."""
    clock.move_to(T0 + timedelta(hours=21))
    assert ">in 3 h</time>" in row_html(client_for("agent").get("/basket/queue"),
                                         work["CMP-0001"])
    clock.move_to(T0 + timedelta(days=1, minutes=-20))
    assert ">in 20 min</time>" in row_html(client_for("agent").get("/basket/queue"),
                                           work["CMP-0001"])


@pytest.mark.parametrize("query, expected", [
    ("process=claim_review", ["OCC-0001", "OCC-0002", "OCC-0003"]),
    ("process=permit_check", ["PRM-0001"]),
    ("due=week", ["CMP-0001", "OCC-0001", "OCC-0002", "OCC-0003"]),
    ("due=today", []),
    ("due=none", ["PRM-0001"]),
    ("due=overdue", []),
    ("priority=60", ["OCC-0001", "OCC-0002", "OCC-0003"]),
    ("q=occ-0002", ["OCC-0002"]),
    ("q=complaint", ["CMP-0001"]),
    ("role=back-office", ["CMP-0001", "OCC-0001", "OCC-0002", "OCC-0003"]),
    ("process=claim_review&q=0003&priority=70", ["OCC-0003"]),
])
def test_filters_narrow_the_queue(work, client_for, query, expected):
    """Process, due window, minimum priority, text and role filters, alone or together."""
    assert listed(client_for("agent").get(f"/basket/queue?{query}")) == expected


def test_due_today_uses_the_tenant_time_zone(work, client_for, clock):
    """At 23:30 UTC on Monday it is Tuesday in Brussels: 'today' lists what is due Tuesday."""
    clock.move_to(T0.replace(hour=23, minute=30))
    assert listed(client_for("agent").get("/basket/queue?due=today")) == ["CMP-0001"]


@pytest.mark.parametrize("query, expected", [
    ("sort=priority&order=desc", ["OCC-0001", "OCC-0002", "OCC-0003", "CMP-0001", "PRM-0001"]),
    ("sort=priority&order=asc", ["PRM-0001", "CMP-0001", "OCC-0001", "OCC-0002", "OCC-0003"]),
    ("sort=due&order=desc", ["PRM-0001", "OCC-0003", "OCC-0002", "OCC-0001", "CMP-0001"]),
    ("sort=created", ["PRM-0001", "OCC-0003", "OCC-0002", "OCC-0001", "CMP-0001"]),
    ("sort=process&order=asc", ["OCC-0001", "OCC-0002", "OCC-0003", "CMP-0001", "PRM-0001"]),
])
def test_sorting(work, client_for, query, expected):
    """Sort by due, priority, created (newest first by default) or process, either direction."""
    assert listed(client_for("agent").get(f"/basket/queue?{query}")) == expected


def test_column_headers_sort_and_flip_keeping_the_filter(work, client_for):
    """A sorted header carries aria-sort and links to the other direction, filters kept."""
    page = client_for("agent").get("/basket/queue?sort=priority&order=desc&q=o").get_data(
        as_text=True)
    assert ('aria-sort="descending"><a href="/basket/queue?sort=priority&amp;order=asc&amp;q=o">'
            in page)
    assert 'aria-sort="none"><a href="/basket/queue?sort=created&amp;order=desc&amp;q=o">' in page


def test_pages_follow_each_other_and_keep_the_filter(work, client_for, monkeypatch):
    """With two tasks a page, page 1, 2, 3 list the queue once, with previous/next links."""
    monkeypatch.setattr(engine_defaults, "PAGE_SIZE", 2)
    agent = client_for("agent")
    pages = [agent.get(f"/basket/queue?sort=priority&order=desc&page={n}") for n in (1, 2, 3)]
    assert [listed(p) for p in pages] == [["OCC-0001", "OCC-0002"], ["OCC-0003", "CMP-0001"],
                                          ["PRM-0001"]]
    first, last = pages[0].get_data(as_text=True), pages[2].get_data(as_text=True)
    assert 'href="/basket/queue?page=2&amp;sort=priority&amp;order=desc" rel="next"' in first
    assert 'rel="prev"' not in first
    assert 'rel="next"' not in last and "Page 3" in last


@pytest.mark.parametrize("query, field, message", [
    ("priority=high", "priority", "Not a valid integer value."),
    ("due=yesterday", "due", "Not a valid choice."),
    ("sort=colour", "sort", "Not a valid choice."),
    ("page=0", "page", "Number must be between 1 and 100000."),
    ("role=admin", "role", "Not a valid choice."),
])
def test_invalid_filter_is_a_422_with_the_message_at_the_field(work, client_for, query, field,
                                                               message):
    """A bad query parameter re-renders the page with 422 and the message by its field."""
    response = client_for("agent").get(f"/basket/queue?{query}")
    assert response.status_code == 422
    assert f'<p class="field-error" id="{field}-error">{message}</p>' in response.get_data(
        as_text=True)
    assert listed(response) == []


def test_tabs_show_counts_capped_at_the_page_size(work, eng, client_for, monkeypatch):
    """Each tab shows its count; past the page size it says 'N+' instead of counting on."""
    monkeypatch.setattr(engine_defaults, "PAGE_SIZE", 4)
    eng.claim(work["OCC-0001"], "agent", tenant="demo")
    page = client_for("agent").get("/basket/queue").get_data(as_text=True)
    counts = dict(re.findall(r'data-testid="count-(\w+)">([^<]*)<', page))
    assert counts == {"inbox": "1", "queue": "4", "done": "0"}
    page = client_for("supervisor").get("/basket/queue").get_data(as_text=True)
    counts = dict(re.findall(r'data-testid="count-(\w+)">([^<]*)<', page))
    assert counts == {"inbox": "0", "queue": "3", "escalated": "0", "done": "0"}


def test_queue_count_says_plus_past_the_cap(work, client_for, monkeypatch):
    """Five waiting tasks with a cap of three show as '3+'."""
    monkeypatch.setattr(engine_defaults, "PAGE_SIZE", 3)
    page = client_for("agent").get("/basket/queue").get_data(as_text=True)
    assert 'data-testid="count-queue">3+<' in page
