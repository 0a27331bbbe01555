"""Refusals of the bookings package, as engine error kinds so the web app's mapping applies."""
from engine import EngineError, InvalidVariables


class BookingRefused(InvalidVariables):
    """Input refused; `errors` maps each field (site_id, starts_at, ...) to a message (422)."""


class BookingConflict(EngineError):
    """The request is valid but clashes with what is already booked (409)."""


class SiteFull(BookingConflict):
    """Every space of the site is taken at some moment of the requested period."""
