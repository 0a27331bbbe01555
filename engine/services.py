"""Named Python handlers that BPMN service tasks call (`camunda:topic="send_invoice"`)."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ServiceCall:
    """What a handler receives; `job_id` is the idempotency key for its side effects."""

    job_id: int
    attempt: int
    tenant: str
    instance_id: int
    business_key: str | None
    task_name: str
    variables: dict = field(default_factory=dict)


class ServiceRegistry:
    """Handlers by name. A handler takes a ServiceCall and returns a dict of new variables."""

    def __init__(self):
        self._handlers = {}

    def register(self, name):
        """Decorator: `@registry.register("send_invoice")`."""
        def wrap(fn):
            if name in self._handlers and self._handlers[name] is not fn:
                raise ValueError(f"service handler '{name}' is already registered")
            self._handlers[name] = fn
            return fn
        return wrap

    def add(self, name, fn):
        """Register `fn` under `name` (non-decorator form)."""
        return self.register(name)(fn)

    def get(self, name):
        """The handler called `name`, or None."""
        return self._handlers.get(name)

    def names(self):
        """All registered names; deploy refuses service tasks naming anything else."""
        return set(self._handlers)
