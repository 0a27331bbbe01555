"""The service-task handlers every process family offers to BPMN diagrams, by name."""
from engine import ServiceRegistry
from engine.escalation import NOTIFY_HANDLER

from .notifications import make_task_overdue_handler


def build_service_registry(session_factory=None, notifications=None):
    """A ServiceRegistry holding the handlers of every process family.

    `session_factory` (a sessionmaker on the app's database) and `notifications`
    (NotificationSettings) enable the `task_overdue` e-mail; without a mail host it stays
    unregistered and the engine records escalations as notified to nobody.
    """
    registry = ServiceRegistry()
    if session_factory is not None and notifications is not None and notifications.mail.enabled:
        registry.add(NOTIFY_HANDLER, make_task_overdue_handler(session_factory, notifications))
    # Process families (occurrences, penalties, season parkers, invoicing) register their
    # handlers here as they land; none exists yet.
    return registry
