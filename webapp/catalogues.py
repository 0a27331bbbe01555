"""Message catalogues: every .po is compiled to the .mo Flask-Babel reads, when that is stale.

The .mo files are build products (not in git). `make translations` compiles them with pybabel;
the app also compiles a missing or outdated one when it starts, so `flask run`, gunicorn and a
plain `pytest` never serve English to a Polish user because nobody ran make.
"""
import logging
import os
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

log = logging.getLogger(__name__)


def stale_catalogues(directory):
    """The .po files under `directory` whose .mo is missing or older than the .po."""
    stale = []
    for po_path in sorted(Path(directory).glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if not mo_path.exists() or mo_path.stat().st_mtime < po_path.stat().st_mtime:
            stale.append(po_path)
    return stale


def compile_catalogue(po_path):
    """Write the .mo next to `po_path`; fuzzy entries are left out, as pybabel does."""
    po_path = Path(po_path)
    locale = po_path.parent.parent.name
    with po_path.open("rb") as source:
        catalog = read_po(source, locale=locale, domain=po_path.stem)
    mo_path = po_path.with_suffix(".mo")
    # Written aside then renamed: a worker starting at the same moment never reads half a file.
    partial = mo_path.with_name(f".{mo_path.name}.{os.getpid()}.partial")
    try:
        with partial.open("wb") as target:
            write_mo(target, catalog, use_fuzzy=False)
        os.replace(partial, mo_path)
    finally:
        partial.unlink(missing_ok=True)
    return mo_path


def compile_stale_catalogues(directory):
    """Compile every stale catalogue; a read-only install keeps its .mo files and says so."""
    compiled = []
    for po_path in stale_catalogues(directory):
        try:
            compiled.append(compile_catalogue(po_path))
        except OSError as error:
            log.warning("could not compile %s (%s); run `make translations`", po_path, error)
    return compiled
