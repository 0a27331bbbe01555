"""The expressions of a DMN decision table, as the engine will evaluate them, and its tables
with their output columns (what engine.decisions checks hit policies and aggregations against).

SpiffWorkflow evaluates a rule's input entry against its column's input expression: an entry
that is a complete expression is compared with `==` ("'gold'"), one that starts with an
operator is appended to the input ("< 30"), and `?` stands for the input value ("1 < ? < 5").
Composing them here the same way lets deployment refuse, with its line, a cell the sandbox
would refuse at run time.
"""
import ast
import re

DMN_TAGS = ("inputExpression", "inputEntry", "outputEntry")
_QUESTION = re.compile(r"(\?)(?=(?:[^'\"]|['\"][^'\"]*['\"])*$)")   # a ? outside quotes


def decision_tables(tree):
    """(decisionTable element, names of its output columns (None: unnamed)) of every table."""
    for table in tree.getroot().iter():
        if isinstance(table.tag, str) and table.tag.endswith("}decisionTable"):
            outputs = [node.get("name") or node.get("label") or None for node in table
                       if isinstance(node.tag, str) and node.tag.endswith("}output")]
            yield table, outputs


def decision_expressions(tree):
    """(kind, expression, line) of every input expression, input entry and output entry."""
    for table in tree.getroot().iter():
        if not isinstance(table.tag, str) or not table.tag.endswith("}decisionTable"):
            continue
        inputs = [_text(node) for node in table
                  if isinstance(node.tag, str) and node.tag.endswith("}input")]
        for node in table.iter():
            if not isinstance(node.tag, str):
                continue
            if node.tag.endswith("}inputExpression"):
                text, line = _text_and_line(node)
                if text:
                    yield "decision input", text, line
            elif node.tag.endswith("}rule"):
                yield from _rule_expressions(node, inputs)


def _rule_expressions(rule, inputs):
    entries = [n for n in rule if isinstance(n.tag, str) and n.tag.endswith("}inputEntry")]
    for entry, (input_text, _line) in zip(entries, inputs):
        text, line = _text_and_line(entry)
        if text and text != "-" and input_text:
            yield "decision rule", compose(input_text, text), line
    for entry in rule:
        if isinstance(entry.tag, str) and entry.tag.endswith("}outputEntry"):
            text, line = _text_and_line(entry)
            if text:
                yield "decision output", text, line


def compose(input_text, entry):
    """The expression a rule's input entry becomes at run time."""
    if _QUESTION.search(entry):
        return _QUESTION.sub(f"({input_text})", entry)
    try:
        ast.parse(entry, mode="eval")
    except SyntaxError:
        return f"{input_text} {entry}"          # "< 30": an operator and its right side
    return f"({input_text}) == ({entry})"


def _text(input_node):
    expression = next((n for n in input_node if isinstance(n.tag, str)
                       and n.tag.endswith("}inputExpression")), None)
    return _text_and_line(expression) if expression is not None else ("", None)


def _text_and_line(node):
    text_node = next((n for n in node if isinstance(n.tag, str) and n.tag.endswith("}text")),
                     None)
    if text_node is None:
        return "", node.sourceline
    return (text_node.text or "").strip(), text_node.sourceline
