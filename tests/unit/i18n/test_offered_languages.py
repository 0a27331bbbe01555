"""Seed 000: the occurrence screens are offered in exactly the seventeen languages it names."""
from processes.languages import DEFAULT_LANGUAGE, LANGUAGES

# The product document's list, in its order: "English, Polish, German, Spanish, Portuguese,
# French, Italian, Dutch, Czech, Greek, Romanian, Swedish, Slovenian, Slovak, Croatian,
# Hungarian, and Ukrainian" (ISO 639-1 codes).
SEED_LANGUAGES = ["en", "pl", "de", "es", "pt", "fr", "it", "nl", "cs", "el", "ro", "sv", "sl",
                  "sk", "hr", "hu", "uk"]


def test_the_seventeen_languages_of_the_product_document_are_offered():
    assert list(LANGUAGES) == SEED_LANGUAGES
    assert DEFAULT_LANGUAGE == "en"


def test_each_language_is_named_in_itself():
    assert LANGUAGES["pl"] == "Polski" and LANGUAGES["el"] == "Ελληνικά"
    assert LANGUAGES["uk"] == "Українська" and LANGUAGES["hu"] == "Magyar"
