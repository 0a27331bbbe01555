"""Refusals of the penalties package, as engine error kinds so the web app's one mapping applies
(TaskConflict -> 409, NotFound -> 404, InvalidVariables -> 422)."""
from engine import TaskConflict


class CustomerBlocked(TaskConflict):
    """The customer is blocked by a major infraction until `until` (aware UTC datetime)."""

    def __init__(self, until, message):
        super().__init__(message)
        self.until = until


class CancellationRefused(TaskConflict):
    """The booking cannot be cancelled (too late, already cancelled...); str() is the reason."""


class CheckInRefused(TaskConflict):
    """The booking cannot be checked in now; str() is the reason."""


class ContestRefused(TaskConflict):
    """The infraction cannot be contested (already contested, decided, or too late)."""
