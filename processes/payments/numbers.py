"""Format checks of card numbers and IBANs, as a provider's front end does before any bank."""
import re

from .provider import PaymentMethodInvalid

BRANDS = (("4", "Visa"), ("5", "Mastercard"), ("34", "American Express"),
          ("37", "American Express"), ("6", "Discover"))
# ISO 13616 lengths of the countries of the SEPA area we see most; others: 15-34 characters.
IBAN_LENGTHS = {"AT": 20, "BE": 16, "CH": 21, "DE": 22, "ES": 24, "FR": 27, "GB": 22, "IE": 22,
                "IT": 27, "LU": 20, "NL": 18, "PL": 28, "PT": 25}


def digits_only(text):
    """`text` without spaces and dashes."""
    return re.sub(r"[\s-]+", "", str(text or ""))


def luhn_ok(number):
    """True when the Luhn check digit of `number` (digits only) is right."""
    total = 0
    for position, char in enumerate(reversed(number)):
        digit = int(char)
        if position % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def check_card(number, exp_month, exp_year, cvc, today):
    """The card number as digits; PaymentMethodInvalid naming the field that is wrong."""
    number = digits_only(number)
    if not re.fullmatch(r"\d{12,19}", number) or not luhn_ok(number):
        raise PaymentMethodInvalid("card_number", "This is not a valid card number.")
    try:
        month, year = int(exp_month), int(exp_year)
    except (TypeError, ValueError):
        raise PaymentMethodInvalid("card_expiry", "Give the expiry month and year.") from None
    year = year + 2000 if year < 100 else year
    if not 1 <= month <= 12:
        raise PaymentMethodInvalid("card_expiry", "The expiry month is 1 to 12.")
    if (year, month) < (today.year, today.month):
        raise PaymentMethodInvalid("card_expiry", "This card has expired.")
    if not re.fullmatch(r"\d{3,4}", str(cvc or "")):
        raise PaymentMethodInvalid("card_cvc", "The security code is 3 or 4 digits.")
    return number


def card_brand(number):
    """The card network by its leading digits, e.g. "Visa"."""
    return next((brand for prefix, brand in BRANDS if number.startswith(prefix)), "Card")


def check_iban(text):
    """The IBAN upper-cased without spaces; PaymentMethodInvalid when its check fails."""
    iban = digits_only(text).upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", iban):
        raise PaymentMethodInvalid("iban", "An IBAN starts with a country code and two digits.")
    expected = IBAN_LENGTHS.get(iban[:2])
    if expected is not None and len(iban) != expected:
        raise PaymentMethodInvalid("iban", f"An IBAN from {iban[:2]} has {expected} characters.")
    if iban_remainder(iban) != 1:
        raise PaymentMethodInvalid("iban", "This IBAN's check digits are wrong; please check it.")
    return iban


def iban_remainder(iban):
    """ISO 7064 mod 97-10 of the IBAN: 1 for a valid one."""
    moved = iban[4:] + iban[:4]
    return int("".join(str(int(char, 36)) for char in moved)) % 97


def card_label(number):
    """"Visa •••• 4242"."""
    return f"{card_brand(number)} •••• {number[-4:]}"


def iban_label(iban):
    """"IBAN DE89 •••• 3000"."""
    return f"IBAN {iban[:4]} •••• {iban[-4:]}"

