"""JSON errors for every API response: engine errors, HTTP errors and unexpected failures.

Status codes of engine errors come from webapp.errors.status_of, the one mapping.
"""
from flask import jsonify
from werkzeug.exceptions import HTTPException

from engine import DefinitionError, EngineError, InvalidVariables

from ..errors import status_of

INVALID = "Some fields are not valid; see `fields`."


# Codes the app may also handle by number (a page for 429...): Flask looks up handlers by
# code before class, so the API claims these by code too.
HTTP_CODES = (400, 401, 403, 404, 405, 413, 415, 429, 500)


def register(bp):
    """Answer errors raised while serving `bp` as JSON `{"error": ...}` with the right status."""
    bp.register_error_handler(EngineError, engine_error)
    bp.register_error_handler(HTTPException, http_error)
    for code in HTTP_CODES:
        bp.register_error_handler(code, http_error)


def engine_error(error):
    """An engine error as JSON: per-field messages for 422, file and line for a refused file."""
    body = {"error": str(error)}
    if isinstance(error, InvalidVariables):
        body = {"error": INVALID, "fields": error.errors}
    elif isinstance(error, DefinitionError):
        body["file"], body["line"] = error.filename, error.line
    return jsonify(body), status_of(error)


def http_error(error):
    """An HTTP error (401, 403, 404, 405, 429, 500...) as JSON, keeping its headers."""
    response = jsonify(error=error.description or error.name)
    response.status_code = error.code or 500
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    if response.status_code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="ParkOps API"'
    return response
