"""The service-task handlers every process family offers to BPMN diagrams, by name."""
from engine import ServiceRegistry
from engine.escalation import NOTIFY_HANDLER

from .notifications import NotificationSettings, make_task_overdue_handler
from .payments import make_provider
from .seasonparking import handlers as season_handlers
from .seasonparking import housekeeping as season_housekeeping
from .occurrences import lifecycle as occurrence_lifecycle
from .penalties import handlers as penalty_handlers
from .invoicing import handlers as invoicing_handlers


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
    if session_factory is not None:
        penalty_handlers.register(registry, session_factory, notifications)
    if session_factory is not None:
        season_handlers.register(registry, session_factory, make_provider(session_factory),
                                 (notifications or NotificationSettings()).mail)
        season_housekeeping.register(registry, session_factory)
    if session_factory is not None:
        for name, handler in occurrence_lifecycle.make_handlers(session_factory).items():
            registry.add(name, handler)
    if session_factory is not None:
        invoicing_handlers.register(registry, session_factory, notifications)
    return registry
