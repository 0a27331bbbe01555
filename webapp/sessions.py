"""Flask's signed-cookie sessions without the per-request work that a cookie-less call never needs.

Flask builds a new signing serializer for every request and, after it, reads seven cookie
settings to decide what to write back, also for the API's bearer-token calls, which carry no
session cookie. LeanCookieSessions keeps one serializer per set of keys (SECRET_KEY and
SECRET_KEY_FALLBACKS), gives a request without any cookie its new empty session directly, and
ends at once for an empty, unchanged session, where Flask arrives after reading those settings.
Everything else (signing, key rotation, expiry, cookie flags, Vary: Cookie) is Flask's own.

Requests of the blueprints named in `sessionless` (the API, where bearer tokens authenticate
and a session cookie counts for nothing) never write a cookie, nor mark their answer "Vary:
Cookie" when something looked into their session (Flask-Login does after every request): the
header was wrong there and cost a twentieth of a bearer-token call.

Nor do those requests run the hooks that serve browser pages: the login manager's remember-me
cookie after every request and Flask-WTF's CSRF check before it (API calls carry a bearer token
instead of a session, and the API blueprint is exempt from CSRF anyway). `page_hooks` wraps the
app-wide hooks that extensions register inside its block so that requests of a sessionless
blueprint pass them by: a twentieth of the Python work of an API call that does nothing else.
"""
from contextlib import contextmanager
from functools import wraps

from flask.sessions import SecureCookieSessionInterface

from .current import this_request

# Flask's app-wide hook lists (key None) that page_hooks wraps.
_HOOK_LISTS = ("before_request_funcs", "after_request_funcs", "teardown_request_funcs")


class LeanCookieSessions(SecureCookieSessionInterface):
    """SecureCookieSessionInterface with a cached serializer and a short way out for no session;
    requests of the `sessionless` blueprints never save theirs."""

    def __init__(self, sessionless=()):
        self._serializers = {}
        self.sessionless = frozenset(sessionless)

    def get_signing_serializer(self, app):
        """Flask's serializer for the app's current keys, built once per set of keys."""
        if not app.secret_key:
            return None
        keys = (*(app.config["SECRET_KEY_FALLBACKS"] or ()), app.secret_key)
        serializer = self._serializers.get(keys)
        if serializer is None:
            serializer = super().get_signing_serializer(app)
            if len(self._serializers) > 8:      # keys change rarely: keep a few sets only
                self._serializers.clear()
            self._serializers[keys] = serializer
        return serializer

    def open_session(self, app, request):
        """Flask's session of the request's cookie; a request with no cookie at all (an API
        call) gets a new empty session without parsing cookies first."""
        if "HTTP_COOKIE" not in request.environ and app.secret_key:
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app, session, response):
        """Write the cookie as Flask does; for an empty, unchanged session, do what Flask ends
        up doing without first reading the cookie settings: only mark the answer as depending
        on the cookie when the session was looked at. Nothing for a sessionless blueprint."""
        if this_request().blueprint in self.sessionless:
            return
        if not session and not session.modified:
            if session.accessed:
                response.vary.add("Cookie")
            return
        super().save_session(app, session, response)


@contextmanager
def page_hooks(app, sessionless):
    """App-wide request hooks registered inside the block are for browser pages: requests of
    the `sessionless` blueprints skip them (a skipped after-request hook hands the response on
    unchanged). Hooks registered before the block, and blueprint-level hooks, are left as
    they are."""
    sessionless = frozenset(sessionless)
    earlier = {name: {id(hook) for hook in getattr(app, name).get(None, [])}
               for name in _HOOK_LISTS}
    yield
    for name in _HOOK_LISTS:
        hooks = getattr(app, name).get(None)
        if hooks:
            hooks[:] = [hook if id(hook) in earlier[name] else _for_pages(hook, sessionless)
                        for hook in hooks]


def _for_pages(hook, sessionless):
    """`hook`, passed by for requests of the `sessionless` blueprints."""
    @wraps(hook)
    def run(*response):
        if this_request().blueprint in sessionless:
            return response[0] if response else None
        return hook(*response)
    return run
