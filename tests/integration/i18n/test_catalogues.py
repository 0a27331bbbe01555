"""Every offered language translates every marked string of the app, placeholders intact.

The strings are extracted afresh from the source (as `make translations-extract` does), so a
screen that marks a new string fails here until every catalogue translates it.
"""
import re
from functools import cache
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from processes.languages import DEFAULT_LANGUAGE, LANGUAGES

ROOT = Path(__file__).resolve().parents[3]
TRANSLATIONS = ROOT / "webapp" / "translations"
SCANNED = ("webapp", "processes")
# The same keywords as BABEL_KEYWORDS in the Makefile.
KEYWORDS = {**DEFAULT_KEYWORDS, "lazy_gettext": None, "_l": None,
            "lazy_ngettext": (1, 2), "lazy_pgettext": ((1, "c"), 2)}
TRANSLATED = sorted(set(LANGUAGES) - {DEFAULT_LANGUAGE})
# %(name)s, %d, %% ...: what Python's % operator fills in; {name}: str.format's fields.
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[a-zA-Z%]|\{[^{}]*\}")


@pytest.fixture(scope="module")
def marked():
    """(context, msgid) of every string marked for translation in webapp/ and processes/."""
    with (ROOT / "babel.cfg").open() as mapping:
        method_map, options_map = parse_mapping_cfg(mapping)
    found = set()
    for folder in SCANNED:
        for _file, _line, message, _comments, context in extract_from_dir(
                ROOT / folder, method_map, options_map, keywords=KEYWORDS):
            found.add((context, message))
    return found


@cache
def _catalogue(language):
    """The parsed .po of `language` (parsed once per test session; the tests only read it)."""
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as source:
        return read_po(source, locale=language)


def _forms(message):
    return list(message.string) if isinstance(message.string, tuple) else [message.string]


def _placeholders(text):
    return sorted(PLACEHOLDER.findall(text))


def test_every_offered_language_but_english_has_a_catalogue():
    """English is the source; each other language of the picker has its own catalogue."""
    present = {path.parent.parent.name for path in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po")}
    assert present == set(TRANSLATED)


def test_the_extraction_finds_the_screens_strings(marked):
    """The extraction itself works: the nav, login and language page strings are found."""
    ids = {msgid for _context, msgid in marked}
    assert {"Basket", "Log in", "Log out", "Language"} <= ids


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_marked_string_is_translated(marked, language):
    """No marked string lacks a translation (empty or fuzzy counts as missing)."""
    catalogue = _catalogue(language)
    missing = []
    for context, msgid in sorted(marked, key=repr):
        message = catalogue.get(msgid, context=context)
        if message is None or message.fuzzy or not all(f.strip() for f in _forms(message)):
            missing.append(msgid)
    assert not missing, f"{language}: {len(missing)} untranslated, run `make " \
                        f"translations-extract` and translate: {missing}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_keep_the_placeholders_of_the_english_text(language):
    """Every form of a translation has exactly the source's %(name)s/%d/{name} placeholders."""
    wrong = []
    for message in _catalogue(language):
        if not message.id or not message.string:
            continue
        source = message.id if isinstance(message.id, str) else message.id[-1]
        wrong += [(source, form) for form in _forms(message)
                  if form and _placeholders(form) != _placeholders(source)]
    assert not wrong, f"{language}: {wrong}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_plural_translations_have_every_form_the_language_needs(language):
    """A plural message has as many forms as the language's Plural-Forms header says."""
    catalogue = _catalogue(language)
    short = [message.id for message in catalogue if isinstance(message.id, tuple)
             and len(_forms(message)) != catalogue.num_plurals]
    assert not short, f"{language} needs {catalogue.num_plurals} forms: {short}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_catalogue_passes_babels_checks(language):
    """Babel's own checks (python-format compatibility, plural counts) find nothing."""
    problems = [(message.id, [str(error) for error in errors])
                for message, errors in _catalogue(language).check()]
    assert not problems, f"{language}: {problems}"
