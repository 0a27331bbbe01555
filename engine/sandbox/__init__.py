"""Sandbox for every untrusted expression in uploaded BPMN: conditions, scripts, timers, due dates.

The language is a Python subset: expressions, plus assignment, augmented assignment, if/elif/
else, for, while, break, continue, pass and `del name` / `del d[k]` in scripts. There are no
imports, definitions, lambdas, try/with/raise, no names or attributes starting with '_', no
str.format; calls reach only the safe builtins (see functions.BUILTINS), functions the engine
registers, and whitelisted methods of str/list/dict/set/number/date values. Data-changing
methods (append, update...) are for scripts only. Sizes, integer widths, total data built and
CPU time are bounded (engine.defaults.SANDBOX_*). Every refusal is an ExpressionRejected.

check_* run the static checks at deploy; evaluate/execute repeat them (cached) and enforce
the run-time rules, which also hold against hostile task data.
"""

from .environment import SandboxEnvironment, evaluate, execute, make_script_engine
from .evaluator import UndefinedName
from .static import check_expression, check_script

__all__ = [
    "SandboxEnvironment",
    "UndefinedName",
    "check_expression",
    "check_script",
    "evaluate",
    "execute",
    "make_script_engine",
]
