"""Run-time evaluation of one expression: simpleeval's compound-type evaluator with ParkOps rules.

The deploy-time checker already refused what it could see; this layer enforces the same rules
against values (task data can be hostile too): a per-type attribute whitelist, calls only to
named functions and whitelisted methods, size caps, a data budget and a CPU deadline.
"""

import ast
import time

from simpleeval import EvalWithCompoundTypes, SimpleEval

from engine import defaults
from engine.errors import ExpressionRejected

from .functions import ELEMENT_FUNCTIONS, STRING_GUARDS, safe_ascii, safe_repr, safe_str
from .limits import (
    CONTAINERS, OPERATORS, check_format_spec, check_hash_spread, check_size, measure,
    memory_exceeded, pair_keys,
)
from .rules import (
    CLASS_ATTRIBUTES, CONSTANTS, FORBIDDEN_CALLS, MUTATING_METHODS, READ_METHODS, SCRIPT_METHODS,
    ELEMENT_METHODS, WRITE_METHODS, check_attribute_name, check_name, mutation_refused, refusal,
)

_MISSING = object()
_CLOCK_EVERY = 32  # nodes between two reads of the CPU clock (a read costs ~0.4 µs)
_SUBSCRIPTABLE = (str, list, tuple, dict, range)
_HASHED = (set, frozenset, dict)
_CONVERSIONS = {ord("s"): safe_str, ord("r"): safe_repr, ord("a"): safe_ascii}


class UndefinedName(ExpressionRejected, NameError):
    """A variable the expression reads does not exist; also a NameError, for SpiffWorkflow."""

    def __init__(self, name):
        super().__init__(f"name '{name}' is not defined")
        self.name = name

    def __str__(self):
        # SpiffWorkflow's "did you mean" matches this text from its start.
        return self.message if self.line is None else f"{self.message} (line {self.line})"


class ExpressionEvaluator(EvalWithCompoundTypes):
    """Evaluates checked ASTs against `names`; one instance per run, never shared by threads."""

    def __init__(self, functions, names, scripts=False):
        # SimpleEval.__init__ rebuilds a per-instance node table (~17 µs per call); the
        # table here is built once per class, which keeps a gateway condition at a few µs.
        self.operators = OPERATORS
        self.functions = functions
        self.names = names
        self.allowed_attrs = None
        self.expr = ""
        self.methods = SCRIPT_METHODS if scripts else READ_METHODS
        self.scopes = []
        self.allocated = 0
        self.time_limit = defaults.SANDBOX_TIME_LIMIT_S
        self.deadline = time.thread_time() + self.time_limit
        self.ticks = _CLOCK_EVERY

    def tick(self):
        """Count one node or loop iteration; every few, stop the run once its CPU time is spent."""
        self.ticks -= 1
        if not self.ticks:
            self.ticks = _CLOCK_EVERY
            if time.thread_time() > self.deadline:
                raise ExpressionRejected(f"time limit exceeded ({self.time_limit:g} s)")

    def visit(self, node):
        """Value of one AST node."""
        self.tick()
        handler = _HANDLERS.get(type(node))
        if handler is None:
            raise ExpressionRejected(refusal(node))
        return handler(self, node)

    _eval = visit  # simpleeval's node handlers recurse through self._eval

    def charge(self, value):
        """Cap a fresh string/collection and bill its reachable size to the run's data budget."""
        kind = type(value)
        if kind is str or kind is bytes:
            check_size(value)
        elif kind in CONTAINERS:
            check_size(value)
            self.bill(measure(value))
        return value

    def charge_growth(self, container, before, added):
        """Bill what a mutation put into `container`, and cap its new length."""
        check_size(container)
        size = max(len(container) - before, 0)
        for item in added:
            if type(item) is str or type(item) in CONTAINERS:
                size += measure(item)
        self.bill(size)

    def bill(self, size):
        """Add `size` items and characters to the run's total; refuse past the budget."""
        self.allocated += size
        if self.allocated > defaults.SANDBOX_MAX_ALLOCATION:
            raise memory_exceeded()

    # --- names ---------------------------------------------------------------------------

    def lookup(self, name):
        """Value of a variable (comprehension scopes first), or _MISSING."""
        if name[0] == "_":
            check_name(name)
        if self.scopes:
            for scope in reversed(self.scopes):
                if name in scope:
                    return scope[name]
        value = self.names.get(name, _MISSING)
        return self.first_read(name) if value is _MISSING else value

    def first_read(self, name):
        """Hook for a name not (yet) among the variables; scripts copy the caller's in."""
        return _MISSING

    def _eval_name(self, node):
        value = self.lookup(node.id)
        if value is _MISSING:
            return self.unknown_name(node.id)
        return value

    def unknown_name(self, name):
        """Value for a name that is not a variable: a constant alias, or an error."""
        if name in CONSTANTS:
            return CONSTANTS[name]
        if name in self.functions:
            raise ExpressionRejected(f"function '{name}' can only be called, e.g. {name}(...)")
        raise UndefinedName(name)

    # --- attributes and calls --------------------------------------------------------------

    def _eval_attribute(self, node):
        check_attribute_name(node.attr)
        value = self.attribute(self.receiver(node.value), node.attr)
        if callable(value):
            raise ExpressionRejected(
                f"method '{node.attr}' can only be called, e.g. x.{node.attr}()")
        return value

    def receiver(self, node):
        """Object whose attribute is read; a bare class name (datetime, date...) means the class."""
        if type(node) is ast.Name:
            value = self.lookup(node.id)
            if value is not _MISSING:
                return value
            cls = self.functions.get(node.id)
            if isinstance(cls, type) and cls in CLASS_ATTRIBUTES:
                return cls
        return self.visit(node)

    def attribute(self, obj, name):
        """getattr() restricted to the whitelist for the object's exact type (name pre-checked)."""
        kind = type(obj)
        if kind is type:
            allowed, owner = CLASS_ATTRIBUTES.get(obj, ()), obj.__name__
        else:
            allowed, owner = self.methods.get(kind, ()), kind.__name__
        if name not in allowed:
            if name in WRITE_METHODS.get(kind, ()):
                raise ExpressionRejected(mutation_refused(name))
            hint = f" (use x['{name}'])" if kind is dict and not hasattr(dict, name) else ""
            raise ExpressionRejected(f"attribute '{name}' is not allowed on {owner}{hint}")
        return getattr(obj, name)

    def _eval_call(self, node):
        func = node.func
        if type(func) is ast.Name:
            return self.call_function(func.id, node)
        if type(func) is ast.Attribute:
            return self.call_method(func, node)
        raise ExpressionRejected("only functions and methods can be called")

    def call_function(self, name, node):
        """Call a named function from the table; its fresh result is charged to the budget."""
        check_name(name)
        if name in FORBIDDEN_CALLS:
            raise ExpressionRejected(f"function '{name}' is not allowed")
        function = self.functions.get(name)
        if function is None:
            if self.lookup(name) is not _MISSING:
                raise ExpressionRejected(f"'{name}' is a variable, not a function")
            raise ExpressionRejected(f"function '{name}' is not available")
        args, kwargs = self.arguments(node)
        result = function(*args, **kwargs)
        return result if id(function) in ELEMENT_FUNCTIONS else self.charge(result)

    def call_method(self, func, node):
        """Call a whitelisted method; mutations are capped and billed by what they add."""
        check_attribute_name(func.attr)
        obj = self.receiver(func.value)
        method = self.attribute(obj, func.attr)
        args, kwargs = self.arguments(node)
        guard = STRING_GUARDS.get(func.attr) if type(obj) is str else None
        if guard is not None:
            _run_guard(guard, obj, args, kwargs)
        if type(obj) in _HASHED:
            _check_new_keys(obj, args)
        if func.attr in MUTATING_METHODS and type(obj) in WRITE_METHODS:
            before = len(obj)
            result = method(*args, **kwargs)
            self.charge_growth(obj, before, (*args, *kwargs.values()))
            return result
        result = method(*args, **kwargs)
        return result if func.attr in ELEMENT_METHODS else self.charge(result)

    def arguments(self, node):
        """Positional and keyword argument values, with *args and **kwargs unpacked."""
        args = []
        for arg in node.args:
            if type(arg) is ast.Starred:
                args.extend(self.visit(arg.value))
            else:
                args.append(self.visit(arg))
        kwargs = {}
        for keyword in node.keywords:
            if keyword.arg is None:
                kwargs.update(self.visit(keyword.value))
            else:
                kwargs[keyword.arg] = self.visit(keyword.value)
        return args, kwargs

    # --- values that allocate ----------------------------------------------------------------

    def _eval_constant(self, node):
        return node.value

    def _eval_binop(self, node):
        return self.charge(SimpleEval._eval_binop(self, node))

    def _eval_subscript(self, node):
        container = self.visit(node.value)
        key = self.visit(node.slice)
        if not isinstance(container, _SUBSCRIPTABLE):
            raise ExpressionRejected(f"{type(container).__name__} values cannot be indexed")
        value = container[key]
        return self.charge(value) if type(key) is slice else value

    def items(self, elements):
        """Values of list/tuple/set display elements, with *iterables unpacked."""
        values = []
        for element in elements:
            if type(element) is ast.Starred:
                values.extend(self.visit(element.value))
            else:
                values.append(self.visit(element))
        return values

    def _eval_list(self, node):
        return self.charge(self.items(node.elts))

    def _eval_tuple(self, node):
        return self.charge(tuple(self.items(node.elts)))

    def _eval_set(self, node):
        values = self.items(node.elts)
        check_hash_spread(values)
        return self.charge(set(values))

    def _eval_dict(self, node):
        return self.charge(EvalWithCompoundTypes._eval_dict(self, node))

    def _eval_joinedstr(self, node):
        parts = [self.visit(value) for value in node.values]
        return self.charge("".join(parts))

    def _eval_formattedvalue(self, node):
        value = self.visit(node.value)
        if node.conversion in _CONVERSIONS:
            value = _CONVERSIONS[node.conversion](value)
        spec = self.visit(node.format_spec) if node.format_spec else ""
        check_format_spec(spec)
        if type(value) in CONTAINERS:
            value = safe_str(value)
        return self.charge(format(value, spec))

    # --- comprehensions ----------------------------------------------------------------------

    def _eval_comprehension(self, node):
        kind = type(node)
        result = {} if kind is ast.DictComp else set() if kind is ast.SetComp else []
        self.scopes.append({})
        try:
            self.generate(node, 0, result, [0])
        finally:
            self.scopes.pop()
        return self.charge(result)

    def generate(self, node, index, result, count):
        """Run generator `index` of a comprehension, adding produced items to `result`."""
        generator = node.generators[index]
        scope = self.scopes[-1]
        for item in self.visit(generator.iter):
            self.tick()
            count[0] += 1
            if count[0] > defaults.SANDBOX_MAX_COLLECTION:
                raise ExpressionRejected(
                    f"comprehension too long (more than {defaults.SANDBOX_MAX_COLLECTION} items)")
            bind_names(generator.target, item, scope)
            if not all(self.visit(condition) for condition in generator.ifs):
                continue
            if index + 1 < len(node.generators):
                self.generate(node, index + 1, result, count)
            elif type(result) is dict:
                result[self.visit(node.key)] = self.visit(node.value)
            elif type(result) is set:
                result.add(self.visit(node.elt))
            else:
                result.append(self.visit(node.elt))


def unpack(value, count):
    """The `count` items of `value` for a tuple target, as Python's unpacking would give them."""
    items = list(value)
    if len(items) != count:
        raise ValueError(f"expected {count} values to unpack, got {len(items)}")
    return items


def bind_names(target, value, scope):
    """Assign `value` to a comprehension target (a name or nested tuple of names)."""
    if type(target) is ast.Name:
        check_name(target.id)
        scope[target.id] = value
        return
    if type(target) not in (ast.Tuple, ast.List):
        raise ExpressionRejected("comprehension variables must be plain names")
    for element, item in zip(target.elts, unpack(value, len(target.elts))):
        bind_names(element, item, scope)


def _check_new_keys(obj, args):
    """Collision guard for lists handed to set/dict methods (update, union...)."""
    for arg in args:
        if type(arg) in (list, tuple):
            check_hash_spread(pair_keys(arg) if type(obj) is dict else arg)


def _run_guard(guard, obj, args, kwargs):
    try:
        guard(obj, *args, **kwargs)
    except TypeError:
        pass  # malformed arguments: the method itself raises the proper TypeError next


_HANDLERS = {
    ast.Constant: ExpressionEvaluator._eval_constant,
    ast.Name: ExpressionEvaluator._eval_name,
    ast.UnaryOp: SimpleEval._eval_unaryop,
    ast.BinOp: ExpressionEvaluator._eval_binop,
    ast.BoolOp: SimpleEval._eval_boolop,
    ast.Compare: SimpleEval._eval_compare,
    ast.IfExp: SimpleEval._eval_ifexp,
    ast.Call: ExpressionEvaluator._eval_call,
    ast.Attribute: ExpressionEvaluator._eval_attribute,
    ast.Subscript: ExpressionEvaluator._eval_subscript,
    ast.Slice: SimpleEval._eval_slice,
    ast.JoinedStr: ExpressionEvaluator._eval_joinedstr,
    ast.FormattedValue: ExpressionEvaluator._eval_formattedvalue,
    ast.List: ExpressionEvaluator._eval_list,
    ast.Tuple: ExpressionEvaluator._eval_tuple,
    ast.Set: ExpressionEvaluator._eval_set,
    ast.Dict: ExpressionEvaluator._eval_dict,
    ast.ListComp: ExpressionEvaluator._eval_comprehension,
    ast.SetComp: ExpressionEvaluator._eval_comprehension,
    ast.DictComp: ExpressionEvaluator._eval_comprehension,
    ast.GeneratorExp: ExpressionEvaluator._eval_comprehension,
}
