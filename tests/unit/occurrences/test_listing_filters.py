"""The list's filters come from query parameters; each bad one is named."""
from datetime import date

import pytest

from engine import InvalidVariables
from processes.occurrences.listing import Filters, parse_filters


def test_list_filters_are_read_from_the_query():
    """Type, status, site, booking, assignee, overdue, date range, sort and page."""
    filters = parse_filters({"type_id": "2", "status_id": "3", "site_id": "4", "booking_id": "5",
                             "assignee": "agent", "overdue": "1", "created_from": "2026-03-01",
                             "created_to": "2026-03-02", "sort": "deadline", "page": "2"})
    assert filters == Filters(type_id=2, status_id=3, site_id=4, booking_id=5, assignee="agent",
                              overdue=True, created_from=date(2026, 3, 1),
                              created_to=date(2026, 3, 2), sort="deadline", page=2)


def test_empty_list_filters_mean_any():
    """Blank parameters filter nothing; newest first."""
    assert parse_filters({"type_id": "", "overdue": ""}) == Filters()


@pytest.mark.parametrize("args, field", [
    ({"type_id": "x"}, "type_id"), ({"overdue": "perhaps"}, "overdue"),
    ({"created_from": "1/3/2026"}, "created_from"), ({"sort": "colour"}, "sort"),
    ({"page": "0"}, "page"),
    ({"created_from": "2026-03-05", "created_to": "2026-03-01"}, "created_to")])
def test_bad_list_filters_are_refused_per_field(args, field):
    """A bad filter is a 422 naming the parameter."""
    with pytest.raises(InvalidVariables) as refused:
        parse_filters(args)
    assert set(refused.value.errors) == {field}
