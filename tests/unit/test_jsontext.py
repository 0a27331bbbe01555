"""engine.jsontext: the one JSON codec writes every value the json module writes, refuses what
it refuses, writes NaN/Infinity as null and reads everything json.loads reads."""

import json
import math
from collections import OrderedDict, namedtuple
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from enum import Enum, IntEnum, StrEnum
from uuid import UUID

import pytest

from engine.jsontext import dumps, loads


class Colour(StrEnum):
    RED = "red"


class Kind(str, Enum):          # the pre-3.11 way of writing a text enum
    BAY = "bay"


class Level(IntEnum):
    HIGH = 3


Point = namedtuple("Point", "x y")


@dataclass
class Plate:
    text: str


def deep(levels):
    value = []
    for _ in range(levels):
        value = [value]
    return value


# Values the json module writes; the codec must write the same JSON (text may differ in form).
WRITTEN_ALIKE = {
    "nested": {"a": [1, {"b": [True, False, None, "x"]}], "c": {}, "d": []},
    "unicode": {"naam": "Zoë", "straße": "Ærø — 東京 🚗", "sep": "a\u2028b\u2029c"},
    "control characters": "tab\there\nnew\x00nul\x1f\x7f\"quote\\slash/",
    "lone surrogate": "broken \ud800 text",
    "int keys": {1: "one", -2: "minus two", 10**20: "big key"},
    "bool and None keys": {True: "yes", False: "no", None: "nothing"},
    "float keys": {1.5: "a", 1e16: "b", 0.1: "c"},
    "big ints": [2**70, -2**70, 2**64, 2**64 - 1, -2**63, -2**63 - 1, 2**63],
    "big int deep inside": {"a": [{"b": 10**30}]},
    "floats": [0.1, 1.0, -0.0, 1e16, 1e-7, 5e-324, 1.7976931348623157e308, 123456789.123456789],
    "text enums": [Colour.RED, Kind.BAY, {Colour.RED: Kind.BAY}],
    "int enums": [Level.HIGH, {Level.HIGH: "high"}],
    "tuples": (1, (2, 3), [(4,)]),
    "namedtuple": [Point(1, 2)],
    "dict subclass": OrderedDict([("z", 1), ("a", 2)]),
    "empty": [{}, [], "", 0],
    "deeper than orjson goes": deep(300),
}


@pytest.mark.parametrize("value", WRITTEN_ALIKE.values(), ids=WRITTEN_ALIKE.keys())
def test_the_codec_writes_what_the_json_module_writes(value):
    """Read back by json.loads, the codec's text is the json module's value, for every shape."""
    assert json.loads(dumps(value)) == json.loads(json.dumps(value))


@pytest.mark.parametrize("value", WRITTEN_ALIKE.values(), ids=WRITTEN_ALIKE.keys())
def test_the_codec_reads_back_what_it_wrote(value):
    """loads(dumps(v)) is what json.loads(json.dumps(v)) gives, big integers exactly."""
    assert loads(dumps(value)) == json.loads(json.dumps(value))


def test_big_integers_stay_integers():
    """An integer beyond 64 bits is read exactly, never as a rounded float."""
    value = loads(dumps({"n": 2**70 + 1, "m": -(2**63) - 1}))
    assert value == {"n": 2**70 + 1, "m": -(2**63) - 1}
    assert type(value["n"]) is int


def test_text_is_utf8_not_escaped_and_compact():
    """The codec writes non-ASCII as it is and no spaces: what stored rows and answers hold."""
    assert dumps({"a": ["Zoë", 1]}) == '{"a":["Zoë",1]}'


REFUSED = {
    "datetime": datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc),
    "date": date(2026, 3, 2),
    "time": time(9, 0),
    "timedelta": timedelta(days=1),
    "set": {"bay-4"},
    "object": object(),
    "decimal": Decimal("1.50"),
    "bytes": b"raw",
    "dataclass": Plate("1-ABC-123"),
    "tuple key": {(1, 2): "pair"},
}


@pytest.mark.parametrize("value", REFUSED.values(), ids=REFUSED.keys())
@pytest.mark.parametrize("where", ["alone", "beside a big int"])
def test_values_json_refuses_are_refused(value, where):
    """A value json.dumps refuses raises TypeError, on orjson's path and on the json path."""
    wrapped = value if where == "alone" else [value, 2**70]
    with pytest.raises(TypeError):
        json.dumps(wrapped)
    with pytest.raises(TypeError):
        dumps(wrapped)


def test_a_default_writes_what_the_codec_cannot():
    """Given a default, datetimes and sets go through it, as with json.dumps(default=...)."""
    def default(obj):
        return obj.isoformat() if isinstance(obj, datetime) else sorted(obj)
    value = {"at": datetime(2026, 3, 2, 9, 0), "bays": {"b", "a"}, "n": 2**70}
    assert loads(dumps(value, default)) == json.loads(json.dumps(value, default=default))


def test_a_circular_value_is_refused_like_json():
    """A list holding itself raises ValueError, as json.dumps does."""
    loop = []
    loop.append(loop)
    with pytest.raises(ValueError, match="Circular"):
        dumps(loop)


@pytest.mark.parametrize("value, text", [
    (math.nan, "null"),
    ({"a": [math.inf, -math.inf, 1.5]}, '{"a":[null,null,1.5]}'),
    ([math.nan, 2**70], f"[null,{2**70}]"),                  # the json path too
    ({math.nan: 1}, '{"null":1}'),
    ({math.inf: 1, "n": 2**70}, f'{{"null":1,"n":{2**70}}}'),
])
def test_nan_and_infinity_are_written_as_null(value, text):
    """JSON (and PostgreSQL) have no NaN or Infinity: the codec writes null, on both paths."""
    assert dumps(value) == text


def test_a_default_returning_nan_writes_null_too():
    """Values a default returns follow the same rule."""
    assert dumps([object(), 2**70], default=lambda obj: math.nan) == f"[null,{2**70}]"


def test_text_the_json_module_wrote_with_nan_still_loads():
    """Rows written before the codec may hold NaN/Infinity: they load as floats."""
    old = json.dumps({"ratio": math.nan, "up": math.inf, "down": -math.inf, "n": 1})
    value = loads(old)
    assert math.isnan(value["ratio"]) and value["up"] == math.inf and value["down"] == -math.inf
    assert loads("[1e400]") == [math.inf]


@pytest.mark.parametrize("data", [b'{"a":[1,"\xc3\xab"]}', bytearray(b'{"a":[1,"\xc3\xab"]}'),
                                  memoryview(b'{"a":[1,"\xc3\xab"]}'), '{"a":[1,"ë"]}'],
                         ids=["bytes", "bytearray", "memoryview", "str"])
def test_loads_takes_text_and_utf8_bytes(data):
    """Database drivers hand over text or bytes; both read the same."""
    assert loads(data) == {"a": [1, "ë"]}


def test_json_module_escapes_and_surrogates_load():
    """\\u escapes (as the json module writes them) load, a lone surrogate included."""
    assert loads(json.dumps(["Zoë", "\ud800"])) == ["Zoë", "\ud800"]


@pytest.mark.parametrize("text", ["", "{", "[1,]", "nope", "\ufeff[1]"])
def test_invalid_text_raises_json_decode_error(text):
    """Broken text raises json.JSONDecodeError (a ValueError), as json.loads does."""
    with pytest.raises(json.JSONDecodeError):
        loads(text)


def test_uuids_and_enum_members_are_written_as_their_values_on_both_paths():
    """orjson writes UUIDs as text and any enum member as its value; the json path does too,
    so a value's text never depends on which path wrote it."""
    class Plain(Enum):
        ONE = 1
    tag = UUID(int=7)
    assert loads(dumps([tag, Plain.ONE])) == [str(tag), 1]
    assert loads(dumps([tag, Plain.ONE, 2**70])) == [str(tag), 1, 2**70]


def test_sorted_and_indented_text_matches_the_json_module():
    """sort_keys and indent give json.dumps(sort_keys=True, indent=2)'s very text."""
    value = {"b": 1, "a": [1, {"y": None, "x": "z"}], "c": {}}
    assert dumps(value, sort_keys=True, indent=True) == json.dumps(value, sort_keys=True,
                                                                   indent=2)
    assert dumps(value, sort_keys=True) == json.dumps(value, sort_keys=True,
                                                      separators=(",", ":"))
