"""A user's own preferences. Callers own the transaction: these functions flush, never commit."""
from processes.languages import LANGUAGES

from .models import User


class UnknownLanguage(ValueError):
    """The chosen language is not one ParkOps screens are offered in."""


def choose_language(session, user_id, code):
    """Show this user's screens in `code` from the next page on; UnknownLanguage when not offered."""
    if code not in LANGUAGES:
        raise UnknownLanguage(f"{code!r} is not an offered language")
    user = session.get(User, user_id)
    if user is None:
        raise LookupError(f"no user {user_id}")
    user.language = code
    session.flush()
    return user
