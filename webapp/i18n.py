"""Which language a request is answered in: the user's choice, else the browser's, else English."""
from flask import request
from flask_login import current_user

from processes.languages import DEFAULT_LANGUAGE, LANGUAGES


def select_locale():
    """Flask-Babel's locale selector."""
    if current_user and current_user.is_authenticated:
        chosen = getattr(current_user, "language", None)
        if chosen in LANGUAGES:
            return chosen
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE
