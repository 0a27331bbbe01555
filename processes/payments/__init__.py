"""Payment providers: tokenise cards, create SEPA mandates, verify and charge them.

`PaymentProvider` (provider.py) is the interface the season-parker onboarding and invoicing
call; `SandboxProvider` (sandbox.py) is a provider that behaves like a real one, with
deterministic test cards and IBANs (see sandbox.py), declines and idempotency keys.
"""
from .provider import (ChargeResult, ChargeStatus, IdempotencyConflict, PaymentMethod,
                       PaymentMethodInvalid, PaymentProvider)
from .sandbox import SandboxProvider, make_provider

__all__ = ["ChargeResult", "ChargeStatus", "IdempotencyConflict", "PaymentMethod",
           "PaymentMethodInvalid", "PaymentProvider", "SandboxProvider", "make_provider"]
