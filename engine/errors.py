"""Engine exceptions. Each names what went wrong in the user's terms; webapp maps them to HTTP codes."""


class EngineError(Exception):
    """Base class of every error the engine raises on purpose."""


class DefinitionError(EngineError):
    """A BPMN/DMN file was refused; carries the file name and line of the fault."""

    def __init__(self, message, filename="<upload>", line=None):
        super().__init__(message)
        self.message = message
        self.filename = filename
        self.line = line

    def __str__(self):
        # One line, always: the CLI prints `FILE:LINE: what is wrong` and editors jump to it.
        message = " ".join(str(self.message).split())
        return f"{self.filename}:{self.line if self.line is not None else 0}: {message}"


class ExpressionRejected(EngineError):
    """An expression or script broke a sandbox rule (statically or while running)."""

    def __init__(self, message, line=None):
        super().__init__(message)
        self.message = message
        self.line = line

    def __str__(self):
        return self.message if self.line is None else f"line {self.line}: {self.message}"


class NotFound(EngineError):
    """The definition, instance or task does not exist (in this tenant)."""


class StaleInstance(EngineError):
    """Someone else changed the instance between our read and our write; nothing was written."""


class TaskConflict(EngineError):
    """The task cannot be acted on: already completed, or claimed by somebody else."""


class InvalidVariables(EngineError):
    """Submitted form values failed validation; `errors` maps field id to a message."""

    def __init__(self, errors):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = dict(errors)


class NotAllowed(EngineError):
    """The actor may not perform this operation on this task."""


class InstanceEnded(TaskConflict):
    """An ended instance was asked to run again: its row keeps its final variables only."""
