"""The sandbox provider behaves like a real one: test cards, IBANs, declines, idempotency."""
import pytest
from sqlalchemy.orm import sessionmaker

from engine import Base, make_db_engine
from processes.payments import (ChargeStatus, IdempotencyConflict, PaymentMethodInvalid,
                                SandboxProvider)

OK, SOFT, HARD = ChargeStatus.SUCCEEDED, ChargeStatus.SOFT_DECLINED, ChargeStatus.HARD_DECLINED


@pytest.fixture
def provider(tmp_path, clock):
    """A sandbox on its own SQLite file."""
    db_engine = make_db_engine(f"sqlite:///{tmp_path / 'pay.db'}")
    Base.metadata.create_all(db_engine)
    yield SandboxProvider(sessionmaker(bind=db_engine))
    db_engine.dispose()


def card(provider, number):
    """Tokenise a test card expiring in 2030."""
    return provider.tokenise_card(number, 12, 2030, "123", "Ann Peeters").token


@pytest.mark.parametrize("number, verify, charge, message", [
    ("4242 4242 4242 4242", OK, OK, "Paid."),
    ("5555555555554444", OK, OK, "Paid."),
    ("4000000000009995", OK, SOFT, "Insufficient funds; try again later."),
    ("4000000000000341", OK, HARD, "The card account is closed; use another payment method."),
    ("4000000000000119", SOFT, SOFT, "The card issuer cannot be reached; try again later."),
    ("4000000000009979", HARD, HARD, "The card was reported stolen; use another payment method."),
])
def test_test_cards_verify_and_charge_as_documented(provider, number, verify, charge, message):
    """Each test card answers its documented verification and charge outcome."""
    token = card(provider, number)
    assert provider.verify(token, f"v-{number}").status == verify
    result = provider.charge(token, 12000, "EUR", "INV-1", f"c-{number}")
    assert (result.status, result.message) == (charge, message)


@pytest.mark.parametrize("iban, verify, charge", [
    ("DE89 3704 0044 0532 0130 00", OK, OK),
    ("DE40370400440532010002", HARD, HARD),
    ("DE13370400440532010003", OK, SOFT),
    ("DE83370400440532010004", OK, HARD),
])
def test_test_ibans_verify_and_debit_as_documented(provider, iban, verify, charge):
    """SEPA mandates: the last four digits choose the bank's answer."""
    method = provider.create_mandate(iban, "Ann Peeters", reference="SA-1")
    assert method.token.startswith("mdt_sbx_") and method.label == f"IBAN DE{iban[2:4]} •••• {iban.replace(' ', '')[-4:]}"
    assert provider.verify(method.token, f"v-{iban}").status == verify
    assert provider.charge(method.token, 500, "EUR", "INV-2", f"c-{iban}").status == charge


def test_the_same_idempotency_key_never_charges_twice(provider):
    """A repeated charge returns the first answer (same provider reference), one charge kept."""
    token = card(provider, "4242424242424242")
    first = provider.charge(token, 12000, "EUR", "INV-7", "key-7")
    again = provider.charge(token, 12000, "EUR", "INV-7", "key-7")
    assert again == first
    assert len(provider.charges("INV-7")) == 1


def test_an_idempotency_key_reused_for_another_amount_is_refused(provider):
    """A key belongs to one charge: another amount with it raises, nothing is charged."""
    token = card(provider, "4242424242424242")
    provider.charge(token, 12000, "EUR", "INV-8", "key-8")
    with pytest.raises(IdempotencyConflict):
        provider.charge(token, 100, "EUR", "INV-8", "key-8")
    assert len(provider.charges("INV-8")) == 1


def test_a_retry_card_soft_declines_the_first_attempt_and_pays_the_next(provider):
    """4000 0000 0000 0077: first charge of a reference soft-declines, a new attempt pays."""
    token = card(provider, "4000000000000077")
    assert provider.charge(token, 900, "EUR", "INV-9", "a1").status == SOFT
    assert provider.charge(token, 900, "EUR", "INV-9", "a2").status == OK


def test_an_unknown_token_is_a_hard_decline(provider):
    """A token the provider never issued cannot be charged."""
    result = provider.charge("tok_sbx_forged", 100, "EUR", "INV-3", "k3")
    assert result.status == HARD and "Unknown payment method" in result.message


@pytest.mark.parametrize("number, month, year, cvc, field", [
    ("4242424242424241", 12, 2030, "123", "card_number"),     # Luhn check fails
    ("4242", 12, 2030, "123", "card_number"),
    ("4242424242424242", 2, 2026, "123", "card_expiry"),      # before March 2026
    ("4242424242424242", 13, 2030, "123", "card_expiry"),
    ("4242424242424242", 12, 2030, "12", "card_cvc"),
])
def test_malformed_cards_are_refused_per_field(provider, number, month, year, cvc, field):
    """Bad number, expiry or CVC: PaymentMethodInvalid naming the field."""
    with pytest.raises(PaymentMethodInvalid) as refused:
        provider.tokenise_card(number, month, year, cvc, "Ann")
    assert refused.value.field == field


@pytest.mark.parametrize("iban", ["DE88370400440532013000", "DE8937040044053201300",
                                  "XX", ""])
def test_malformed_ibans_are_refused(provider, iban):
    """Wrong check digits or length: refused on the iban field."""
    with pytest.raises(PaymentMethodInvalid) as refused:
        provider.create_mandate(iban, "Ann", reference=None)
    assert refused.value.field == "iban"


def test_no_card_number_is_kept_only_a_label(provider):
    """The token's label shows the brand and last four digits, never the number."""
    method = provider.tokenise_card("4242424242424242", 12, 2030, "123", "Ann")
    assert method.label == "Visa •••• 4242"
