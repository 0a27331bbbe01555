"""Monitor instance list (filters, paging, order) and instance detail."""
import re
from datetime import datetime, timedelta, timezone

import pytest

from webapp.monitor import routes as monitor_routes


def _page(response):
    return response.get_data(as_text=True)


def _ids(page):
    """Instance ids in list order."""
    return [int(n) for n in re.findall(r'<a href="/monitor/instances/(\d+)">#', page)]


@pytest.fixture
def population(eng, deploy, demo_users, clock):
    """Four instances: claim_review OCC-1 (T0), OCC-2 (cancelled, T0 + 1 d), OCC-3 started at
    23:30 UTC on 3 March (already 4 March in Brussels), and minimal M-1 (T0 + 2 d)."""
    deploy("claim_review.bpmn")
    deploy("minimal.bpmn")
    ids = {"OCC-1": eng.start("claim_review", "OCC-1", {"amount": 100}, tenant="demo")}
    clock.shift(timedelta(days=1))
    ids["OCC-2"] = eng.start("claim_review", "OCC-2", {"amount": 200}, tenant="demo")
    eng.cancel(ids["OCC-2"], "supervisor", tenant="demo")
    clock.move_to(datetime(2026, 3, 3, 23, 30, tzinfo=timezone.utc))
    ids["OCC-3"] = eng.start("claim_review", "OCC-3", {"amount": 300}, tenant="demo")
    clock.move_to(datetime(2026, 3, 4, 9, 0, tzinfo=timezone.utc))
    ids["M-1"] = eng.start("minimal", "M-1", tenant="demo")
    return ids


def test_list_is_newest_first(client, login_as, population):
    """Without a filter every instance of the tenant is listed, newest start first."""
    login_as("supervisor")
    page = _page(client.get("/monitor/"))
    assert _ids(page) == [population[k] for k in ("M-1", "OCC-3", "OCC-2", "OCC-1")]


@pytest.mark.parametrize("query, expected", [
    ("process_key=minimal", ["M-1"]),
    ("status=cancelled", ["OCC-2"]),
    ("status=running&process_key=claim_review", ["OCC-3", "OCC-1"]),
    ("business_key=OCC-2", ["OCC-2"]),
    ("business_key=+OCC-1+", ["OCC-1"]),
    ("business_key=OCC", []),
    ("started_from=2026-03-03&started_to=2026-03-03", ["OCC-2"]),
    ("started_from=2026-03-04", ["M-1", "OCC-3"]),
    ("started_to=2026-03-02", ["OCC-1"]),
])
def test_filters_narrow_the_list(client, login_as, population, query, expected):
    """Each filter keeps only matching instances; dates are whole days in Brussels time."""
    login_as("supervisor")
    response = client.get(f"/monitor/?{query}")
    assert response.status_code == 200
    assert _ids(_page(response)) == [population[k] for k in expected]


def test_start_date_window_uses_the_tenant_time_zone(client, login_as, population):
    """OCC-3 started 23:30 UTC on 3 March, 00:30 on 4 March in Brussels: a 4 March start."""
    login_as("supervisor")
    march_4 = _ids(_page(client.get("/monitor/?started_from=2026-03-04&started_to=2026-03-04")))
    assert population["OCC-3"] in march_4
    assert "2026-03-04 00:30" in _page(client.get("/monitor/"))


@pytest.mark.parametrize("query, message", [
    ("started_from=someday", "Not a valid date value."),
    ("started_from=2026-03-05&started_to=2026-03-01", "Must be on or after the first start date."),
    ("status=lost", "Not a valid choice."),
    ("process_key=nope", "Not a valid choice."),
    ("page=0", "Page: Number must be between 1 and 10000."),
])
def test_bad_filter_answers_422_with_the_message(client, login_as, population, query, message):
    """A filter that cannot be applied is shown back with its message and lists nothing."""
    login_as("supervisor")
    response = client.get(f"/monitor/?{query}")
    assert response.status_code == 422
    page = _page(response)
    assert message in page
    assert _ids(page) == []


def test_pages_keep_the_filter(client, login_as, population, monkeypatch):
    """With two per page, page 2 holds the older matches and links keep the filter."""
    monkeypatch.setattr(monitor_routes, "PAGE_SIZE", 2)
    login_as("supervisor")
    first = _page(client.get("/monitor/?process_key=claim_review"))
    assert _ids(first) == [population["OCC-3"], population["OCC-2"]]
    assert '<a rel="next" href="/monitor/?page=2&amp;process_key=claim_review">' in first
    second = _page(client.get("/monitor/?process_key=claim_review&page=2"))
    assert _ids(second) == [population["OCC-1"]]
    assert 'rel="next"' not in second


def test_instance_page_shows_everything_about_it(client, login_as, population, eng):
    """Status, version, key, variables as JSON, open task link, timer and history are shown."""
    login_as("supervisor")
    iid = population["OCC-1"]
    [task] = [t for t in eng.instance_tasks(iid) if t.status == "open"]
    page = _page(client.get(f"/monitor/instances/{iid}"))
    assert '<span class="status status-running">running</span>' in page
    assert 'Claim review <span class="badge">v1</span>' in page
    assert "<dd>OCC-1</dd>" in page
    assert '&#34;amount&#34;: 100,\n  &#34;fee&#34;: 10,' in page
    assert f'<a href="/basket/tasks/{task.id}">Review claim</a>' in page
    assert "Hourly reminder: <time" in page
    assert "2026-03-02 11:00" in page            # timer due T0 + 1 h, in Brussels time
    assert "Instance started" in page and "Task created" in page
    # Its diagram marks the open user task (active) and the step waiting on the timer.
    assert f'data-active="[&#34;{task.task_spec}&#34;]"' in page
    assert 'data-waiting="[]"' not in page


def test_cancelled_instance_shows_its_end_and_no_cancel_button(client, login_as, population):
    """A cancelled instance shows when it ended and offers no Cancel button."""
    login_as("supervisor")
    page = _page(client.get(f"/monitor/instances/{population['OCC-2']}"))
    assert "<dt>Ended</dt>" in page and "Instance cancelled" in page
    assert "Cancel instance…" not in page


def test_unknown_instance_is_404(client, login_as, population):
    """An id that does not exist answers 404."""
    login_as("supervisor")
    assert client.get("/monitor/instances/999").status_code == 404
