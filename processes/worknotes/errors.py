"""Refusals of the worknotes package, as engine error kinds so the web app's one mapping applies."""
from engine import InvalidVariables


class InputRefused(InvalidVariables):
    """A comment, upload or reassignment was refused; `errors` maps the form field to a message."""
