"""Resource guards: each refuses an operation *before* Python allocates or computes something huge.

Limits are read from engine.defaults at call time so that tests (and operators) can tune them.
"""

import ast
import operator as op
import re
from collections import Counter

from simpleeval import DEFAULT_OPERATORS

from engine import defaults
from engine.errors import ExpressionRejected

CONTAINERS = frozenset({list, tuple, dict, set, frozenset})
_NUMBERS = (int, float, bool)
_WIDTH = re.compile(r"\d+")
_HASH_CHECK_FROM = 1000  # below this, even all-colliding keys cost under a million probes
_MAX_SAME_HASH = 32      # real data almost never has two distinct keys with one hash


def number_text(value):
    """Short rendering of a number for a message (huge ints cannot even be printed)."""
    if type(value) is int and value.bit_length() > 200:
        return f"<{value.bit_length()}-bit number>"
    return repr(value)


def too_long(kind, size):
    """ExpressionRejected for a string or collection over its cap."""
    if kind in (str, bytes):
        unit, limit = "characters", defaults.SANDBOX_MAX_STRING
    else:
        unit, limit = "items", defaults.SANDBOX_MAX_COLLECTION
    return ExpressionRejected(f"{kind.__name__} too long ({size} {unit}, limit {limit})")


def check_size(value):
    """Refuse a string or collection longer than its cap."""
    kind = type(value)
    if kind is str or kind is bytes:
        if len(value) > defaults.SANDBOX_MAX_STRING:
            raise too_long(kind, len(value))
    elif kind in CONTAINERS and len(value) > defaults.SANDBOX_MAX_COLLECTION:
        raise too_long(kind, len(value))


def check_repeat_size(kind, size):
    """Refuse a repetition/concatenation result of `size` elements of type `kind`."""
    limit = defaults.SANDBOX_MAX_STRING if kind in (str, bytes) else defaults.SANDBOX_MAX_COLLECTION
    if size > limit:
        raise too_long(kind, size)


def check_int_bits(bits, text):
    """Refuse an integer result wider than SANDBOX_MAX_INT_BITS."""
    if bits > defaults.SANDBOX_MAX_INT_BITS:
        raise ExpressionRejected(f"number too large ({text})")


def check_pow(base, exponent):
    """Refuse a ** b whose exponent or result size is out of bounds (9**9**9)."""
    if not (isinstance(base, _NUMBERS) and isinstance(exponent, _NUMBERS)):
        return
    text = f"{number_text(base)}**{number_text(exponent)}"
    if abs(exponent) > defaults.SANDBOX_MAX_POWER:
        raise ExpressionRejected(f"exponent too large ({text})")
    if isinstance(base, int) and isinstance(exponent, int) and exponent > 0 and abs(base) > 1:
        check_int_bits((abs(base).bit_length() - 1) * exponent, text)


def check_mult(left, right):
    """Refuse 'a' * n, [0] * n and int * int products beyond the caps."""
    if isinstance(left, int) and isinstance(right, int):
        check_int_bits(left.bit_length() + right.bit_length() - 1, "product")
    elif isinstance(right, int) and type(left) in (str, bytes, list, tuple):
        check_repeat_size(type(left), len(left) * right)
    elif isinstance(left, int) and type(right) in (str, bytes, list, tuple):
        check_repeat_size(type(right), len(right) * left)


def check_add(left, right):
    """Refuse concatenations beyond the caps."""
    kind = type(left)
    if kind in (str, bytes, list, tuple) and type(right) is kind:
        check_repeat_size(kind, len(left) + len(right))


def check_mod(left, right):
    """Refuse printf-style formatting: '%1000000000s' allocates before any check could run."""
    if isinstance(left, (str, bytes)):
        raise ExpressionRejected("'%' formatting of strings is not allowed; use an f-string")


def check_lshift(left, right):
    """Refuse a << n that would exceed the integer size cap."""
    if isinstance(left, int) and isinstance(right, int) and right > 0:
        check_int_bits(left.bit_length() + right, f"{number_text(left)} << {number_text(right)}")


def check_format_spec(spec):
    """Refuse f-string widths/precisions like {x:>1000000000} that pad to gigabytes."""
    for match in _WIDTH.finditer(spec):
        if int(match.group()) > defaults.SANDBOX_MAX_STRING:
            raise ExpressionRejected(f"format width too large ({match.group()})")


def _refuse_matmul(left, right):
    raise ExpressionRejected("operator '@' is not allowed")


def _guarded(operation, check):
    def run(left, right):
        check(left, right)
        return operation(left, right)
    return run


OPERATORS = {
    **DEFAULT_OPERATORS,
    ast.Add: _guarded(op.add, check_add),
    ast.Mult: _guarded(op.mul, check_mult),
    ast.Pow: _guarded(op.pow, check_pow),
    ast.Mod: _guarded(op.mod, check_mod),
    ast.LShift: _guarded(op.lshift, check_lshift),
    ast.RShift: op.rshift,
    ast.MatMult: _refuse_matmul,
}

# `l += [x]` extends in place, as in Python; the same guards apply.
INPLACE_OPERATORS = {
    ast.Add: _guarded(op.iadd, check_add),
    ast.Sub: op.isub,
    ast.Mult: _guarded(op.imul, check_mult),
    ast.Div: op.itruediv,
    ast.FloorDiv: op.ifloordiv,
    ast.Mod: _guarded(op.imod, check_mod),
    ast.Pow: _guarded(op.ipow, check_pow),
    ast.LShift: _guarded(op.ilshift, check_lshift),
    ast.RShift: op.irshift,
    ast.BitOr: op.ior,
    ast.BitXor: op.ixor,
    ast.BitAnd: op.iand,
    ast.MatMult: _refuse_matmul,
}


def range_length(start, stop, step):
    """Number of items range(start, stop, step) yields, computed without building it."""
    if step > 0:
        return max(0, (stop - start + step - 1) // step)
    return max(0, (start - stop - step - 1) // -step)


def check_range(start, stop, step):
    """Refuse range() calls longer than the collection cap."""
    count = range_length(start, stop, step)
    if count > defaults.SANDBOX_MAX_COLLECTION:
        raise ExpressionRejected(
            f"range too large ({count} items, limit {defaults.SANDBOX_MAX_COLLECTION})")


def measure(value):
    """Items and characters reachable from `value`, counting shared references each time.

    Counting through every reference is what the data costs once compared, printed or
    serialized, so `[big] * 1000` is charged a thousand bigs. Sizes are memoised per object,
    so the walk itself visits each distinct container once.
    """
    if type(value) is str:
        return len(value)
    return _size(value, {}, 1)[0]


def check_text_size(value):
    """Refuse turning a container into text when its rendering would be huge."""
    size = measure(value)
    if size > defaults.SANDBOX_MAX_STRING:
        raise ExpressionRejected(
            f"value too large to turn into text ({size} items and characters, "
            f"limit {defaults.SANDBOX_MAX_STRING})")


def _size(container, seen, depth):
    """(items and characters, nesting height) of a container; `seen` memoises both by id."""
    limit = defaults.SANDBOX_MAX_DEPTH
    if depth > limit:
        raise ExpressionRejected(f"data nested too deeply (limit {limit} levels)")
    key = id(container)
    if key in seen:
        if seen[key] is None:  # still on the current path: the container reaches itself
            raise ExpressionRejected("data cannot contain itself")
        total, height = seen[key]
    else:
        seen[key] = None
        total, height = len(container), 1
        items = (*container.keys(), *container.values()) if type(container) is dict else container
        for item in items:
            kind = type(item)
            if kind is str:
                total += len(item)
            elif kind in CONTAINERS:
                size, below = _size(item, seen, depth + 1)
                total, height = total + size, max(height, below + 1)
        seen[key] = total, height
    if depth + height - 1 > limit:  # a memoised subtree reached again at a deeper level
        raise ExpressionRejected(f"data nested too deeply (limit {limit} levels)")
    return total, height


def check_hash_spread(keys):
    """Refuse hashing, in one call, many distinct keys that share one hash value.

    Distinct ints like i * (2**61 - 1) all hash alike; set() of 100,000 of them takes
    minutes inside a single C call, where no deadline check can interrupt it.
    """
    if len(keys) < _HASH_CHECK_FROM:
        return
    counts = Counter(map(hash, keys))
    crowded = {value for value, count in counts.items() if count > _MAX_SAME_HASH}
    if not crowded:
        return
    distinct = {}
    for key in keys:
        value = hash(key)
        if value in crowded:
            seen = distinct.setdefault(value, [])
            if key not in seen:
                seen.append(key)
                if len(seen) > _MAX_SAME_HASH:
                    raise ExpressionRejected("too many distinct keys share one hash value")


def pair_keys(pairs):
    """First items of key/value pairs, as dict() would take them as keys."""
    return [pair[0] for pair in pairs if type(pair) in (tuple, list, str) and pair]


def memory_exceeded():
    """ExpressionRejected for a run that built more data than SANDBOX_MAX_ALLOCATION allows."""
    return ExpressionRejected(
        f"memory limit exceeded (more than {defaults.SANDBOX_MAX_ALLOCATION} items and characters)")
