"""Forms of the monitor: the instance filter (a GET form), variable repair, and the action
buttons' CSRF forms."""
from flask_wtf import FlaskForm
import json

from wtforms import (DateField, HiddenField, IntegerField, SelectChoice, SelectField,
                     StringField, TextAreaField)
from wtforms.validators import Length, NumberRange, Optional, ValidationError

from engine import InstanceStatus
from engine.monitoring import InstanceFilter

from . import display

MAX_PAGE = 10_000   # deep offsets cost a scan; narrow the filter instead


class InstanceFilterForm(FlaskForm):
    """Process, status, business key and a window of start dates in the tenant's zone."""

    class Meta:
        csrf = False    # a GET search changes nothing, and its URL must be shareable

    # Not named `process`: that would hide Form.process().
    process_key = SelectField("Process", choices=[SelectChoice("", "Any process")],
                              default="")
    status = SelectField("Status", default="", choices=[SelectChoice("", "Any status")] + [
        SelectChoice(status.value, status.value.capitalize()) for status in InstanceStatus])
    business_key = StringField("Business key", validators=[Optional(), Length(max=255)])
    started_from = DateField("Started on or after", validators=[Optional()])
    started_to = DateField("Started on or before", validators=[Optional()])
    page = IntegerField("Page", default=1, validators=[Optional(), NumberRange(1, MAX_PAGE)])

    def validate_started_to(self, field):
        """The window may not end before it starts."""
        if field.data and self.started_from.data and field.data < self.started_from.data:
            raise ValidationError("Must be on or after the first start date.")

    def to_filter(self):
        """The engine filter: local dates become a half-open UTC window."""
        return InstanceFilter(
            process_key=self.process_key.data or None,
            status=self.status.data or None,
            business_key=(self.business_key.data or "").strip() or None,
            started_from=display.day_start(self.started_from.data) if self.started_from.data
            else None,
            started_before=display.day_end(self.started_to.data) if self.started_to.data
            else None,
        )

    def query_args(self):
        """The submitted filter as URL arguments, for the pager links."""
        names = ("process_key", "status", "business_key", "started_from", "started_to")
        return {name: self[name].raw_data[0] for name in names
                if self[name].raw_data and self[name].raw_data[0]}


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token travels."""


class RetryForm(FlaskForm):
    """Retry button; `back` names the instance page to return to (else the incident list)."""

    back = HiddenField(validators=[Optional()])

    def back_instance(self):
        """The instance id to return to, or None."""
        value = (self.back.data or "").strip()
        return int(value) if value.isascii() and value.isdigit() and len(value) <= 18 else None


class VariablesForm(FlaskForm):
    """The instance's variables as a JSON object, edited in place before a Retry."""

    variables = TextAreaField("Variables (JSON)", validators=[Length(max=200_000)],
                              render_kw={"rows": 12, "spellcheck": "false"})

    def validate_variables(self, field):
        """A JSON object, parsed into `self.parsed`."""
        try:
            parsed = json.loads(field.data or "")
        except ValueError as error:
            raise ValidationError(f"Not valid JSON: {error.msg} at line {error.lineno}, "
                                  f"column {error.colno}.") from None
        if not isinstance(parsed, dict):
            raise ValidationError('Write one JSON object, e.g. {"amount": 120}.')
        self.parsed = parsed

    def changes(self, current):
        """The variables whose value differs from `current` (missing ones are left alone)."""
        return {name: value for name, value in self.parsed.items()
                if name not in current or current[name] != value}
