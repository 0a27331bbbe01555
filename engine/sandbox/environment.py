"""Entry points: evaluate/execute for engine code, and the SpiffWorkflow script environment."""

from SpiffWorkflow.bpmn.script_engine.python_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment
from SpiffWorkflow.exceptions import SpiffWorkflowException

from .evaluator import ExpressionEvaluator
from .functions import BUILTINS, function_table
from .interpreter import ScriptInterpreter
from .static import parse_expression, parse_script


def evaluate(source: str, names: dict) -> object:
    """Value of one sandboxed expression, with `names` as its read-only variables."""
    return _evaluate(source, names, BUILTINS)


def execute(source: str, names: dict) -> dict:
    """Run a sandboxed script on a copy of `names`; return all variables after the run."""
    return _execute(source, names, BUILTINS).variables()


def _evaluate(source, names, functions):
    tree = parse_expression(source)
    return ExpressionEvaluator(functions, names).visit(tree)


def _execute(source, names, functions):
    statements = parse_script(source)
    interpreter = ScriptInterpreter(functions, names)
    interpreter.run(statements)
    return interpreter


class SandboxEnvironment(BasePythonScriptEngineEnvironment):
    """SpiffWorkflow script environment that runs every condition, timer and script in the sandbox.

    `self.globals` holds the callable functions only; they live in their own namespace, so
    they can never be written into task data.
    """

    def __init__(self, functions=None):
        super().__init__(function_table(functions))

    def evaluate(self, expression, context, external_context=None):
        """Value of `expression` over task data, data objects (external_context) shadowed by it."""
        names = {**external_context, **context} if external_context else context
        return _evaluate(expression, names, self.globals)

    def execute(self, script, context, external_context=None):
        """Run `script`; update `context` (task data) in place only if the whole script succeeds."""
        external = external_context or {}
        names = {**context, **external} if external else context
        interpreter = _execute(script, names, self.globals)
        for name in interpreter.deleted:
            if name not in external:
                context.pop(name, None)
        for name, value in interpreter.names.items():
            if name not in external:
                context[name] = value
        return True

    def call_service(self, context, **kwargs):
        """Service tasks are dispatched by the engine's handler registry, not from scripts."""
        raise NotImplementedError("service tasks are not called through the script sandbox")


class SandboxScriptEngine(PythonScriptEngine):
    """PythonScriptEngine whose WorkflowTaskExceptions name the sandbox's error as __cause__.

    SpiffWorkflow wraps every failure but keeps the original only as implicit context;
    making it the explicit cause lets incident messages quote the sandbox's own words.
    """

    def evaluate(self, task, expression, external_context=None):
        """Evaluate `expression` over the task's data."""
        try:
            return super().evaluate(task, expression, external_context)
        except SpiffWorkflowException as error:
            _promote_context(error)
            raise

    def execute(self, task, script, external_context=None):
        """Run `script` over the task's data."""
        try:
            return super().execute(task, script, external_context)
        except SpiffWorkflowException as error:
            _promote_context(error)
            raise


def _promote_context(error):
    if error.__cause__ is None and error.__context__ is not None:
        error.__cause__ = error.__context__


def make_script_engine(functions: dict | None = None) -> PythonScriptEngine:
    """A PythonScriptEngine whose every expression and script runs in the sandbox."""
    return SandboxScriptEngine(environment=SandboxEnvironment(functions))
