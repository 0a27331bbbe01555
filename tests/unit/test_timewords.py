"""How times read on every screen: relative words and local times in the reader's zone."""
from datetime import datetime, timedelta, timezone

import pytest

from processes import timewords

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
BRUSSELS = timewords.zone("Europe/Brussels")


@pytest.mark.parametrize("offset, past, words", [
    (timedelta(hours=3), "ago", "in 3 h"),
    (timedelta(hours=2, minutes=50), "ago", "in 3 h"),          # rounded to the largest unit
    (timedelta(minutes=45), "ago", "in 45 min"),
    (timedelta(seconds=30), "overdue", "due now"),
    (timedelta(seconds=-30), "ago", "just now"),
    (-timedelta(days=2), "overdue", "2 d overdue"),
    (-timedelta(hours=5), "ago", "5 h ago"),
])
def test_relative_words_round_to_the_largest_unit(offset, past, words):
    assert timewords.relative(NOW + offset, NOW, past) == words


def test_a_task_without_deadline_says_so():
    assert timewords.relative_due(None, NOW) == "no deadline"


@pytest.mark.parametrize("at, words", [
    (NOW, "10:00"),                                               # today: the hour alone
    (NOW - timedelta(days=1), "1 Mar 10:00"),                     # this year: day and month
    (NOW - timedelta(days=365), "2 Mar 2025 10:00"),              # another year: the year too
])
def test_short_times_drop_what_the_reader_already_knows(at, words):
    assert timewords.short(at, BRUSSELS, NOW) == words


def test_absolute_time_is_local_with_the_zone_name_across_dst():
    assert timewords.absolute(NOW, BRUSSELS) == "Mon 2 Mar 2026, 10:00 CET"
    assert timewords.absolute(NOW + timedelta(days=30), BRUSSELS) == "Wed 1 Apr 2026, 11:00 CEST"


def test_a_misspelt_zone_falls_back_instead_of_failing():
    assert timewords.zone("Europe/Brusels").key == "UTC"
    assert timewords.zone(None, "Europe/Lisbon").key == "Europe/Lisbon"
