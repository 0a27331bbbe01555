"""Forms of the admin pages: new user, e-mail, roles, password reset, (de)activate button.

Format checks stay minimal here; the account rules (user name shape, password length, known
roles) live in processes.accounts.administration, whose messages land on these fields.
"""
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectChoice, SelectMultipleField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from processes.accounts import defaults as account_defaults
from processes.accounts.roles import ADMIN, ALL_ROLES, BACK_OFFICE, DESIGNER, SUPERVISOR

ROLE_HELP = {
    ADMIN: "manages users and their roles",
    DESIGNER: "uploads and deploys diagrams, starts instances by hand",
    BACK_OFFICE: "works on tasks in the basket",
    SUPERVISOR: "takes over escalated tasks, cancels instances",
}
ROLE_CHOICES = [SelectChoice(role, f"{role} — {ROLE_HELP.get(role, '')}") for role in ALL_ROLES]


class RolesField(SelectMultipleField):
    """A list of checkboxes, one per known role."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _password_hints():
    return {"minlength": account_defaults.MIN_PASSWORD_LENGTH,
            "maxlength": account_defaults.MAX_PASSWORD_LENGTH, "autocomplete": "new-password"}


class NewUserForm(FlaskForm):
    """User name, e-mail, password (twice) and roles of a new user."""

    username = StringField("User name", validators=[DataRequired(), Length(max=64)],
                           render_kw={"autocomplete": "off", "aria-required": "true"})
    email = StringField("E-mail (optional)", validators=[Optional(), Length(max=254)],
                        render_kw={"type": "email", "autocomplete": "off"})
    password = PasswordField("Password", validators=[DataRequired()],
                             render_kw=_password_hints() | {"aria-required": "true"})
    confirm = PasswordField("Repeat the password", validators=[
        DataRequired(), EqualTo("password", "The two passwords differ.")],
        render_kw=_password_hints() | {"aria-required": "true"})
    roles = RolesField("Roles", choices=ROLE_CHOICES)
    submit = SubmitField("Create user")


class RolesForm(FlaskForm):
    """The roles a user holds."""

    roles = RolesField("Roles", choices=ROLE_CHOICES)
    submit = SubmitField("Save roles")


class EmailForm(FlaskForm):
    """The address escalation e-mails go to; empty clears it."""

    email = StringField("E-mail", validators=[Optional(), Length(max=254)],
                        render_kw={"type": "email", "autocomplete": "off"})
    submit = SubmitField("Save e-mail")


class PasswordForm(FlaskForm):
    """A new password, twice."""

    password = PasswordField("New password", validators=[DataRequired()],
                             render_kw=_password_hints())
    confirm = PasswordField("Repeat the new password", validators=[
        DataRequired(), EqualTo("password", "The two passwords differ.")],
        render_kw=_password_hints())
    submit = SubmitField("Set password")


class ActiveForm(FlaskForm):
    """Deactivate or reactivate button: only the CSRF token travels."""
