"""Routes of the basket blueprint (thin: parse input, call one service, render)."""
from . import bp  # noqa: F401
