"""The one place where engine errors become HTTP status codes."""
from flask import current_app, render_template
from flask_wtf.csrf import CSRFError

from engine import errors

STATUS_OF = {
    errors.NotFound: 404,
    errors.NotAllowed: 403,
    errors.StaleInstance: 409,
    errors.TaskConflict: 409,
    errors.InvalidVariables: 422,
    errors.DefinitionError: 400,
    errors.ExpressionRejected: 400,
}


def status_of(error):
    """The HTTP status an engine error stands for (400 for an unmapped one)."""
    return next((code for kind, code in STATUS_OF.items() if isinstance(error, kind)), 400)


def register(app):
    """Render engine errors raised by views as a page with the matching status code."""
    app.register_error_handler(errors.EngineError, _engine_error)
    app.register_error_handler(429, _too_many)
    app.register_error_handler(413, _too_large)
    app.register_error_handler(CSRFError, _csrf_refused)


def _too_large(error):
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
    message = f"That upload is too large: the limit is {limit // (1024 * 1024)} MiB per request."
    return render_template("error.html", status=413, message=message), 413


def _csrf_refused(error):
    message = ("This form had expired or was sent from another page, so nothing was saved. "
               "Go back, reload the page and try again.")
    return render_template("error.html", status=400, message=message), 400


def _too_many(error):
    message = ("Too many attempts. For your account's safety, please wait a few minutes "
               f"before trying again ({error.description}).")
    return render_template("error.html", status=429, message=message), 429


def _engine_error(error):
    status = status_of(error)
    return render_template("error.html", status=status, message=str(error)), status
