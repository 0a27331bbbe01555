"""What an upload really is (magic bytes), how big it may be, and the name it is offered under."""
import unicodedata
from pathlib import PurePosixPath

import filetype

from . import defaults


def read_capped(stream, max_bytes):
    """Up to max_bytes + 1 bytes of `stream`: one byte more than allowed tells "too large"."""
    return stream.read(max_bytes + 1)


def sniff(data):
    """The content type of `data` by its magic bytes when it is an allowed type, else None."""
    kind = filetype.guess(data[:defaults.SNIFF_BYTES])
    if kind is None or kind.mime not in defaults.ALLOWED_TYPES:
        return None
    return kind.mime


def display_name(client_name, content_type):
    """A printable base name for showing and downloading, ending in an extension of its type."""
    base = (client_name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip(" .")
    extensions = defaults.ALLOWED_TYPES[content_type]
    stem = base[:defaults.MAX_FILENAME_CHARS] or "attachment"
    if PurePosixPath(stem).suffix.lower() not in extensions:
        # A PNG named "invoice.exe" is offered as "invoice.exe.png": the name never lies
        # about the type to whatever opens the download.
        stem = f"{stem}{extensions[0]}"
    return stem


def human_size(size):
    """A byte count as people read it: 512 B, 3.4 KiB, 10 MiB."""
    if size < 1024:
        return f"{size} B"
    value, unit = (size / 1024, "KiB") if size < 1024 * 1024 else (size / 1024 / 1024, "MiB")
    return f"{value:.1f}".removesuffix(".0") + f" {unit}"
