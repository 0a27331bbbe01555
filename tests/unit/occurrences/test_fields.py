"""Custom fields are checked per kind: text, number, date, boolean, select, multiselect."""
from dataclasses import dataclass, field

import pytest

from processes.occurrences.fields import check_values, clean_value


@dataclass
class Field:
    """A custom field as the checks read it."""

    key: str
    kind: str
    options: list = field(default_factory=list)
    required: bool = False
    label: str = "Label"


LOCATION = Field("location", "multiselect", ["Front", "Rear", "Left side"], required=True)
DAMAGE_TYPE = Field("damage_type", "select", ["Scratch", "Dent"], required=True)
PRE_EXISTING = Field("pre_existing", "boolean")


@pytest.mark.parametrize("fld, raw, stored", [
    (Field("note", "text"), "  dented  ", "dented"),
    (Field("note", "text"), "", None),
    (Field("amount", "number"), "12", 12),
    (Field("amount", "number"), "3,5", 3.5),
    (Field("amount", "number"), 7.25, 7.25),
    (Field("seen", "date"), "2026-03-02", "2026-03-02"),
    (PRE_EXISTING, "y", True),
    (PRE_EXISTING, True, True),
    (PRE_EXISTING, None, False),
    (PRE_EXISTING, False, False),
    (DAMAGE_TYPE, "Dent", "Dent"),
    (LOCATION, ["Rear", "Front"], ["Front", "Rear"]),
    (LOCATION, "Rear", ["Rear"]),
])
def test_custom_field_values_are_cleaned_per_kind(fld, raw, stored):
    """Each kind stores its own shape; multiselect keeps the options' order."""
    assert clean_value(fld, raw) == (stored, None)


@pytest.mark.parametrize("fld, raw, message", [
    (Field("amount", "number"), "twelve", "Enter a number"),
    (Field("amount", "number"), True, "Enter a number"),
    (Field("amount", "number"), float("nan"), "Enter a number"),
    (Field("seen", "date"), "02/03/2026", "YYYY-MM-DD"),
    (Field("note", "text"), "x" * 1001, "under 1000"),
    (Field("note", "text"), 12, "Enter text"),
    (PRE_EXISTING, "maybe", "yes or no"),
    (DAMAGE_TYPE, "Burnt", "Choose one of: Scratch, Dent"),
    (DAMAGE_TYPE, "", "required"),
    (LOCATION, [], "at least one"),
    (LOCATION, ["Roof"], "Not an option: Roof"),
    (LOCATION, [1, 2], "Choose from the list"),
])
def test_custom_field_refusals_say_what_is_wrong(fld, raw, message):
    """A bad value is refused with a message naming the problem."""
    value, error = clean_value(fld, raw)
    assert value is None and message in error


def test_form_checks_exactly_the_selected_types_fields():
    """No more, no less: every field of the type is checked, a field of no type is refused."""
    values, errors = check_values([LOCATION, DAMAGE_TYPE, PRE_EXISTING],
                                  {"damage_type": "Dent", "category": "Pricing"})
    assert set(errors) == {"location", "category"}
    assert values == {"damage_type": "Dent", "pre_existing": False}


def test_partial_edit_checks_only_the_submitted_fields():
    """Editing one field leaves the others alone."""
    values, errors = check_values([LOCATION, DAMAGE_TYPE], {"damage_type": "Scratch"},
                                  partial=True)
    assert (values, errors) == ({"damage_type": "Scratch"}, {})
