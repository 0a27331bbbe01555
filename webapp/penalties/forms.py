"""Forms of the penalties pages; the rules' own checks put their messages on these fields."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from processes.penalties import defaults


class CancelForm(FlaskForm):
    """Cancel button: at the customer's request, or by staff with a note (never penalised)."""

    by = HiddenField(default="customer")
    note = StringField(_l("Why (staff cancellation)"), validators=[Optional(), Length(max=1000)])
    next = HiddenField()


class CheckInForm(FlaskForm):
    """Check-in button: only the CSRF token and where to go back travel."""

    next = HiddenField()


class ContestForm(FlaskForm):
    """The customer's reason for contesting an infraction."""

    reason = TextAreaField(_l("Why does the customer contest it?"), validators=[
        DataRequired(_l("Say why the customer contests this infraction.")),
        Length(max=defaults.MAX_REASON_CHARS)])
    submit = SubmitField(_l("Contest"))


class SettingsForm(FlaskForm):
    """Every penalty setting; ranges and placeholders are checked by processes.penalties."""

    cancel_limit_hours = IntegerField(_l("Maximum hours before the start to cancel"))
    free_window_start = StringField(_l("No-infraction window: start (HH:MM, site time)"))
    free_window_end = StringField(_l("No-infraction window: end (HH:MM, site time)"))
    max_minor_infractions = IntegerField(_l("Maximum number of minor infractions"))
    check_in_grace_minutes = IntegerField(_l("Check-in grace period (minutes)"))
    block_days = IntegerField(_l("Block after a major infraction (days)"))
    minor_subject = StringField(_l("Minor infraction e-mail: subject"))
    minor_body = TextAreaField(_l("Minor infraction e-mail: text"), render_kw={"rows": 8})
    major_subject = StringField(_l("Major infraction e-mail: subject"))
    major_body = TextAreaField(_l("Major infraction e-mail: text"), render_kw={"rows": 8})
    submit = SubmitField(_l("Save settings"))
