"""The service-task handlers every process family offers to BPMN diagrams, by name."""
from engine import ServiceRegistry


def build_service_registry():
    """A ServiceRegistry holding the handlers of every process family."""
    registry = ServiceRegistry()
    # Process families (occurrences, penalties, season parkers, invoicing) register their
    # handlers here as they land; none exists yet.
    return registry
