"""Deploy-time checks: parse once (cached by source) and refuse what the sandbox language lacks.

The evaluator re-checks everything at run time; this layer exists so that a designer learns
about a refused construct when uploading the diagram, with its line, not when a case hits it.
"""

import ast
import textwrap
from functools import lru_cache

from engine import defaults
from engine.errors import ExpressionRejected

from .limits import OPERATORS, check_format_spec, check_range, check_repeat_size
from .rules import (
    EXPRESSION_NODES, FORBIDDEN_ATTRIBUTES, FORBIDDEN_CALLS, MUTATING_METHODS, SCRIPT_NODES,
    is_private, mutation_refused, refusal,
)

_FOLDABLE = (ast.Add, ast.Sub, ast.Mult, ast.Pow)
_LOOPS = (ast.For, ast.While)


def check_expression(source: str) -> None:
    """Refuse, with ExpressionRejected, an expression the sandbox would not evaluate."""
    parse_expression(source)


def check_script(source: str) -> None:
    """Refuse, with ExpressionRejected and its line, a script the sandbox would not run."""
    parse_script(source)


def parse_expression(source):
    """Checked AST of one expression; raises ExpressionRejected."""
    _check_source(source, "expression")
    return _parse_expression(source)


def parse_script(source):
    """Checked statements of a script; raises ExpressionRejected."""
    _check_source(source, "script")
    return _parse_script(source)


def _check_source(source, what):
    if not isinstance(source, str):
        raise ExpressionRejected(f"{what} must be text, not {type(source).__name__}")
    if len(source) > defaults.SANDBOX_MAX_SOURCE:
        raise ExpressionRejected(
            f"{what} too long ({len(source)} characters, limit {defaults.SANDBOX_MAX_SOURCE})")


@lru_cache(maxsize=defaults.SANDBOX_CACHE_SIZE)
def _parse_expression(source):
    body = source.strip()
    if not body:
        raise ExpressionRejected("expression is empty")
    multiline = "\n" in body
    # Keep the leading newlines so reported lines count from the start of the raw text.
    text = "\n" * source[: len(source) - len(source.lstrip())].count("\n") + body
    try:
        tree = _parse(text, "eval", multiline)
    except ExpressionRejected:
        _refuse_statement(text, multiline)
        raise
    _Checker(EXPRESSION_NODES, multiline, expression=True).check(tree)
    return tree.body


@lru_cache(maxsize=defaults.SANDBOX_CACHE_SIZE)
def _parse_script(source):
    # Scripts pasted into BPMN XML often carry the XML's indentation.
    tree = _parse(textwrap.dedent(source), "exec", True)
    _Checker(SCRIPT_NODES, True, expression=False).check(tree)
    return tree.body


def _parse(text, mode, multiline):
    try:
        return ast.parse(text, mode=mode)
    except SyntaxError as error:
        line = error.lineno if multiline else None
        raise ExpressionRejected(f"syntax error: {error.msg}", line) from None
    except (RecursionError, MemoryError):
        raise ExpressionRejected("nested too deeply") from None


def _refuse_statement(text, multiline):
    """Explain precisely why a statement was given where an expression belongs."""
    try:
        tree = ast.parse(text, mode="exec")
    except (SyntaxError, RecursionError, MemoryError):
        return
    _Checker(SCRIPT_NODES, multiline, expression=True).check(tree)
    line = tree.body[0].lineno if multiline else None
    raise ExpressionRejected("expected an expression, found a statement", line)


def fold(node):
    """Value of a constant numeric sub-expression like 9**9, else None; refuses oversized ones."""
    kind = type(node)
    if kind is ast.Constant:
        return node.value if type(node.value) in (int, float, bool) else None
    if kind is ast.UnaryOp and type(node.op) in (ast.USub, ast.UAdd):
        value = fold(node.operand)
        if value is None:
            return None
        return -value if type(node.op) is ast.USub else value
    if kind is ast.BinOp and isinstance(node.op, _FOLDABLE):
        left, right = fold(node.left), fold(node.right)
        if left is None or right is None:
            return None
        try:
            return OPERATORS[type(node.op)](left, right)
        except (ArithmeticError, ValueError):
            return None
    return None


def static_sequence(node):
    """(type, length) of a literal string/list/tuple, or of repeats and sums of them, else None."""
    kind = type(node)
    if kind is ast.Constant and type(node.value) in (str, bytes):
        return type(node.value), len(node.value)
    if kind in (ast.List, ast.Tuple) and not any(type(e) is ast.Starred for e in node.elts):
        return (list if kind is ast.List else tuple), len(node.elts)
    if kind is ast.BinOp and type(node.op) is ast.Mult:
        for sequence, count in ((node.left, node.right), (node.right, node.left)):
            found, times = static_sequence(sequence), fold(count)
            if found and type(times) is int:
                check_repeat_size(found[0], found[1] * times)
                return found[0], found[1] * max(times, 0)
    if kind is ast.BinOp and type(node.op) is ast.Add:
        left, right = static_sequence(node.left), static_sequence(node.right)
        if left and right and left[0] is right[0]:
            check_repeat_size(left[0], left[1] + right[1])
            return left[0], left[1] + right[1]
    return None


def _range_bounds(node):
    """Constant (start, stop, step) of a range(...) call, else None."""
    if node.keywords or not 1 <= len(node.args) <= 3:
        return None
    values = [fold(arg) for arg in node.args]
    if any(type(value) is not int for value in values):
        return None
    start, stop, step = (0, values[0], 1) if len(values) == 1 else (*values, 1)[:3]
    return None if step == 0 else (start, stop, step)


def _breaks_out(body):
    """True if a 'break' in `body` leaves this loop (breaks inside nested loops do not)."""
    pending = list(body)
    while pending:
        statement = pending.pop()
        if type(statement) is ast.Break:
            return True
        if type(statement) is ast.If:
            pending += statement.body + statement.orelse
        elif isinstance(statement, _LOOPS):
            pending += statement.orelse
    return False


class _Checker(ast.NodeVisitor):
    """Walks a parsed tree; raises ExpressionRejected at the first construct it refuses."""

    def __init__(self, allowed, multiline, expression):
        self.allowed = allowed
        self.multiline = multiline
        self.expression = expression
        self.loops = 0

    def check(self, tree):
        """Raise ExpressionRejected if `tree` leaves the language; return None otherwise."""
        _check_depth(tree, self)
        self.visit(tree)

    def reject(self, message, node):
        """Raise the refusal, located at `node` when the source spans several lines."""
        raise ExpressionRejected(message, getattr(node, "lineno", None) if self.multiline else None)

    def visit(self, node):
        if type(node) not in self.allowed:
            self.reject(refusal(node), node)
        try:
            return super().visit(node)
        except ExpressionRejected as error:
            if error.line is None and self.multiline:
                error.line = getattr(node, "lineno", None)
            raise

    def visit_Name(self, node):
        if node.id[0] == "_":
            self.reject(f"name '{node.id}' is not allowed", node)

    def visit_Attribute(self, node):
        # Outermost attribute first, in the order the evaluator meets them at run time.
        if is_private(node.attr) or node.attr in FORBIDDEN_ATTRIBUTES:
            self.reject(f"attribute '{node.attr}' is not allowed", node)
        if type(node.ctx) is not ast.Load:
            self.reject("changing attributes is not allowed", node)
        self.visit(node.value)

    def visit_Starred(self, node):
        if type(node.ctx) is not ast.Load:
            self.reject("starred assignment is not allowed", node)
        self.generic_visit(node)

    def visit_Call(self, node):
        func = node.func
        if type(func) is ast.Name and func.id in FORBIDDEN_CALLS:
            self.reject(f"function '{func.id}' is not allowed", node)
        if type(func) not in (ast.Name, ast.Attribute):
            self.reject("only functions and methods can be called", node)
        self.generic_visit(node)
        if self.expression and type(func) is ast.Attribute and func.attr in MUTATING_METHODS:
            self.reject(mutation_refused(func.attr), node)
        if type(func) is ast.Name and func.id == "range" and (bounds := _range_bounds(node)):
            check_range(*bounds)

    def visit_BinOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, _FOLDABLE):
            fold(node)
            static_sequence(node)

    def visit_FormattedValue(self, node):
        self.generic_visit(node)
        for part in getattr(node.format_spec, "values", ()):
            if type(part) is ast.Constant:
                check_format_spec(str(part.value))

    def visit_comprehension(self, node):
        if node.is_async:
            self.reject("'async for' is not allowed", node.iter)
        if not _plain_names(node.target):
            self.reject("comprehension variables must be plain names", node.iter)
        self.generic_visit(node)

    def visit_Delete(self, node):
        for target in node.targets:
            if type(target) not in (ast.Name, ast.Subscript):
                self.reject("only variables and items can be deleted", node)
        self.generic_visit(node)

    def visit_While(self, node):
        if fold_truth(node.test) and not _breaks_out(node.body):
            self.reject("endless loop: 'while True' needs a 'break'", node)
        self.visit(node.test)
        self._visit_loop(node)

    def visit_For(self, node):
        self.visit(node.target)
        self.visit(node.iter)
        self._visit_loop(node)

    def _visit_loop(self, node):
        self.loops += 1
        for statement in node.body:
            self.visit(statement)
        self.loops -= 1
        for statement in node.orelse:
            self.visit(statement)

    def visit_Break(self, node):
        if not self.loops:
            self.reject("'break' outside loop", node)

    def visit_Continue(self, node):
        if not self.loops:
            self.reject("'continue' outside loop", node)


def fold_truth(node):
    """True when a loop condition is a constant truthy value (while True, while 1)."""
    return type(node) is ast.Constant and bool(node.value)


def _plain_names(target):
    if type(target) is ast.Name:
        return True
    return type(target) in (ast.Tuple, ast.List) and all(_plain_names(e) for e in target.elts)


def _check_depth(tree, checker):
    """Refuse deep nesting up front: evaluation and folding recurse once per level."""
    limit = defaults.SANDBOX_MAX_DEPTH
    pending = [(tree, 1)]
    while pending:
        node, depth = pending.pop()
        if depth > limit:
            checker.reject(f"nested too deeply (limit {limit} levels)", node)
        pending.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
