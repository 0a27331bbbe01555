"""The sandbox language: which syntax, names, attributes and methods exist, and the refusal wording.

Both the deploy-time checker and the run-time evaluator read these tables, so a snippet is
refused with the same message whichever layer catches it.
"""

import ast
from datetime import date, datetime, time, timedelta, timezone

from engine.errors import ExpressionRejected

_OPERATOR_NODES = {
    ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow, ast.LShift, ast.RShift,
    ast.BitOr, ast.BitXor, ast.BitAnd, ast.And, ast.Or, ast.Not, ast.Invert, ast.UAdd, ast.USub,
    ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Is, ast.IsNot, ast.In, ast.NotIn,
}

EXPRESSION_NODES = frozenset(_OPERATOR_NODES | {
    ast.Expression, ast.Constant, ast.Name, ast.Load, ast.Store, ast.Attribute, ast.Subscript,
    ast.Slice, ast.Call, ast.keyword, ast.Starred, ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Compare,
    ast.IfExp, ast.Dict, ast.List, ast.Tuple, ast.Set, ast.ListComp, ast.SetComp, ast.DictComp,
    ast.GeneratorExp, ast.comprehension, ast.JoinedStr, ast.FormattedValue,
})

SCRIPT_NODES = frozenset((EXPRESSION_NODES - {ast.Expression}) | {
    ast.Module, ast.Expr, ast.Assign, ast.AugAssign, ast.If, ast.For, ast.While, ast.Break,
    ast.Continue, ast.Pass, ast.Delete, ast.Del,
})

_REFUSALS = {
    "Import": "imports are not allowed",
    "ImportFrom": "imports are not allowed",
    "FunctionDef": "function definitions are not allowed",
    "AsyncFunctionDef": "function definitions are not allowed",
    "ClassDef": "class definitions are not allowed",
    "Lambda": "lambda is not allowed",
    "With": "'with' is not allowed",
    "AsyncWith": "'with' is not allowed",
    "Try": "'try' is not allowed",
    "TryStar": "'try' is not allowed",
    "Raise": "'raise' is not allowed",
    "Global": "'global' is not allowed",
    "Nonlocal": "'nonlocal' is not allowed",
    "Yield": "'yield' is not allowed",
    "YieldFrom": "'yield' is not allowed",
    "Await": "'await' is not allowed",
    "AsyncFor": "'async for' is not allowed",
    "NamedExpr": "assignment expressions (:=) are not allowed",
    "Assert": "'assert' is not allowed",
    "Match": "'match' is not allowed",
    "Return": "'return' is not allowed",
    "AnnAssign": "annotated assignments are not allowed",
    "MatMult": "operator '@' is not allowed",
}

# Builtins whose mere call signals an escape attempt; refused by name so the designer is told why.
FORBIDDEN_CALLS = frozenset({
    "eval", "exec", "compile", "open", "getattr", "setattr", "delattr", "hasattr", "globals",
    "locals", "vars", "dir", "type", "object", "super", "breakpoint", "input", "help",
    "memoryview", "id", "classmethod", "staticmethod", "property",
})

# Attributes that reach interpreter internals or run format-string lookups ("{0.__class__}").
FORBIDDEN_ATTRIBUTES = frozenset({
    "format", "format_map", "mro", "func_globals", "func_code", "func_closure", "gi_frame",
    "gi_code", "cr_frame", "cr_code", "ag_frame", "ag_code", "f_globals", "f_locals", "f_builtins",
    "f_back", "f_code", "tb_frame", "tb_next", "co_code", "im_func", "im_self",
})

_STR_METHODS = frozenset({
    "capitalize", "casefold", "center", "count", "endswith", "find", "index", "isalnum", "isalpha",
    "isascii", "isdecimal", "isdigit", "isidentifier", "islower", "isnumeric", "isprintable",
    "isspace", "istitle", "isupper", "join", "ljust", "lower", "lstrip", "partition",
    "removeprefix", "removesuffix", "replace", "rfind", "rindex", "rjust", "rpartition", "rsplit",
    "rstrip", "split", "splitlines", "startswith", "strip", "swapcase", "title", "upper", "zfill",
})
_INT_ATTRIBUTES = frozenset({"bit_length", "conjugate", "denominator", "imag", "numerator", "real"})
_SET_METHODS = frozenset({
    "copy", "difference", "intersection", "isdisjoint", "issubset", "issuperset",
    "symmetric_difference", "union",
})
_DATE_ATTRIBUTES = frozenset({
    "year", "month", "day", "ctime", "isocalendar", "isoformat", "isoweekday", "replace",
    "strftime", "toordinal", "weekday",
})
_TIME_ATTRIBUTES = frozenset({
    "hour", "minute", "second", "microsecond", "tzinfo", "fold", "isoformat", "replace",
    "strftime", "utcoffset", "tzname", "dst",
})
_ISO_CALENDAR_DATE = type(date(2000, 1, 1).isocalendar())

# Keyed by exact type: a subclass could override a whitelisted method with anything.
READ_METHODS = {
    str: _STR_METHODS,
    int: _INT_ATTRIBUTES,
    bool: _INT_ATTRIBUTES,
    float: frozenset({"as_integer_ratio", "conjugate", "imag", "is_integer", "real"}),
    list: frozenset({"copy", "count", "index"}),
    tuple: frozenset({"count", "index"}),
    dict: frozenset({"copy", "get", "items", "keys", "values"}),
    set: _SET_METHODS,
    frozenset: _SET_METHODS,
    date: _DATE_ATTRIBUTES,
    datetime: _DATE_ATTRIBUTES | _TIME_ATTRIBUTES | {"astimezone", "date", "time", "timestamp"},
    time: _TIME_ATTRIBUTES,
    timedelta: frozenset({"days", "seconds", "microseconds", "total_seconds"}),
    timezone: frozenset({"utcoffset", "tzname", "dst"}),
    _ISO_CALENDAR_DATE: frozenset({"year", "week", "weekday"}),
}

WRITE_METHODS = {
    list: frozenset({"append", "clear", "extend", "insert", "pop", "remove", "reverse", "sort"}),
    dict: frozenset({"clear", "pop", "popitem", "setdefault", "update"}),
    set: frozenset({
        "add", "clear", "difference_update", "discard", "intersection_update", "pop", "remove",
        "symmetric_difference_update", "update",
    }),
}

MUTATING_METHODS = frozenset().union(*WRITE_METHODS.values())

SCRIPT_METHODS = {
    kind: methods | WRITE_METHODS.get(kind, frozenset()) for kind, methods in READ_METHODS.items()
}

# Methods that hand back an element already held by the receiver, so nothing new is allocated.
ELEMENT_METHODS = frozenset({"get", "pop", "popitem", "setdefault", "index", "count"})

CLASS_ATTRIBUTES = {
    datetime: frozenset({
        "combine", "fromisoformat", "fromtimestamp", "max", "min", "now", "strptime",
    }),
    date: frozenset({"fromisoformat", "fromordinal", "max", "min", "today"}),
    timedelta: frozenset({"max", "min", "resolution"}),
    timezone: frozenset({"utc"}),
}

CONSTANTS = {"true": True, "false": False, "null": None}


def refusal(node):
    """Designer-facing reason why a syntax node is outside the sandbox language."""
    name = type(node).__name__
    return _REFUSALS.get(name, f"{name} is not allowed")


def is_private(name):
    """True for names that reach Python internals (underscore or func_ prefix)."""
    return name.startswith(("_", "func_"))


def check_name(name):
    """Refuse a variable or function name that reaches Python internals."""
    if name[0] == "_":
        raise ExpressionRejected(f"name '{name}' is not allowed")


def check_attribute_name(name):
    """Refuse an attribute whatever the object: internals and format-string lookups."""
    if is_private(name) or name in FORBIDDEN_ATTRIBUTES:
        raise ExpressionRejected(f"attribute '{name}' is not allowed")


def mutation_refused(name):
    """Message for a data-changing method used in a condition or timer expression."""
    return f"method '{name}' changes data; it is only allowed in scripts"
