"""The one place where engine errors become HTTP status codes."""
from flask import render_template

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


def register(app):
    """Render engine errors raised by views as a page with the matching status code."""
    app.register_error_handler(errors.EngineError, _engine_error)


def _engine_error(error):
    status = next((code for kind, code in STATUS_OF.items() if isinstance(error, kind)), 400)
    return render_template("error.html", status=status, message=str(error)), status
