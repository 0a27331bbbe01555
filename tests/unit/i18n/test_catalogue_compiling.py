"""The app compiles a language's .mo itself when it is missing or older than the .po."""
import os
from gettext import GNUTranslations

from webapp.catalogues import compile_stale_catalogues, stale_catalogues

PO = """\
msgid ""
msgstr ""
"Content-Type: text/plain; charset=utf-8\\n"
"Plural-Forms: nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);\\n"

msgid "Log out"
msgstr "Wyloguj się"

#, fuzzy
msgid "Language"
msgstr "Jenzyk"
"""


def _write_catalogue(root, text=PO):
    po_path = root / "pl" / "LC_MESSAGES" / "messages.po"
    po_path.parent.mkdir(parents=True, exist_ok=True)
    po_path.write_text(text, encoding="utf-8")
    return po_path


def _load(mo_path):
    with mo_path.open("rb") as compiled:
        return GNUTranslations(compiled)


def test_a_missing_mo_is_compiled_and_fuzzy_guesses_are_left_out(tmp_path):
    """A fresh checkout (no .mo) gets one; a fuzzy translation is not shown to users."""
    po_path = _write_catalogue(tmp_path)
    assert compile_stale_catalogues(tmp_path) == [po_path.with_suffix(".mo")]
    translations = _load(po_path.with_suffix(".mo"))
    assert translations.gettext("Log out") == "Wyloguj się"
    assert translations.gettext("Language") == "Language"


def test_an_up_to_date_mo_is_left_alone(tmp_path):
    """Starting the app again compiles nothing when no .po changed."""
    _write_catalogue(tmp_path)
    compile_stale_catalogues(tmp_path)
    assert stale_catalogues(tmp_path) == []
    assert compile_stale_catalogues(tmp_path) == []


def test_an_edited_po_is_compiled_again(tmp_path):
    """A .po newer than its .mo (a translation was changed) is compiled on the next start."""
    po_path = _write_catalogue(tmp_path)
    compile_stale_catalogues(tmp_path)
    mo_path = po_path.with_suffix(".mo")
    _write_catalogue(tmp_path, PO.replace("Wyloguj się", "Wyloguj"))
    later = mo_path.stat().st_mtime + 5
    os.utime(po_path, (later, later))
    assert stale_catalogues(tmp_path) == [po_path]
    compile_stale_catalogues(tmp_path)
    assert _load(mo_path).gettext("Log out") == "Wyloguj"


def test_a_catalogue_that_cannot_be_written_is_reported_not_fatal(tmp_path, caplog):
    """An install where the .mo cannot be written starts anyway and names the catalogue."""
    po_path = _write_catalogue(tmp_path)
    # A folder where the .mo belongs: the write fails even for root, as on a read-only disk.
    po_path.with_suffix(".mo").mkdir()
    later = po_path.with_suffix(".mo").stat().st_mtime + 5
    os.utime(po_path, (later, later))
    assert compile_stale_catalogues(tmp_path) == []
    assert "messages.po" in caplog.text and "make translations" in caplog.text
    # No half-written file is left behind.
    assert sorted(path.name for path in po_path.parent.iterdir()) == ["messages.mo", "messages.po"]
