"""Camunda form values: coercion per field type, bounds, required fields and defaults."""

import pytest

from engine import forms
from engine.errors import InvalidVariables

FORM = {"fields": [
    {"id": "plate", "type": "string", "required": True, "maxlength": "10"},
    {"id": "nights", "type": "long", "min": "1", "max": "30", "default": "1"},
    {"id": "paid", "type": "boolean"},
    {"id": "arrival", "type": "date", "min": "2026-01-01"},
    {"id": "kind", "type": "enum", "options": [{"id": "car", "name": "Car"},
                                               {"id": "van", "name": "Van"}]},
]}


def test_values_are_coerced_to_their_field_types():
    """Strings from an HTML form become ints, booleans and ISO dates."""
    cleaned = forms.validate(FORM, {"plate": "AB-12", "nights": "3", "paid": "on",
                                    "arrival": "2026-05-01", "kind": "van"})
    assert cleaned == {"plate": "AB-12", "nights": 3, "paid": True,
                       "arrival": "2026-05-01", "kind": "van"}


def test_every_bad_field_gets_its_own_message():
    """All problems are reported at once, keyed by field id."""
    with pytest.raises(InvalidVariables) as err:
        forms.validate(FORM, {"plate": "", "nights": "99", "paid": "maybe",
                              "arrival": "2025-12-31", "kind": "bus"})
    assert err.value.errors == {
        "plate": "This field is required.", "nights": "Must be at most 30.",
        "paid": "Enter yes or no.", "arrival": "Must be on or after 2026-01-01.",
        "kind": "Choose one of: car, van."}


def test_default_value_fills_a_missing_field():
    """A field left empty takes the form's defaultValue."""
    assert forms.validate(FORM, {"plate": "X"})["nights"] == 1


def test_values_outside_the_form_are_dropped():
    """A form is the task's contract: undeclared variables (e.g. approved=True) are not taken."""
    assert "supervisor_approved" not in forms.validate(FORM, {"plate": "X",
                                                              "supervisor_approved": True})


def test_readonly_fields_cannot_be_set():
    """A readonly field keeps its process value whatever the submission says."""
    form = {"fields": [{"id": "fee", "type": "long", "readonly": True}]}
    assert forms.validate(form, {"fee": "0"}) == {}


def test_no_form_accepts_anything():
    """A task without a form takes the variables as given."""
    assert forms.validate({}, {"a": 1}) == {"a": 1}
