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
"""
from flask import request
from flask.sessions import SecureCookieSessionInterface


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
        if request.blueprint in self.sessionless:
            return
        if not session and not session.modified:
            if session.accessed:
                response.vary.add("Cookie")
            return
        super().save_session(app, session, response)
