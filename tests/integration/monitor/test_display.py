"""Relative and local times as the monitor shows them."""
from datetime import datetime, timedelta, timezone

import pytest
from flask_login import login_user

from processes.accounts.services import get_user, identity_of
from webapp.auth.principal import Principal
from webapp.extensions import db
from webapp.monitor import display

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("offset, words", [
    (timedelta(seconds=20), "just now"),
    (-timedelta(seconds=20), "just now"),
    (timedelta(minutes=45), "in 45 min"),
    (timedelta(hours=3), "in 3 h"),
    (timedelta(days=3, hours=5), "in 3 d"),
    (-timedelta(minutes=5), "5 min ago"),
    (-timedelta(days=2), "2 d ago"),
])
def test_relative_words(offset, words):
    """Distances read as in the basket: minutes, hours, days; the future with 'in'."""
    assert display.relative(NOW + offset, now=NOW) == words


def test_due_says_overdue_after_the_deadline():
    """Before a deadline 'in 3 h'; after it '2 d overdue'."""
    assert display.due(NOW + timedelta(hours=3), now=NOW) == "in 3 h"
    assert display.due(NOW - timedelta(days=2), now=NOW) == "2 d overdue"
    assert display.due(None) == "" and display.relative(None) == ""


def test_local_time_and_day_bounds_follow_the_tenant_zone(app, demo_users):
    """Brussels is UTC+1 in March and UTC+2 after the switch; a local day is a half-open span."""
    with app.test_request_context():
        login_user(Principal(identity_of(get_user(db.session, "demo", "admin"))))
        assert display.local_time(NOW) == "2026-03-02 10:00"
        assert display.local_time(datetime(2026, 7, 1, 9, 0, tzinfo=timezone.utc)) == \
            "2026-07-01 11:00"
        start, end = display.day_start(NOW.date()), display.day_end(NOW.date())
        assert start == datetime(2026, 3, 1, 23, 0, tzinfo=timezone.utc)
        assert end == datetime(2026, 3, 2, 23, 0, tzinfo=timezone.utc)
        # 29 March 2026 has 23 hours in Brussels (clocks go forward).
        spring = datetime(2026, 3, 29).date()
        assert display.day_end(spring) - display.day_start(spring) == timedelta(hours=23)
