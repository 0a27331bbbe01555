"""Status values of engine rows, in one place."""

from enum import StrEnum


class InstanceStatus(StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class TaskStatus(StrEnum):
    OPEN = "open"
    COMPLETED = "completed"
    CANCELLED = "cancelled"     # the process moved on without it (boundary event, cancel)


class JobStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"           # out of attempts: an incident holds it
    CANCELLED = "cancelled"     # its task went away (boundary event, instance cancelled)


class JobKind(StrEnum):
    SERVICE = "service"         # call a registered handler for a waiting service task
    MESSAGE = "message"         # deliver a message one instance threw to the others
    SIGNAL = "signal"           # broadcast a signal one instance threw to the others
    NOTIFY = "notify"           # tell people about a task (overdue...) through a handler


class SubscriptionKind(StrEnum):
    MESSAGE = "message"         # correlated by business key
    SIGNAL = "signal"           # broadcast to every waiting instance of the tenant


class IncidentKind(StrEnum):
    SCRIPT = "script"           # script, condition or timer expression failed or was refused
    SERVICE = "service"         # a service-task handler failed after its retries
