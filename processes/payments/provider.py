"""The payment-provider interface: what onboarding and invoicing may ask of any provider.

Card numbers and IBANs go to the provider once, in `tokenise_card`/`create_mandate`; ParkOps
keeps only the returned token (and a label such as "Visa •••• 4242"), never the number.
"""
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class ChargeStatus(StrEnum):
    """Outcome of a charge or a verification."""

    SUCCEEDED = "succeeded"
    SOFT_DECLINED = "soft_declined"      # temporary (insufficient funds, issuer down): try later
    HARD_DECLINED = "hard_declined"      # final (stolen, closed account): ask for another method


@dataclass(frozen=True)
class ChargeResult:
    """What the provider answered: status, its own reference, and a message for people."""

    status: ChargeStatus
    provider_ref: str | None
    message: str

    @property
    def succeeded(self):
        """True when the money (or the verification) went through."""
        return self.status == ChargeStatus.SUCCEEDED


@dataclass(frozen=True)
class PaymentMethod:
    """A stored payment method: the token to charge, its kind, and a label safe to show."""

    token: str
    kind: str          # card | sepa
    label: str


class PaymentMethodInvalid(ValueError):
    """The card or IBAN is malformed (wrong check digit, expired...); `field` names the input."""

    def __init__(self, field, message):
        super().__init__(message)
        self.field = field
        self.message = message


class IdempotencyConflict(ValueError):
    """An idempotency key was used again for a different charge (token, amount or currency)."""


class PaymentProvider(Protocol):
    """What every provider offers. Results are ChargeResult; bad input raises."""

    def tokenise_card(self, number, exp_month, exp_year, cvc, holder) -> PaymentMethod:
        """Store a card with the provider; PaymentMethodInvalid when it cannot be a card."""

    def create_mandate(self, iban, holder, reference) -> PaymentMethod:
        """Create a SEPA direct-debit mandate; PaymentMethodInvalid for a malformed IBAN."""

    def verify(self, token, idempotency_key) -> ChargeResult:
        """Ask the bank whether the method can be charged (a zero-amount authorisation)."""

    def charge(self, token_or_mandate, amount_cents, currency, reference,
               idempotency_key) -> ChargeResult:
        """Collect `amount_cents`; the same idempotency key never charges twice."""
