"""Rate limits written on routes (the login brakes), without a limit check on every other request.

Flask-Limiter checks two things: before every request of the app, its app-wide limits
(default, application and meta limits, limits on a whole blueprint); and, inside the view,
the limits a route carries through `@limiter.limit(...)`. This app sets only the latter, so
the before-request pass found nothing to apply, yet it cost every API call about as much as
checking its bearer token. RouteLimiter skips that pass while there is nothing app-wide to
check; once such a limit is configured, every request is checked exactly as Flask-Limiter does.
"""
from flask import request
from flask_limiter import Limiter


class RouteLimiter(Limiter):
    """Flask-Limiter whose before-request pass runs only when it has a limit to apply."""

    def _check_request_limit(self, callable_name=None, in_middleware=True):
        if in_middleware and not self.has_app_wide_limits(request.endpoint):
            return
        super()._check_request_limit(callable_name=callable_name, in_middleware=in_middleware)

    def has_app_wide_limits(self, endpoint=None):
        """True when the before-request pass could apply a limit (to `endpoint`).

        That pass applies application, default and meta limits, limits set on a blueprint, the
        in-memory fallback limits, and those of helpers decorated with a limit that an endpoint
        was seen to call (Flask-Limiter's endpoint hints).
        """
        manager = self.limit_manager
        return bool(manager.application_limits or manager.default_limits or self._meta_limits
                    or manager._blueprint_limits or self._in_memory_fallback
                    or manager.has_hints(endpoint or ""))
