"""Rate limits written on routes (the login brakes), without limiter work on every other request.

Flask-Limiter checks two things: before every request of the app, its app-wide limits
(default, application and meta limits, limits on a whole blueprint); and, inside the view,
the limits a route carries through `@limiter.limit(...)`. This app sets only the latter, so
the before-request pass found nothing to apply, yet it cost every API call about as much as
checking its bearer token. RouteLimiter skips that pass while there is nothing app-wide to
check; once such a limit is configured, every request is checked exactly as Flask-Limiter does.

After every request Flask-Limiter also runs two hooks: one adds the rate-limit headers and
makes the conditional deductions (`deduct_when`), the other clears its per-request state. Both
act only on limits the request evaluated, so RouteLimiter runs them only for requests that used
the limiter's per-request state; the others (every API call) skip them.
"""
from functools import partial, wraps

from flask import g
from flask_limiter import Limiter

from .current import this_g, this_request


class RouteLimiter(Limiter):
    """Flask-Limiter whose per-request work runs only when it has a limit to apply."""

    def init_app(self, app):
        super().init_app(app)
        for hooks in (app.after_request_funcs.get(None, []),
                      app.teardown_request_funcs.get(None, [])):
            hooks[:] = [self._when_used(hook) if self._owns(hook) else hook for hook in hooks]

    @property
    def context(self):
        g.setdefault("limiters_used", set()).add(self)
        return super().context

    def _owns(self, hook):
        """True for the after-request and teardown hooks Flask-Limiter registered for us."""
        if isinstance(hook, partial):
            return hook.args[:1] == (self,)
        return getattr(hook, "__self__", None) is self

    def _when_used(self, hook):
        """`hook`, run only when this request used the limiter (else its argument passes on:
        an after-request hook hands the response on, a teardown hook's answer is ignored)."""
        @wraps(hook.func if isinstance(hook, partial) else hook)
        def run(value):
            if self in this_g().get("limiters_used", ()):
                return hook(value)
            return value
        return run

    def _check_request_limit(self, callable_name=None, in_middleware=True):
        if in_middleware and not self.has_app_wide_limits(this_request().endpoint):
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
