"""Number plates: normalised per country; unknown formats are kept with a warning."""
import pytest

from processes.bookings.plates import PlateError, check_plate


@pytest.mark.parametrize("text, country, plate", [
    ("1-abc-234", "BE", "1ABC234"),
    (" 2 XYZ 987 ", "be", "2XYZ987"),
    ("AB-12-CD", "NL", "AB12CD"),
    ("GV-123-D", "NL", "GV123D"),
    ("12-ABC-3", "NL", "12ABC3"),
    ("B-AB 1234", "DE", "BAB1234"),
    ("M-XY 12E", "DE", "MXY12E"),
    ("AB-123-CD", "FR", "AB123CD"),
    ("1234 BCD", "ES", "1234BCD"),
    ("AB 123 CD", "IT", "AB123CD"),
    ("AA-00-AA", "PT", "AA00AA"),
    ("00-AA-00", "PT", "00AA00"),
    ("WA 12345", "PL", "WA12345"),
    ("KR 1A234", "PL", "KR1A234"),
    ("AB12 CDE", "GB", "AB12CDE"),
    ("ABC 12D", "SE", "ABC12D"),
    ("1AB 2345", "CZ", "1AB2345"),
])
def test_recognised_plates_are_normalised_without_warning(text, country, plate):
    """A plate in a format of its country is upper-cased and stripped of separators; no warning."""
    checked = check_plate(text, country)
    assert (checked.plate, checked.country, checked.warning) == (plate, country.upper(), None)
    assert checked.recognised


@pytest.mark.parametrize("text, country, warned_about", [
    ("ABC123", "NL", "does not look like a plate from NL"),
    ("12345", "BE", "does not look like a plate from BE"),
    ("AB1234", "FR", "does not look like a plate from FR"),
    ("XYZ 123", "US", "Plates from US are not checked"),
])
def test_unknown_formats_are_kept_with_a_warning(text, country, warned_about):
    """A plate of an unknown format (or country) is not refused: it is kept, with a warning."""
    checked = check_plate(text, country)
    assert checked.plate == text.replace(" ", "") and not checked.recognised
    assert warned_about in checked.warning


@pytest.mark.parametrize("text, country, message", [
    ("", "BE", "Enter the number plate."),
    (" - . ", "BE", "Enter the number plate."),
    ("1ABC2345678901", "BE", "at most 12"),
    ("1-ABC-23$", "BE", "only letters and digits"),
    ("1-ABC-234", "Belgium", "two letters"),
    ("1-ABC-234", "", "two letters"),
])
def test_text_that_is_no_plate_is_refused(text, country, message):
    """Empty, overlong, odd characters or a country that is not two letters: PlateError."""
    with pytest.raises(PlateError, match=message):
        check_plate(text, country)
