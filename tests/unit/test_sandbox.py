"""engine.sandbox: untrusted expressions and scripts are refused statically and at run time."""
import ast
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import time_machine
from lxml import etree
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.camunda.parser import CamundaParser
from SpiffWorkflow.camunda.serializer.config import CAMUNDA_CONFIG
from SpiffWorkflow.util.task import TaskState

from engine import defaults
from engine.errors import ExpressionRejected
from engine.sandbox import (SandboxEnvironment, UndefinedName, check_expression, check_script,
                            evaluate, execute, make_script_engine)
from engine.sandbox.evaluator import ExpressionEvaluator
from engine.sandbox.functions import BUILTINS
from engine.sandbox.interpreter import ScriptInterpreter

DATA = Path(__file__).resolve().parents[1] / "data"
ATTACKS = DATA / "attacks"
FEE_BPMN = DATA / "bpmn" / "sandbox_script.bpmn"
BPMN_NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL"}
FROZEN = datetime(2025, 3, 30, 0, 30, tzinfo=timezone.utc)

EXPRESSION_ATTACKS = [
    ("__import__('os')", "name '__import__' is not allowed"),
    ("().__class__.__mro__[1].__subclasses__()", "attribute '__subclasses__' is not allowed"),
    ("[c for c in ().__class__.__bases__]", "attribute '__bases__' is not allowed"),
    ("getattr(1, '__class__')", "function 'getattr' is not allowed"),
    ("type(1)", "function 'type' is not allowed"),
    ("now.__globals__", "attribute '__globals__' is not allowed"),
    ("'{0.__class__}'.format(1)", "attribute 'format' is not allowed"),
    ("'{x}'.format_map({'x': 1})", "attribute 'format_map' is not allowed"),
    ("f'{().__class__}'", "attribute '__class__' is not allowed"),
    ("f'{1:>1000000000}'", "format width too large (1000000000)"),
    ("9**9**9", "exponent too large (9**387420489)"),
    ("'a'*10**9", "str too long (1000000000 characters, limit 100000)"),
    ("[0]*10**9", "list too long (1000000000 items, limit 100000)"),
    ("range(10**12)", "range too large (1000000000000 items, limit 100000)"),
    ("lambda: 1", "lambda is not allowed"),
    ("(x := 1)", "assignment expressions (:=) are not allowed"),
]

SCRIPT_ATTACKS = [
    ("x = 1\nimport os", "imports are not allowed", 2),
    ("from os import path", "imports are not allowed", 1),
    ("def f():\n    pass", "function definitions are not allowed", 1),
    ("class A:\n    pass", "class definitions are not allowed", 1),
    ("f = lambda: 1", "lambda is not allowed", 1),
    ("with x:\n    pass", "'with' is not allowed", 1),
    ("try:\n    x = 1\nexcept Exception:\n    pass", "'try' is not allowed", 1),
    ("raise ValueError", "'raise' is not allowed", 1),
    ("global x", "'global' is not allowed", 1),
    ("x = 1\nx.real = 2", "changing attributes is not allowed", 2),
    ("now.__globals__['x'] = 1", "attribute '__globals__' is not allowed", 1),
    ("__builtins__ = {}", "name '__builtins__' is not allowed", 1),
]

ATTACK_FILES = [
    ("script_import_os.py", "imports are not allowed", 2),
    ("script_dunder_import.py", "name '__import__' is not allowed", 2),
    ("script_mro_walk.py", "attribute '__subclasses__' is not allowed", 2),
    ("script_pow_bomb.py", "exponent too large (9**387420489)", 2),
    ("script_format_string.py", "attribute 'format' is not allowed", 3),
    ("script_infinite_loop.py", "endless loop: 'while True' needs a 'break'", 3),
]


def rejection(run, *args):
    """The ExpressionRejected that `run(*args)` raises."""
    with pytest.raises(ExpressionRejected) as err:
        run(*args)
    return err.value


def evaluate_unchecked(source, names=None):
    """Evaluate with the run-time layer alone, as if the static check had a hole."""
    return ExpressionEvaluator(BUILTINS, names or {}).visit(ast.parse(source, mode="eval").body)


def execute_unchecked(source, names=None):
    """Run a script with the run-time layer alone, as if the static check had a hole."""
    interpreter = ScriptInterpreter(BUILTINS, names or {})
    interpreter.run(ast.parse(source).body)
    return interpreter.variables()


@pytest.fixture
def short_time_limit(monkeypatch):
    """A 0.05 s CPU budget, so that stopping a loop costs the suite little."""
    monkeypatch.setattr(defaults, "SANDBOX_TIME_LIMIT_S", 0.05)


# --- attacks ----------------------------------------------------------------------------------

@pytest.mark.parametrize("source, message", EXPRESSION_ATTACKS)
def test_expression_attack_is_refused_at_deploy(source, message):
    """check_expression refuses each attack with a precise message and no line for one-liners."""
    err = rejection(check_expression, source)
    assert (err.message, err.line) == (message, None)


@pytest.mark.parametrize("source, message", EXPRESSION_ATTACKS)
def test_expression_attack_is_refused_by_evaluate(source, message):
    """evaluate refuses each attack with the same message."""
    assert rejection(evaluate, source, {}).message == message


@pytest.mark.parametrize("source, message", EXPRESSION_ATTACKS)
def test_expression_attack_is_refused_by_the_run_time_layer_alone(source, message):
    """Without the static check the evaluator still refuses each attack, in the same words."""
    assert rejection(evaluate_unchecked, source).message == message


@pytest.mark.parametrize("source, message, line", SCRIPT_ATTACKS)
def test_script_attack_is_refused_at_deploy_with_its_line(source, message, line):
    """check_script refuses each forbidden statement and reports its line."""
    err = rejection(check_script, source)
    assert (err.message, err.line) == (message, line)
    assert str(err) == f"line {line}: {message}"


@pytest.mark.parametrize("source, message, line", SCRIPT_ATTACKS)
def test_script_attack_is_refused_by_execute_and_by_the_run_time_layer(source, message, line):
    """execute, and the interpreter without the static check, refuse with the same message."""
    assert rejection(execute, source, {}).message == message
    assert rejection(execute_unchecked, source, {"x": 1}).message == message


@pytest.mark.parametrize("name, message, line", ATTACK_FILES)
def test_attack_file_is_refused_statically_and_by_execute(name, message, line):
    """Each committed attack snippet is refused at deploy and at run, located at its line."""
    source = (ATTACKS / name).read_text()
    err = rejection(check_script, source)
    assert (err.message, err.line) == (message, line)
    assert (rejection(execute, source, {}).message, err.line) == (message, line)


@pytest.mark.parametrize("name, message, line", ATTACK_FILES)
def test_attack_file_is_refused_by_the_run_time_layer_alone(name, message, line, short_time_limit):
    """Without the static check every snippet is still stopped; the endless loop by the clock."""
    source = (ATTACKS / name).read_text()
    lines = (line,)
    if name == "script_infinite_loop.py":
        message, lines = "time limit exceeded (0.05 s)", (line, line + 1)  # head or body
    err = rejection(execute_unchecked, source)
    assert err.message == message and err.line in lines


@pytest.mark.parametrize("source, names, message", [
    ("base ** exponent", {"base": 9, "exponent": 9 ** 9}, "exponent too large (9**387420489)"),
    ("text * times", {"text": "a", "times": 10 ** 9},
     "str too long (1000000000 characters, limit 100000)"),
    ("items * times", {"items": [0], "times": 10 ** 9},
     "list too long (1000000000 items, limit 100000)"),
    ("range(n)", {"n": 10 ** 12}, "range too large (1000000000000 items, limit 100000)"),
    ("x * x", {"x": 2 ** 60_000}, "number too large (product)"),
    ("1 << n", {"n": 10 ** 6}, "number too large (1 << 1000000)"),
    ("f'{v:{spec}}'", {"v": 1, "spec": ">1000000000"}, "format width too large (1000000000)"),
    ("sep.join(parts)", {"sep": "x" * 50_000, "parts": ["a"] * 10},
     "str too long (450010 characters, limit 100000)"),
    ("text.replace('', filler)", {"text": "a" * 1000, "filler": "b" * 1000},
     "str too long (1002000 characters, limit 100000)"),
    ("text.ljust(width)", {"text": "a", "width": 10 ** 9},
     "str too long (1000000000 characters, limit 100000)"),
    ("'%1000000000s' % x", {"x": 1}, "'%' formatting of strings is not allowed; use an f-string"),
    ("round(1, -n)", {"n": 10 ** 9}, "round() digits out of range (-1000000000)"),
    ("sum(lists, [])", {"lists": [[1]] * 3}, "sum() adds numbers and durations only"),
    ("f'{[row] * 1000}'", {"row": list(range(1000))},
     "value too large to turn into text (1001000 items and characters, limit 100000)"),
    ("set(keys)", {"keys": [i * (2 ** 61 - 1) for i in range(5000)]},
     "too many distinct keys share one hash value"),
    ("thing.upper()", {"thing": type("Evil", (), {"upper": print})()},
     "attribute 'upper' is not allowed on Evil"),
    ("order.amount", {"order": {"amount": 5}},
     "attribute 'amount' is not allowed on dict (use x['amount'])"),
])
def test_hostile_data_is_refused_at_run_time(source, names, message):
    """An expression that passes deploy is still stopped when its data makes it hostile."""
    check_expression(source)
    assert rejection(evaluate, source, names).message == message


def test_script_on_hostile_data_is_stopped_by_the_time_limit(short_time_limit):
    """A loop bounded only by data is cut at the CPU budget, reported on a line of the loop."""
    err = rejection(execute, "n = 0\nwhile n < loops:\n    n += 1", {"loops": 10 ** 12})
    assert err.message == "time limit exceeded (0.05 s)" and err.line in (2, 3)


@pytest.mark.parametrize("source, names, message", [
    ("box = []\nfor i in range(200):\n    box = [box]", {},
     "data nested too deeply (limit 100 levels)"),
    ("rows = [row] * 100\ntable = [rows] * 1000", {"row": list(range(100))},
     "memory limit exceeded (more than 5000000 items and characters)"),
    ("l = []\nl.append(l)", {}, "data cannot contain itself"),
    ("d = {}\nd['self'] = d", {}, "data cannot contain itself"),
])
def test_data_a_script_builds_stays_serializable(source, names, message):
    """Deep, self-containing or alias-amplified data ([big] * n costs n bigs) is refused."""
    assert rejection(execute, source, names).message == message


@pytest.mark.parametrize("source, message", [
    ("x" * 20_001, "expression too long (20001 characters, limit 20000)"),
    ("(" * 250 + ")" * 250, "syntax error: too many nested parentheses"),
    ("-" * 300 + "1", "nested too deeply (limit 100 levels)"),
    ("x = 1", "expected an expression, found a statement"),
    ("import os", "imports are not allowed"),
    ("l.append(1)", "method 'append' changes data; it is only allowed in scripts"),
    ("", "expression is empty"),
])
def test_malformed_expression_is_refused_with_a_reason(source, message):
    """Oversized, deep, empty, statement-like or mutating expressions are refused at deploy."""
    assert rejection(check_expression, source).message == message


def test_syntax_error_in_a_script_reports_its_line():
    """A script syntax error names the line, counted from the raw text."""
    err = rejection(check_script, "\nfee = 1\nfee = = 2\n")
    assert err.line == 3 and err.message.startswith("syntax error")


@pytest.mark.parametrize("source, message", [
    ("break", "'break' outside loop"),
    ("del x.y", "only variables and items can be deleted"),
    ("a, *b = [1, 2]", "starred assignment is not allowed"),
    ("y = [1 for x.y in []]", "comprehension variables must be plain names"),
])
def test_script_misuse_is_refused_at_deploy(source, message):
    """Loop keywords outside loops and exotic targets are refused before any run."""
    assert rejection(check_script, source).message == message


# --- legitimate code --------------------------------------------------------------------------

@pytest.mark.parametrize("source, expected", [
    ("amount > 100", True),
    ("amount > 100 and status == 'open'", False),
    ("status in ('closed', 'paid') or not paid", True),
    ("plate.upper().startswith('AB')", True),
    ("len(items) == 3 and sum(items) == 6 and max(items) == 3", True),
    ("{k: v * 2 for k, v in prices.items() if v > 1}", {"b": 4}),
    ("sorted({x % 3 for x in range(10)})", [0, 1, 2]),
    ("[i * j for i in range(3) for j in range(2) if i]", [0, 1, 0, 2]),
    ("any(x > 2 for x in items)", True),
    ("f'{plate}: {amount:.2f} EUR {items!r}'", "ab-123: 150.00 EUR [1, 2, 3]"),
    ("prices['a'] if true else null", 1),
    ("null is None and false == False", True),
    ("list(zip(items, 'abc'))[1]", (2, "b")),
    ("len(set(items * 1000)) + len(dict([('a', 1), ('b', 2)]))", 5),
    ("int('42') + float('0.5') + abs(-1) + round(2.567, 1)", 46.1),
])
def test_condition_evaluates_like_python(source, expected):
    """Everyday conditions and expressions give Python's answer."""
    names = {"amount": 150, "status": "closed", "paid": False, "plate": "ab-123",
             "items": [1, 2, 3], "prices": {"a": 1, "b": 2}}
    check_expression(source)
    assert evaluate(source, names) == expected


def test_dates_and_durations_compute_due_dates():
    """datetime, date and timedelta construct and combine; class helpers are reachable."""
    names = {"arrived": datetime(2025, 1, 31, 22, 0, tzinfo=timezone.utc)}
    assert evaluate("arrived + timedelta(days=1, hours=3)", names) == datetime(
        2025, 2, 2, 1, 0, tzinfo=timezone.utc)
    assert evaluate("(arrived.date() - date(2025, 1, 1)).days", names) == 30
    assert evaluate("datetime.fromisoformat('2025-02-01T00:00:00+00:00') > arrived", names)
    assert evaluate("datetime(2025, 1, 1, tzinfo=timezone.utc).isoformat()", {}) == (
        "2025-01-01T00:00:00+00:00")
    assert evaluate("arrived.strftime('%d.%m.%Y')", names) == "31.01.2025"


def test_now_is_timezone_aware_utc_and_follows_a_frozen_clock():
    """now() is aware UTC, read from the (frozen) clock."""
    with time_machine.travel(FROZEN, tick=False):
        assert evaluate("now()", {}) == FROZEN
        assert evaluate("now() + timedelta(days=7)", {}).isoformat() == "2025-04-06T00:30:00+00:00"
    assert evaluate("now().tzinfo", {}) is timezone.utc


def test_script_builds_dicts_and_lists():
    """Assignments, item stores, loops, unpacking, del and methods produce the expected data."""
    source = """
total = 0
lines = []
for name, qty in sorted(order.items()):
    if qty == 0:
        continue
    total += qty
    lines.append(f"{name} x{qty}")
else:
    lines.append("end")
summary = {"total": total}
summary["lines"] = lines
first, second = lines[0], lines[1]
n = 0
while True:
    n += 1
    if n >= 3:
        break
del order["gone"]
del total
"""
    result = execute(source, {"order": {"b": 2, "a": 1, "gone": 0}})
    assert result["summary"] == {"total": 3, "lines": ["a x1", "b x2", "end"]}
    assert (result["first"], result["second"], result["n"]) == ("a x1", "b x2", 3)
    assert result["order"] == {"b": 2, "a": 1} and "total" not in result


def test_execute_never_mutates_the_callers_names():
    """Nested data passed in is copied on first read, on success and on failure alike."""
    names = {"items": [1], "meta": {"k": "v"}, "untouched": [9]}
    result = execute("items.append(2)\nmeta['k'] = 'w'", names)
    assert result == {"items": [1, 2], "meta": {"k": "w"}, "untouched": [9]}
    with pytest.raises(ZeroDivisionError):
        execute("items.append(3)\nmeta.clear()\nx = 1 / 0", names)
    assert names == {"items": [1], "meta": {"k": "v"}, "untouched": [9]}


def test_unknown_name_is_a_clear_name_error():
    """Reading a missing variable raises UndefinedName, both ExpressionRejected and NameError."""
    err = rejection(execute, "fee = 1\ntotal = fee + tax", {})
    assert isinstance(err, (UndefinedName, NameError))
    assert (err.message, err.line, str(err)) == (
        "name 'tax' is not defined", 2, "name 'tax' is not defined (line 2)")


def test_runtime_errors_propagate_with_their_line():
    """Ordinary failures keep their type and gain a note naming the script line."""
    with pytest.raises(ZeroDivisionError) as err:
        execute("a = 1\nb = a / 0", {})
    assert err.value.__notes__ == ["raised on line 2 of the script"]


@pytest.mark.parametrize("source, message", [
    ("x = len", "function 'len' can only be called, e.g. len(...)"),
    ("m = items.append", "method 'append' can only be called, e.g. x.append()"),
    ("r = range(3)", "variable 'r' holds a range; wrap it in list() to keep it"),
    ("x = items(1)", "'items' is a variable, not a function"),
    ("x = open('/etc/passwd')", "function 'open' is not allowed"),
    ("x = print(1)", "function 'print' is not available"),
])
def test_functions_never_become_data(source, message):
    """Functions and methods can be called but never stored; lazy ranges are not stored."""
    assert rejection(execute, source, {"items": [1]}).message == message


# --- SpiffWorkflow integration ----------------------------------------------------------------

def test_environment_updates_task_data_only_on_success():
    """execute writes results into the context in place, never functions or external names."""
    env = SandboxEnvironment({"vat": lambda amount: round(amount * 0.2, 2)})
    context = {"amount": 10, "old": 1}
    assert env.execute("tax = vat(amount)\ndel old\nseen = ref", context, {"ref": "R1"}) is True
    assert context == {"amount": 10, "tax": 2.0, "seen": "R1"}
    with pytest.raises(ZeroDivisionError):
        env.execute("amount = 99\nboom = 1 / 0", context)
    assert context == {"amount": 10, "tax": 2.0, "seen": "R1"}
    assert env.evaluate("amount + extra", context, {"extra": 5, "amount": 0}) == 15


def test_environment_refuses_unsafe_extra_functions():
    """Extra functions must be callables with public, non-reserved names."""
    for functions in ({"_hidden": len}, {"eval": len}, {"bad name": len}, {"ten": 10},
                      {"g": getattr}):
        with pytest.raises((ValueError, TypeError)):
            make_script_engine(functions)
    with pytest.raises(NotImplementedError):
        SandboxEnvironment().call_service({})


def fee_workflow(script=None):
    """A fresh workflow of the fee diagram, its compute script optionally replaced."""
    tree = etree.parse(str(FEE_BPMN))
    if script is not None:
        tree.find(".//bpmn:scriptTask[@id='compute']/bpmn:script", BPMN_NS).text = script
    parser = CamundaParser()
    parser.add_bpmn_xml(tree, filename=FEE_BPMN.name)
    spec = parser.get_spec("sandbox_script")
    wf = BpmnWorkflow(spec, parser.get_subprocess_specs("sandbox_script"),
                      script_engine=make_script_engine())
    return wf


def start(wf, **data):
    """Put `data` on the start event and run the engine until it waits."""
    for task in wf.get_tasks(state=TaskState.READY):
        task.data.update(data)
    wf.do_engine_steps()


def fee_data(hours, rate=10.0):
    """Start data of the fee diagram for a stay of `hours`."""
    arrive = datetime(2025, 3, 1, 8, 0, tzinfo=timezone.utc)
    return {"arrive": arrive, "leave": arrive + timedelta(hours=hours), "rate": rate,
            "extras": {"wash": 1, "charge": 2}}


def round_trip(wf):
    """The workflow after a JSON serialize/deserialize cycle."""
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(CAMUNDA_CONFIG))
    restored = serializer.deserialize_json(serializer.serialize_json(wf))
    restored.script_engine = make_script_engine()
    return restored


def test_script_task_and_gateway_run_in_the_sandbox():
    """The script's results flow into task data and the gateway condition routes on them."""
    wf = fee_workflow()
    start(wf, **fee_data(hours=12))
    [review] = wf.get_tasks(state=TaskState.READY)
    assert review.task_spec.bpmn_name == "Review fee"
    assert review.data["fee"] == 120.0
    assert review.data["summary"]["lines"] == ["charge: 2", "wash: 1"]
    assert review.data["summary"]["due"] == datetime(2025, 3, 15, 8, 0, tzinfo=timezone.utc)
    restored = round_trip(wf)
    [again] = restored.get_tasks(state=TaskState.READY)
    assert again.data == review.data
    again.run()
    restored.do_engine_steps()
    assert restored.is_completed()


def test_default_flow_runs_the_second_script():
    """A low fee takes the default flow; `true` works as a Camunda-style alias."""
    wf = fee_workflow()
    start(wf, **fee_data(hours=2))
    assert wf.is_completed()
    data = wf.last_task.data
    assert data["approved"] is True and data["fee"] == 20.0
    assert not any(callable(value) for value in data.values())


@pytest.mark.parametrize("name, message, line", ATTACK_FILES)
def test_hostile_script_errors_the_task_without_running(name, message, line):
    """An attack script fails its task with WorkflowTaskException; none of it runs."""
    wf = fee_workflow("marker = 1\n" + (ATTACKS / name).read_text())
    with pytest.raises(WorkflowTaskException) as err:
        start(wf, **fee_data(hours=1))
    cause = err.value.__cause__
    assert isinstance(cause, ExpressionRejected)
    assert (cause.message, cause.line) == (message, line + 1)
    [failed] = wf.get_tasks(state=TaskState.ERROR)
    assert failed.task_spec.bpmn_name == "Compute fee" and "marker" not in failed.data


def test_hostile_data_errors_the_task_and_keeps_its_data():
    """A script made hostile by its data is refused mid-run; task data stays as it was."""
    wf = fee_workflow("partial = 1\nfee = rate ** exponent")
    with pytest.raises(WorkflowTaskException) as err:
        start(wf, **fee_data(hours=1), exponent=9 ** 9)
    assert str(err.value.__cause__) == "line 2: exponent too large (10.0**387420489)"
    [failed] = wf.get_tasks(state=TaskState.ERROR)
    assert "partial" not in failed.data and "fee" not in failed.data


def test_unknown_name_in_a_script_gets_a_did_you_mean_hint():
    """SpiffWorkflow's did-you-mean note works because UndefinedName is a NameError."""
    wf = fee_workflow("fee = rat * 2")
    with pytest.raises(WorkflowTaskException) as err:
        start(wf, **fee_data(hours=1))
    assert "Did you mean" in " ".join(err.value.notes) and "'rate'" in " ".join(err.value.notes)
