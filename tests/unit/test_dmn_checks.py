"""Decision tables are checked at deployment: every cell as the engine will evaluate it."""
import pytest

from engine import DefinitionError
from engine.dmnchecks import compose
from engine.parsing import parse_files

TABLE = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d" name="d"
             namespace="http://camunda.org/schema/1.0/dmn">
  <decision id="fee" name="Fee">
    <decisionTable id="t" hitPolicy="FIRST">
      <input id="i1"><inputExpression id="e1"><text>{input}</text></inputExpression></input>
      <output id="o1" name="fee" />
      <rule id="r1">
        <inputEntry id="u1"><text>{entry}</text></inputEntry>
        <outputEntry id="x1"><text>{output}</text></outputEntry>
      </rule>
    </decisionTable>
  </decision>
</definitions>
"""


def _deploy(input="minutes", entry="&lt; 30", output="2500"):
    xml = TABLE.format(input=input, entry=entry, output=output)
    return parse_files([("fees.dmn", xml.encode())])


@pytest.mark.parametrize("entry, composed", [
    ("< 30", "minutes < 30"),                                   # an operator and its operand
    ("'gold'", "(minutes) == ('gold')"),                        # a value: compared with ==
    ("1 < ? < 5", "1 < (minutes) < 5"),                         # ? stands for the input
    ("'what?'", "(minutes) == ('what?')"),                      # a ? inside quotes is text
])
def test_input_entries_compose_as_the_engine_evaluates_them(entry, composed):
    assert compose("minutes", entry) == composed


def test_a_plain_table_deploys():
    assert set(_deploy().decisions) == {"fee"}


@pytest.mark.parametrize("field, value, kind", [
    ("output", "__import__('os').system('id')", "decision output"),
    ("entry", "== ().__class__.__mro__", "decision rule"),
    ("input", "minutes.__class__", "decision input"),
    ("output", "2 ** 999999999", "decision output"),
])
def test_a_hostile_cell_is_refused_at_deployment_with_its_line(field, value, kind):
    with pytest.raises(DefinitionError) as refused:
        _deploy(**{field: value})
    message = str(refused.value)
    assert message.startswith("fees.dmn:")
    assert f"{kind} refused" in message
    line = {"input": 6, "entry": 9, "output": 10}[field]
    assert message.split(":")[1] == str(line)
