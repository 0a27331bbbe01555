"""Domain errors of the season-parker family; they subclass engine errors so the web app's one
mapping (webapp.errors.STATUS_OF) turns them into 422 / 409 / 404."""
from engine import InvalidVariables, NotFound, TaskConflict


class InvalidInput(InvalidVariables):
    """Input refused, with a message per field; nothing was changed."""


class ContractConflict(TaskConflict):
    """The contract or application is not in a state that allows this change."""


class NotInTenant(NotFound):
    """No such application or contract in this organisation."""
