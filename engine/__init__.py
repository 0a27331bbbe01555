"""ParkOps' BPMN engine on SpiffWorkflow: durable, sandboxed, and free of Flask.

See engine/API.md for the contract the web app, the runner and the domain rely on.
"""

from .db import make_db_engine
from .definitions import Deployed
from .errors import (DefinitionError, EngineError, ExpressionRejected, InvalidVariables,
                     NotAllowed, NotFound, StaleInstance, TaskConflict)
from .runtime import Engine
from .services import ServiceCall, ServiceRegistry
from .status import IncidentKind, InstanceStatus, JobStatus, TaskStatus
from .store import (AuditEvent, Base, HumanTask, Incident, Job, ProcessDefinition,
                    ProcessInstance)

__all__ = [
    "AuditEvent", "Base", "DefinitionError", "Deployed", "Engine", "EngineError",
    "ExpressionRejected", "HumanTask", "Incident", "IncidentKind", "InstanceStatus",
    "InvalidVariables", "Job", "JobStatus", "NotAllowed", "NotFound", "ProcessDefinition",
    "ProcessInstance", "ServiceCall", "ServiceRegistry", "StaleInstance", "TaskConflict",
    "TaskStatus", "make_db_engine",
]
