"""A sandbox payment provider that behaves like a real one, deterministically.

Test cards (any future expiry, any 3-digit CVC):

| Card number         | Verification | Charges                                               |
|---------------------|--------------|-------------------------------------------------------|
| 4242 4242 4242 4242 | succeeds     | succeed                                               |
| 5555 5555 5555 4444 | succeeds     | succeed                                               |
| 4000 0000 0000 9995 | succeeds     | soft decline: insufficient funds                      |
| 4000 0000 0000 0341 | succeeds     | hard decline: card closed                             |
| 4000 0000 0000 0077 | succeeds     | the first attempt per reference soft-declines, the next succeeds |
| 4000 0000 0000 0119 | soft decline: issuer unreachable, try later | soft decline         |
| 4000 0000 0000 9979 | hard decline: card reported stolen          | hard decline         |

Any other number passing the Luhn check behaves like 4242 4242 4242 4242.
Test IBANs (any valid IBAN; the last four digits choose the behaviour):

| IBAN                   | Mandate verification | Debits                                    |
|------------------------|----------------------|-------------------------------------------|
| DE89370400440532013000 | succeeds             | succeed                                   |
| DE40370400440532010002 | hard decline: account closed (AC04) | hard decline               |
| DE13370400440532010003 | succeeds             | soft decline: insufficient funds (AM04)   |
| DE83370400440532010004 | succeeds             | hard decline: account closed (AC04)       |

Idempotency: a charge repeated with the same key returns the first answer and moves no money;
the same key with another token, amount or currency raises IdempotencyConflict.
"""
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from engine import clock

from . import defaults
from .models import SandboxCharge, SandboxMethod
from .numbers import card_label, check_card, check_iban, iban_label
from .provider import (ChargeResult, ChargeStatus, IdempotencyConflict, PaymentMethod,
                       PaymentMethodInvalid)

OK, SOFT, HARD = ChargeStatus.SUCCEEDED, ChargeStatus.SOFT_DECLINED, ChargeStatus.HARD_DECLINED
INSUFFICIENT = "Insufficient funds; try again later."
UNREACHABLE = "The card issuer cannot be reached; try again later."
STOLEN = "The card was reported stolen; use another payment method."
CARD_CLOSED = "The card account is closed; use another payment method."
ACCOUNT_CLOSED = "The bank account is closed (AC04); use another payment method."
NO_FUNDS_SEPA = "Insufficient funds on the account (AM04); try again later."
UNKNOWN_METHOD = "Unknown payment method; register the card or mandate again."


@dataclass(frozen=True)
class Behaviour:
    """How the sandbox's bank answers a method: at verification, and at each charge."""

    verify: tuple
    charge: tuple
    first_attempt_soft: bool = False


BEHAVIOURS = {
    "ok": Behaviour((OK, "Verified."), (OK, "Paid.")),
    "insufficient_funds": Behaviour((OK, "Verified."), (SOFT, INSUFFICIENT)),
    "card_closed": Behaviour((OK, "Verified."), (HARD, CARD_CLOSED)),
    "retry_succeeds": Behaviour((OK, "Verified."), (OK, "Paid."), first_attempt_soft=True),
    "issuer_unreachable": Behaviour((SOFT, UNREACHABLE), (SOFT, UNREACHABLE)),
    "stolen": Behaviour((HARD, STOLEN), (HARD, STOLEN)),
    "sepa_closed_at_mandate": Behaviour((HARD, ACCOUNT_CLOSED), (HARD, ACCOUNT_CLOSED)),
    "sepa_insufficient_funds": Behaviour((OK, "Mandate verified."), (SOFT, NO_FUNDS_SEPA)),
    "sepa_closed_later": Behaviour((OK, "Mandate verified."), (HARD, ACCOUNT_CLOSED)),
}
TEST_CARDS = {
    "4000000000009995": "insufficient_funds",
    "4000000000000341": "card_closed",
    "4000000000000077": "retry_succeeds",
    "4000000000000119": "issuer_unreachable",
    "4000000000009979": "stolen",
}
TEST_IBAN_ENDINGS = {"0002": "sepa_closed_at_mandate", "0003": "sepa_insufficient_funds",
                     "0004": "sepa_closed_later"}


def make_provider(session_factory, name=defaults.PROVIDER):
    """The configured provider; only the sandbox ships with ParkOps."""
    if name != "sandbox":
        raise ValueError(f"unknown payment provider '{name}'")
    return SandboxProvider(session_factory)


class SandboxProvider:
    """PaymentProvider whose "bank" is the tables of processes.payments.models."""

    def __init__(self, session_factory):
        self._sessions = session_factory

    def tokenise_card(self, number, exp_month, exp_year, cvc, holder):
        """A card token; PaymentMethodInvalid for a bad number, expiry or CVC."""
        number = check_card(number, exp_month, exp_year, cvc, clock.now().date())
        return self._store("card", card_label(number), holder, TEST_CARDS.get(number, "ok"))

    def create_mandate(self, iban, holder, reference):
        """A SEPA mandate token; PaymentMethodInvalid for a malformed IBAN or missing holder."""
        iban = check_iban(iban)
        if not str(holder or "").strip():
            raise PaymentMethodInvalid("holder", "Give the account holder's name.")
        return self._store("sepa", iban_label(iban), holder,
                           TEST_IBAN_ENDINGS.get(iban[-4:], "ok"))

    def verify(self, token, idempotency_key):
        """A zero-amount authorisation (card) or mandate check (SEPA)."""
        return self._answer(token, 0, defaults.CURRENCY, f"verify:{token}", idempotency_key)

    def charge(self, token_or_mandate, amount_cents, currency, reference, idempotency_key):
        """Collect money; the first answer for an idempotency key is the answer for good."""
        if not isinstance(amount_cents, int) or not 0 < amount_cents <= defaults.MAX_AMOUNT_CENTS:
            raise ValueError(f"amount_cents must be 1..{defaults.MAX_AMOUNT_CENTS}")
        if not (isinstance(currency, str) and len(currency) == 3 and currency.isalpha()):
            raise ValueError("currency must be an ISO 4217 code such as EUR")
        return self._answer(token_or_mandate, amount_cents, currency.upper(), str(reference),
                            idempotency_key)

    def charges(self, reference):
        """Every answered charge for `reference`, oldest first (for tests and support)."""
        with self._sessions() as session:
            return list(session.scalars(select(SandboxCharge).where(
                SandboxCharge.reference == reference).order_by(SandboxCharge.id)))

    # -- internals ---------------------------------------------------------------------------
    def _store(self, kind, label, holder, behaviour):
        prefix = "tok_sbx_" if kind == "card" else "mdt_sbx_"
        token = prefix + secrets.token_hex(defaults.TOKEN_BYTES)
        with self._sessions() as session:
            session.add(SandboxMethod(token=token, kind=kind, label=label,
                                      holder=str(holder or "").strip()[:200],
                                      behaviour=behaviour, created_at=clock.now()))
            session.commit()
        return PaymentMethod(token=token, kind=kind, label=label)

    def _answer(self, token, amount_cents, currency, reference, key):
        if not key:
            raise ValueError("an idempotency key is required")
        with self._sessions() as session:
            earlier = _by_key(session, key)
            if earlier is None:
                earlier = self._decide(session, token, amount_cents, currency, reference, key)
            if (earlier.token, earlier.amount_cents, earlier.currency) != (
                    token, amount_cents, currency):
                raise IdempotencyConflict(f"idempotency key '{key}' was used for another charge")
            return ChargeResult(ChargeStatus(earlier.status), earlier.provider_ref,
                                earlier.message)

    def _decide(self, session, token, amount_cents, currency, reference, key):
        method = session.get(SandboxMethod, token)
        if method is None:
            status, message = HARD, UNKNOWN_METHOD
        else:
            behaviour = BEHAVIOURS[method.behaviour]
            status, message = behaviour.verify if amount_cents == 0 else behaviour.charge
            if amount_cents and behaviour.first_attempt_soft and not _tried(session, reference):
                status, message = SOFT, INSUFFICIENT
        row = SandboxCharge(idempotency_key=key, token=token, amount_cents=amount_cents,
                            currency=currency, reference=reference, status=str(status),
                            provider_ref="ch_sbx_" + secrets.token_hex(defaults.TOKEN_BYTES),
                            message=message, created_at=clock.now())
        session.add(row)
        try:
            session.commit()
        except IntegrityError:
            # A concurrent call with the same key answered first: its answer is the answer.
            session.rollback()
            return _by_key(session, key)
        return row


def _by_key(session, key):
    return session.scalars(select(SandboxCharge).where(
        SandboxCharge.idempotency_key == key)).first()


def _tried(session, reference):
    return session.scalar(select(func.count()).select_from(SandboxCharge).where(
        SandboxCharge.reference == reference, SandboxCharge.amount_cents > 0)) > 0
