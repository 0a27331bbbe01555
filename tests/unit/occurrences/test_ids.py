"""Ids typed in URLs, forms and JSON: only whole numbers a database column can hold name a row."""
import pytest

from processes.occurrences.ids import MAX_ROW_ID, row_id


@pytest.mark.parametrize("given, expected", [
    (7, 7), ("7", 7), (" 42 ", 42), (MAX_ROW_ID, MAX_ROW_ID), (str(MAX_ROW_ID), MAX_ROW_ID),
    (MAX_ROW_ID + 1, None), (10 ** 30, None), ("9" * 30, None), ("9" * 5000, None),
    ("²", None), ("٣", None), ("-1", None), (-1, None), ("", None), ("1.5", None),
    (1.0, None), (True, None), (None, None), ([1], None),
])
def test_only_whole_numbers_in_the_database_range_are_row_ids(given, expected):
    """Unicode digits, oversized and non-integer values name no row (not found, not a crash)."""
    assert row_id(given) == expected
