"""Forms of the auth blueprint."""
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    """Organisation (tenant key), user name and password."""

    tenant = StringField("Organisation", validators=[DataRequired(), Length(max=64)])
    username = StringField("User name", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=256)])
    submit = SubmitField("Log in")


class LogoutForm(FlaskForm):
    """Empty form: logging out is a POST so another site cannot log a user out."""

    submit = SubmitField("Log out")
