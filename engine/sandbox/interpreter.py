"""Run-time execution of scripts: a small statement interpreter on top of ExpressionEvaluator."""

import ast
import copy

from engine.errors import ExpressionRejected

from .evaluator import _MISSING, ExpressionEvaluator, UndefinedName, unpack
from .limits import CONTAINERS, INPLACE_OPERATORS
from .rules import check_name, refusal

# Lazy objects SpiffWorkflow cannot serialize; refusing them names the variable at fault.
_UNSTORABLE = (range, type({}.keys()), type({}.values()), type({}.items()))


class _Break(Exception):
    """Unwinds to the innermost loop for 'break'."""


class _Continue(Exception):
    """Unwinds to the innermost loop for 'continue'."""


class ScriptInterpreter(ExpressionEvaluator):
    """Runs checked statements over a lazily copied view of `base`, which is never mutated."""

    def __init__(self, functions, base):
        super().__init__(functions, {}, scripts=True)
        self.base = base
        self.deleted = set()
        self.memo = {}
        self.line = None

    def run(self, statements):
        """Execute `statements`; a failure carries the line of the statement that raised it."""
        try:
            self.block(statements)
        except ExpressionRejected as error:
            if error.line is None:
                error.line = self.line
            raise
        except (_Break, _Continue):
            raise ExpressionRejected("'break' or 'continue' outside loop", self.line) from None
        except Exception as error:
            error.add_note(f"raised on line {self.line} of the script")
            raise
        self.check_storable()

    def block(self, statements):
        """Execute statements in order."""
        for statement in statements:
            self.line = statement.lineno
            handler = _STATEMENTS.get(type(statement))
            if handler is None:
                raise ExpressionRejected(refusal(statement))
            handler(self, statement)

    # --- variables ---------------------------------------------------------------------------

    def first_read(self, name):
        """A caller's variable, deep-copied on first read and kept here from then on."""
        if name in self.base and name not in self.deleted:
            # Copying on first read (not up front) keeps small scripts on big task data cheap,
            # and lets a failed run leave the caller's nested lists and dicts untouched.
            value = self.names[name] = copy.deepcopy(self.base[name], self.memo)
            return value
        return _MISSING

    def store(self, name, value):
        """Assign a variable."""
        if name[0] == "_":
            check_name(name)
        self.names[name] = value
        if self.deleted:
            self.deleted.discard(name)

    def delete_name(self, name):
        """Remove a variable, whether the script made it or the caller passed it in."""
        check_name(name)
        present = self.names.pop(name, _MISSING) is not _MISSING
        if name in self.base and name not in self.deleted:
            self.deleted.add(name)
            present = True
        if not present:
            raise UndefinedName(name)

    def variables(self):
        """All variables after the run: the caller's untouched ones plus new and changed ones."""
        result = {name: value for name, value in self.base.items() if name not in self.deleted}
        result.update(self.names)
        return result

    def check_storable(self):
        """Refuse results SpiffWorkflow could not serialize into task data."""
        for name, value in self.names.items():
            if isinstance(value, _UNSTORABLE):
                kind = type(value).__name__
                raise ExpressionRejected(
                    f"variable '{name}' holds a {kind}; wrap it in list() to keep it")

    # --- statements --------------------------------------------------------------------------

    def _exec_expr(self, node):
        self.visit(node.value)

    def _exec_pass(self, node):
        pass

    def _exec_assign(self, node):
        value = self.visit(node.value)
        for target in node.targets:
            self.assign(target, value)

    def assign(self, target, value):
        """Bind `value` to a name, an item (d['k'], l[0]) or a tuple of those."""
        kind = type(target)
        if kind is ast.Name:
            self.store(target.id, value)
        elif kind is ast.Subscript:
            container = self.container(target.value)
            key = self.visit(target.slice)
            before = len(container)
            container[key] = value
            self.charge_growth(container, before, (key, value))
        elif kind in (ast.Tuple, ast.List):
            for element, item in zip(target.elts, unpack(value, len(target.elts))):
                self.assign(element, item)
        elif kind is ast.Attribute:
            raise ExpressionRejected("changing attributes is not allowed")
        else:
            raise ExpressionRejected("only variables and items can be assigned")

    def container(self, node):
        """The list or dict whose item is being assigned or deleted."""
        value = self.visit(node)
        if type(value) not in (list, dict):
            raise ExpressionRejected(f"items of {type(value).__name__} values cannot be changed")
        return value

    def _exec_augassign(self, node):
        operation = INPLACE_OPERATORS.get(type(node.op))
        target = node.target
        if operation is None:
            raise ExpressionRejected(refusal(node.op))
        if type(target) is ast.Name:
            current = self._eval_name(target)
            self.store(target.id, self.combine(operation, current, self.visit(node.value)))
        elif type(target) is ast.Subscript:
            container = self.container(target.value)
            key = self.visit(target.slice)
            container[key] = self.combine(operation, container[key], self.visit(node.value))
        else:
            raise ExpressionRejected("only variables and items can be assigned")

    def combine(self, operation, current, operand):
        """Apply an augmented operator; in-place growth is billed like a method call."""
        before = len(current) if type(current) in CONTAINERS else 0
        result = operation(current, operand)
        if result is current and type(result) in CONTAINERS:
            self.charge_growth(result, before, (operand,))
            return result
        return self.charge(result)

    def _exec_delete(self, node):
        for target in node.targets:
            if type(target) is ast.Name:
                self.delete_name(target.id)
            elif type(target) is ast.Subscript:
                container = self.container(target.value)
                del container[self.visit(target.slice)]
            else:
                raise ExpressionRejected("only variables and items can be deleted")

    def _exec_if(self, node):
        self.block(node.body if self.visit(node.test) else node.orelse)

    def _exec_while(self, node):
        while True:
            self.tick()
            self.line = node.lineno
            if not self.visit(node.test):
                break
            if self.loop_body(node.body):
                return
        self.block(node.orelse)

    def _exec_for(self, node):
        for item in self.visit(node.iter):
            self.tick()
            self.line = node.lineno
            self.assign(node.target, item)
            if self.loop_body(node.body):
                return
        self.block(node.orelse)

    def loop_body(self, body):
        """Run one iteration; True when it ended with 'break'."""
        try:
            self.block(body)
        except _Break:
            return True
        except _Continue:
            pass
        return False

    def _exec_break(self, node):
        raise _Break

    def _exec_continue(self, node):
        raise _Continue


_STATEMENTS = {
    ast.Expr: ScriptInterpreter._exec_expr,
    ast.Pass: ScriptInterpreter._exec_pass,
    ast.Assign: ScriptInterpreter._exec_assign,
    ast.AugAssign: ScriptInterpreter._exec_augassign,
    ast.Delete: ScriptInterpreter._exec_delete,
    ast.If: ScriptInterpreter._exec_if,
    ast.While: ScriptInterpreter._exec_while,
    ast.For: ScriptInterpreter._exec_for,
    ast.Break: ScriptInterpreter._exec_break,
    ast.Continue: ScriptInterpreter._exec_continue,
}
