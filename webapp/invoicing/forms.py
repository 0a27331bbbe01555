"""Forms of the invoicing pages: start a run, credit an invoice, check for anomalies."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, StringField
from wtforms.validators import DataRequired, Length, NumberRange


class RunForm(FlaskForm):
    """The month to invoice."""

    period = StringField(_l("Month (YYYY-MM)"), validators=[DataRequired(), Length(max=7)],
                         render_kw={"placeholder": "2026-04", "aria-required": "true"})


class CreditForm(FlaskForm):
    """How much of an invoice to credit, and why."""

    amount = DecimalField(_l("Amount to credit (incl. VAT)"), places=2,
                          validators=[DataRequired(), NumberRange(min=0.01)],
                          render_kw={"aria-required": "true", "inputmode": "decimal"})
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=500)],
                         render_kw={"aria-required": "true"})


class CheckForm(FlaskForm):
    """The day to look for anomalies on."""

    day = DateField(_l("Day"), validators=[DataRequired()])
