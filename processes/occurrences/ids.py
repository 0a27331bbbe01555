"""Row ids as typed by people and programs: only whole numbers a database column can hold.

An id outside the signed 64-bit range cannot name any row; passing it to the database would
fail with an overflow (a 500) instead of "not found".
"""
MAX_ROW_ID = 2 ** 63 - 1


def row_id(value):
    """`value` as a row id (int, or a string of ASCII digits), or None when it cannot be one."""
    if isinstance(value, str):
        value = value.strip()
        if not (value.isascii() and value.isdigit() and len(value) <= 19):
            return None
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 0 <= value <= MAX_ROW_ID else None
