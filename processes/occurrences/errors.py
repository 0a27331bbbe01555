"""Refusals of the occurrences package, as engine error kinds so the web app's one mapping
applies (422 per field, 409 when ended, 403 without the role, 404 for another tenant's).

Messages are English `%(name)s` templates marked with `_()` for extraction; `Msg` keeps the
template and its values apart so the web layer can translate them (webapp/occurrences).
"""
from engine import InvalidVariables, NotAllowed, NotFound, TaskConflict


def _(text):
    """Mark `text` for the translation catalogues; the web layer translates it when shown."""
    return text


class Msg(str):
    """An English message that remembers its template and values for translation."""

    def __new__(cls, template, **params):
        msg = super().__new__(cls, template % params if params else template)
        msg.template, msg.params = template, params
        return msg


class OccurrenceRefused(InvalidVariables):
    """Some input was refused; `errors` maps each field to a Msg."""


class OccurrenceEnded(TaskConflict):
    """The occurrence is in an ended status: its fields are read-only until it is reopened."""

    def __init__(self, reference, status):
        self.msg = Msg(_("%(reference)s is %(status)s, so its fields are read-only. Reopen it "
                         "(change its status back, with a reason) to edit it."),
                       reference=reference, status=status)
        super().__init__(str(self.msg))


class ReopenRefused(NotAllowed):
    """Only supervisors and admins may reopen an ended occurrence."""

    def __init__(self):
        self.msg = Msg(_("Only a supervisor or an admin may reopen an ended occurrence."))
        super().__init__(str(self.msg))


class OccurrenceNotFound(NotFound):
    """No such occurrence (or type, status, site, booking) in the user's tenant."""
