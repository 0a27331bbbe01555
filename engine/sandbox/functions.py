"""The functions a sandboxed expression may call, and guards for string methods that can explode."""

import keyword
from datetime import date, datetime, timedelta, timezone
from types import MappingProxyType

from simpleeval import DISALLOW_FUNCTIONS

from engine.errors import ExpressionRejected

from .limits import (
    CONTAINERS, check_hash_spread, check_range, check_repeat_size, check_text_size, pair_keys,
)
from .rules import FORBIDDEN_CALLS

_SUMMABLE = (int, float, bool, timedelta)
_MAX_ROUND_DIGITS = 1000  # int rounding to -n digits computes 10**n; floats gain nothing past ~330


def now():
    """Current time as a timezone-aware UTC datetime."""
    return datetime.now(timezone.utc)


def safe_range(*args):
    """range() refusing more than SANDBOX_MAX_COLLECTION items."""
    bounds = range(*args)
    check_range(bounds.start, bounds.stop, bounds.step)
    return bounds


def safe_str(*args, **kwargs):
    """str() that refuses to render containers whose text would be huge (nested aliases)."""
    if args and type(args[0]) in CONTAINERS:
        check_text_size(args[0])
    return str(*args, **kwargs)


def safe_repr(value):
    """repr() with the same guard as safe_str, for f-string !r conversions."""
    if type(value) in CONTAINERS:
        check_text_size(value)
    return repr(value)


def safe_ascii(value):
    """ascii() with the same guard as safe_str, for f-string !a conversions."""
    if type(value) in CONTAINERS:
        check_text_size(value)
    return ascii(value)


def safe_sum(values, start=0):
    """sum() of numbers or durations only: sum(lists, []) would dodge the size guards."""
    items = list(values)
    for item in (start, *items):
        if not isinstance(item, _SUMMABLE):
            raise ExpressionRejected("sum() adds numbers and durations only")
    return sum(items, start)


def safe_round(number, ndigits=None):
    """round() refusing digit counts whose power of ten would be enormous."""
    if ndigits is None:
        return round(number)
    if abs(ndigits) > _MAX_ROUND_DIGITS:
        raise ExpressionRejected(f"round() digits out of range ({ndigits})")
    return round(number, ndigits)


def safe_set(values=()):
    """set() refusing key lists crafted to collide (see check_hash_spread)."""
    if type(values) not in (set, frozenset, dict):
        values = list(values)
        check_hash_spread(values)
    return set(values)


def safe_dict(*args, **kwargs):
    """dict() with the same collision guard for a list of pairs."""
    if args and not isinstance(args[0], dict):
        pairs = list(args[0])
        check_hash_spread(pair_keys(pairs))
        args = (pairs, *args[1:])
    return dict(*args, **kwargs)


def safe_enumerate(values, start=0):
    """enumerate() as a list, so no lazy iterator can end up in task data."""
    return list(enumerate(values, start))


def safe_zip(*iterables):
    """zip() as a list, so no lazy iterator can end up in task data."""
    return list(zip(*iterables))


BUILTINS = MappingProxyType({
    "abs": abs, "all": all, "any": any, "bool": bool, "dict": safe_dict, "float": float,
    "int": int, "len": len, "list": list, "max": max, "min": min, "round": safe_round,
    "set": safe_set, "sorted": sorted, "str": safe_str, "sum": safe_sum, "tuple": tuple,
    "range": safe_range, "enumerate": safe_enumerate, "zip": safe_zip, "datetime": datetime,
    "date": date, "timedelta": timedelta, "timezone": timezone, "now": now,
})

# Ids of functions that hand back one of their arguments, so their result costs no new memory.
ELEMENT_FUNCTIONS = frozenset({id(max), id(min)})


def function_table(extra=None):
    """Read-only table of callable names: the safe builtins plus vetted `extra` functions."""
    if not extra:
        return BUILTINS
    table = dict(BUILTINS)
    for name, function in extra.items():
        _vet_function(name, function)
        table[name] = function
    return MappingProxyType(table)


def _vet_function(name, function):
    if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
        raise ValueError(f"sandbox function name {name!r} is not a valid identifier")
    if name.startswith("_") or name in FORBIDDEN_CALLS:
        raise ValueError(f"sandbox function name {name!r} is reserved")
    if not callable(function):
        raise TypeError(f"sandbox function {name!r} is not callable")
    if any(function is unsafe for unsafe in DISALLOW_FUNCTIONS):
        raise ValueError(f"sandbox function {name!r} exposes an unsafe builtin")


def _check_width(text, width, *rest):
    check_repeat_size(str, max(len(text), width))


def _check_join(separator, items):
    items = list(items)
    size = len(separator) * max(len(items) - 1, 0)
    size += sum(len(item) for item in items if type(item) is str)
    check_repeat_size(str, size)


def _check_replace(text, old, new, count=-1):
    hits = len(text) + 1 if old == "" else text.count(old)
    if count >= 0:
        hits = min(hits, count)
    check_repeat_size(str, len(text) + hits * max(len(new) - len(old), 0))


# str methods whose result can dwarf their inputs; checked before the call.
STRING_GUARDS = {
    "center": _check_width, "ljust": _check_width, "rjust": _check_width, "zfill": _check_width,
    "join": _check_join, "replace": _check_replace,
}
