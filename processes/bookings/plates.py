"""Number plates: one normal form per country, and a check against the country's formats.

A plate is normalised by upper-casing and dropping spaces, dashes and dots (how car-park
cameras and whitelists compare plates). A plate that matches none of its country's known
formats is not refused: it gets a warning, because formats change and foreign or special
plates (diplomatic, trade, historic) exist everywhere.
"""
import re
import unicodedata
from dataclasses import dataclass

# Normalised formats per country (ISO 3166-1 alpha-2); the common civil formats only.
FORMATS = {
    "BE": (r"[1-9][A-Z]{3}\d{3}", r"[A-Z]{3}\d{3}"),
    "NL": (r"[A-Z]{2}\d{2}[A-Z]{2}", r"\d{2}[A-Z]{2}\d{2}", r"\d{2}[A-Z]{3}\d",
           r"\d[A-Z]{3}\d{2}", r"[A-Z]{2}\d{3}[A-Z]", r"[A-Z]\d{3}[A-Z]{2}",
           r"[A-Z]{3}\d{2}[A-Z]", r"[A-Z]\d{2}[A-Z]{3}", r"\d{3}[A-Z]{2}\d", r"[A-Z]{2}\d{2}[A-Z]{2}"),
    "DE": (r"[A-ZÄÖÜ]{1,3}[A-Z]{1,2}\d{1,4}[EH]?",),
    "FR": (r"[A-Z]{2}\d{3}[A-Z]{2}",),
    "ES": (r"\d{4}[BCDFGHJKLMNPRSTVWXYZ]{3}",),
    "IT": (r"[A-Z]{2}\d{3}[A-Z]{2}",),
    "PT": (r"[A-Z]{2}\d{2}[A-Z]{2}", r"\d{2}[A-Z]{2}\d{2}", r"\d{2}\d{2}[A-Z]{2}",
           r"[A-Z]{2}\d{4}"),
    "PL": (r"[A-Z]{2,3}[A-Z0-9]{4,5}",),
    "GB": (r"[A-Z]{2}\d{2}[A-Z]{3}",),
    "IE": (r"\d{2,3}[A-Z]{1,2}\d{1,6}",),
    "LU": (r"[A-Z]{2}\d{4}", r"\d{4,6}"),
    "AT": (r"[A-Z]{1,2}\d{1,5}[A-Z]{1,2}", r"[A-Z]{1,2}[A-Z]{1,3}\d{1,3}"),
    "CH": (r"[A-Z]{2}\d{1,6}",),
    "SE": (r"[A-Z]{3}\d{2}[A-Z0-9]",),
    "CZ": (r"\d[A-Z][A-Z0-9]\d{4}",),
    "SK": (r"[A-Z]{2}\d{3}[A-Z]{2}",),
}
_SEPARATORS = re.compile(r"[\s\-.·_/]+")


@dataclass(frozen=True)
class PlateCheck:
    """The normalised plate, its country, and a warning when the format is not recognised."""

    plate: str
    country: str
    warning: str | None = None

    @property
    def recognised(self):
        """True when the plate matches one of its country's known formats."""
        return self.warning is None


class PlateError(ValueError):
    """The text cannot be a plate at all (empty, too long, or characters no plate has)."""


def normalise(text):
    """`text` upper-cased without separators: " 1-abc-234 " -> "1ABC234"."""
    folded = unicodedata.normalize("NFC", str(text or "")).upper()
    return _SEPARATORS.sub("", folded)


def check_plate(text, country):
    """A PlateCheck for `text` registered in `country`; PlateError when it is no plate."""
    country = str(country or "").strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", country):
        raise PlateError("Give the country of the plate as two letters, e.g. BE.")
    plate = normalise(text)
    if not plate:
        raise PlateError("Enter the number plate.")
    if len(plate) > 12:
        raise PlateError("A number plate has at most 12 letters and digits.")
    if not re.fullmatch(r"[A-Z0-9ÄÖÜÅ]+", plate):
        raise PlateError("A number plate holds only letters and digits.")
    formats = FORMATS.get(country)
    if formats is None:
        return PlateCheck(plate, country, f"Plates from {country} are not checked; "
                                          "please make sure it is right.")
    if any(re.fullmatch(pattern, plate) for pattern in formats):
        return PlateCheck(plate, country)
    return PlateCheck(plate, country, f"{plate} does not look like a plate from {country}; "
                                      "please check it.")
