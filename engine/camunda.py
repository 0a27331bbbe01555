"""Camunda Modeler conventions: JUEL-style `${...}` and bare ISO-8601 timers into sandbox Python.

Diagrams drawn in Camunda Modeler / bpmn.io write `${amount > 100}` conditions and `P7D`
timers without quotes. SpiffWorkflow evaluates every expression as Python, so uploaded XML is
rewritten in place (line numbers survive) before SpiffWorkflow sees it.
"""

import re
from functools import lru_cache

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
NS = {"bpmn": BPMN_NS, "camunda": CAMUNDA_NS}

_ISO_DURATION = re.compile(
    r"^-?P(?=\d|T\d)(\d+(\.\d+)?Y)?(\d+(\.\d+)?M)?(\d+(\.\d+)?W)?(\d+(\.\d+)?D)?"
    r"(T(?=\d)(\d+(\.\d+)?H)?(\d+(\.\d+)?M)?(\d+(\.\d+)?S)?)?$", re.IGNORECASE)
_ISO_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$")
_ISO_CYCLE = re.compile(r"^R\d*/\S+$", re.IGNORECASE)
_JUEL = re.compile(r"^\s*[$#]\{(?P<body>.*)\}\s*$", re.DOTALL)
_JUEL_OPERATORS = ((re.compile(r"&&"), " and "), (re.compile(r"\|\|"), " or "),
                   (re.compile(r"!(?!=)"), " not "))


def is_iso_literal(text):
    """True when `text` is a bare ISO-8601 duration, date-time or repeating interval."""
    text = text.strip()
    return bool(_ISO_DURATION.match(text) or _ISO_DATETIME.match(text) or _ISO_CYCLE.match(text))


def is_iso_duration(text):
    """True when `text` is an ISO-8601 duration such as P2D or PT4H."""
    return bool(_ISO_DURATION.match(text.strip()))


@lru_cache(maxsize=4096)
def juel_to_python(text):
    """Turn `${a && !b}` into `a and not b`; text without `${}` is returned stripped.

    Cached: the same attribute texts of deployed diagrams come back for every task."""
    match = _JUEL.match(text)
    if not match:
        return text.strip()
    body = match.group("body")
    for pattern, replacement in _JUEL_OPERATORS:
        body = pattern.sub(replacement, body)
    return body.strip()


def timer_to_python(text):
    """A timer value as a Python expression: bare ISO literals become string literals."""
    text = text.strip()
    if is_iso_literal(text):
        return repr(text.upper() if _ISO_DURATION.match(text) else text)
    return juel_to_python(text)


def normalise(tree):
    """Rewrite conditions and timer values of a parsed BPMN document in place."""
    root = tree.getroot() if hasattr(tree, "getroot") else tree
    for node in root.iterfind(".//bpmn:conditionExpression", NS):
        if node.text:
            node.text = juel_to_python(node.text)
    for tag in ("timeDate", "timeDuration", "timeCycle"):
        for node in root.iterfind(f".//bpmn:{tag}", NS):
            if node.text:
                node.text = timer_to_python(node.text)
    for node in root.iterfind(".//bpmn:completionCondition", NS):
        if node.text:
            node.text = juel_to_python(node.text)
    for node in root.iterfind(".//bpmn:loopCardinality", NS):
        if node.text:
            node.text = juel_to_python(node.text)
    collection = f"{{{CAMUNDA_NS}}}collection"
    for node in root.iterfind(".//bpmn:multiInstanceLoopCharacteristics", NS):
        if node.get(collection):
            node.set(collection, juel_to_python(node.get(collection)))


def expressions(tree):
    """Yield (kind, text, line) for every expression the sandbox will run, for deploy checks."""
    root = tree.getroot() if hasattr(tree, "getroot") else tree
    for tag, kind in (("conditionExpression", "condition"), ("timeDate", "timer"),
                      ("timeDuration", "timer"), ("timeCycle", "timer"),
                      ("completionCondition", "condition"), ("loopCardinality", "condition")):
        for node in root.iterfind(f".//bpmn:{tag}", NS):
            if node.text and node.text.strip():
                yield kind, node.text, node.sourceline
    for node in root.iterfind(".//bpmn:scriptTask", NS):
        script = node.find("bpmn:script", NS)
        if script is not None and script.text:
            yield "script", script.text, script.sourceline
    for node in root.iterfind(".//bpmn:userTask", NS):
        for attr in ("dueDate", "followUpDate", "priority", "assignee",
                     "candidateGroups", "candidateUsers"):
            value = node.get(f"{{{CAMUNDA_NS}}}{attr}")
            if value and _JUEL.match(value):
                yield "attribute", juel_to_python(value), node.sourceline


def split_list(value):
    """Split a Camunda comma-separated list attribute into clean items."""
    return [item.strip() for item in (value or "").split(",") if item.strip()]


def role_name(lane_name):
    """The role a lane stands for: 'Back Office' -> 'back-office'."""
    return re.sub(r"[^a-z0-9]+", "-", lane_name.strip().lower()).strip("-")
