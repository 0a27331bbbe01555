"""Routes of the admin blueprint (thin: parse input, call one service, render)."""
from . import bp  # noqa: F401
