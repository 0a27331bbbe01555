"""Forms of the profile pages."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, SubmitField
from wtforms.validators import AnyOf, InputRequired

from processes.languages import LANGUAGES


class LanguageForm(FlaskForm):
    """One of the offered languages, each named in its own language."""

    language = RadioField(
        _l("Language"),
        choices=[SelectChoice(code, name) for code, name in LANGUAGES.items()],
        # The choice is checked by AnyOf, whose message is ours (and translated).
        validate_choice=False,
        validators=[InputRequired(_l("Choose a language.")),
                    AnyOf(list(LANGUAGES), _l("Choose one of the offered languages."))],
    )
    submit = SubmitField(_l("Save language"))
