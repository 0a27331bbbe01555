"""The one JSON codec of ParkOps: orjson's speed, with the reach of Python's json module.

Everything ParkOps stores (workflow states, JSON columns) and answers (the web app's JSON) goes
through `dumps` and `loads`. orjson does the work; whatever it refuses and the json module
writes (integers beyond 64 bits, text holding lone surrogates, nesting deeper than 254 levels,
tuple subclasses such as namedtuples) is written by the json module instead, so no value the
json module could store stops being storable. The text differs from json.dumps only in form:
no spaces after separators and non-ASCII characters written as UTF-8, not escaped (the json
fallback still escapes them; both are the same JSON).

Rules that are the same on both paths:
- NaN and ±Infinity are written as null. JSON has no such numbers (PostgreSQL refuses them);
  old text holding the json module's `NaN`/`Infinity` still loads, as floats.
- Keys: str, int, float, bool and None keys become text as json.dumps writes them
  (`{1: x}` -> `{"1": x}`, `{True: x}` -> `{"true": x}`); a NaN key becomes "null".
- datetime, date, time and dataclass values are refused with TypeError, like json.dumps,
  unless `default` turns them into JSON values (orjson would write them on its own).
- UUIDs are written as their text and enum members as their value (orjson's native rule; the
  json module writes str/int/float enums the same way and refuses the others).
  So are date, UUID and enum *keys*, which the json module refuses.
- `loads` reads integers of any size exactly (orjson alone would make floats of those beyond
  64 bits) and everything json.loads reads.
"""

import json
import math
from enum import Enum
from uuid import UUID

import orjson

_OPTIONS = (orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME
            | orjson.OPT_PASSTHROUGH_DATACLASS)
_NON_FINITE = "Out of range float values are not JSON compliant"
# An integer literal orjson reads as a float has at least 19 digits. Digits are mapped to "0"
# and everything else to "." so one substring search finds any run that long.
_DIGIT_RUNS = bytes(0x30 if 0x30 <= i <= 0x39 else 0x2E for i in range(256))
_LONG_RUN = b"0" * 19


def dumps(value, default=None, *, sort_keys=False, indent=False):
    """`value` as JSON text. `default(obj)` returns a JSON value for an object the codec cannot
    write, or raises TypeError; `indent` writes two-space indented lines."""
    option = _OPTIONS
    if sort_keys:
        option |= orjson.OPT_SORT_KEYS
    if indent:
        option |= orjson.OPT_INDENT_2
    try:
        return orjson.dumps(value, default or _refuse, option).decode()
    except TypeError:       # orjson.JSONEncodeError: let the json module try
        return _json_dumps(value, default, sort_keys, indent)


def loads(data):
    """The value of JSON text (str, bytes, bytearray or memoryview)."""
    if isinstance(data, str):
        try:
            raw = data.encode()
        except UnicodeEncodeError:      # a lone surrogate, which orjson does not read
            return json.loads(data)
    else:
        raw = data = bytes(data) if isinstance(data, memoryview) else data
    # find(), not `in`: bytes.__contains__ first tries its operand as a byte value and formats
    # a TypeError for a bytes operand, a third of the cost of this check.
    if len(raw) >= len(_LONG_RUN) and raw.translate(_DIGIT_RUNS).find(_LONG_RUN) != -1:
        return json.loads(data)         # maybe an integer beyond 64 bits: json reads it exactly
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:      # NaN, Infinity, 1e400, ...: json.loads reads those
        return json.loads(data)


def _refuse(obj):
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


def _json_dumps(value, default, sort_keys, indent):
    """The json module's text of what orjson refused, by the same rules (see the docstring)."""
    options = dict(default=_like_orjson(default), sort_keys=sort_keys, allow_nan=False,
                   indent=2 if indent else None,
                   separators=(",", ": ") if indent else (",", ":"))
    try:
        return json.dumps(value, **options)
    except ValueError as exc:
        if not str(exc).startswith(_NON_FINITE):
            raise
    return json.dumps(_finite(value, set()), **options)


def _like_orjson(default):
    """A json `default` writing what orjson writes natively and json does not."""
    def fallback(obj):
        if isinstance(obj, UUID):
            return str(obj)
        if isinstance(obj, Enum):
            return obj.value
        if default is None:
            _refuse(obj)
        return _finite(default(obj), set())
    return fallback


def _finite(value, path):
    """`value` with every NaN and ±Infinity (values and keys) replaced by None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if not isinstance(value, (dict, list, tuple)):
        return value
    if id(value) in path:
        raise ValueError("Circular reference detected")
    path.add(id(value))
    try:
        if isinstance(value, dict):
            return {_finite(k, path) if isinstance(k, float) else k: _finite(v, path)
                    for k, v in value.items()}
        return [_finite(v, path) for v in value]
    finally:
        path.discard(id(value))
