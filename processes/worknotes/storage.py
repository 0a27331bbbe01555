"""Attachment bytes on disk: a random name per file, one folder per instance.

The client's file name never reaches the file system; a stored name is generated here and
checked against its own pattern before any path is built from it.
"""
import re
import secrets
from pathlib import Path

from . import defaults

_STORED = re.compile(r"^(\d{1,18})/([0-9a-f]{%d})$" % (2 * defaults.STORED_NAME_BYTES))


class StorageError(ValueError):
    """A stored name that this module did not generate (tampered row, wrong folder)."""


def save(upload_dir, instance_id, data):
    """Write `data` under a new random name in the instance's folder; returns the stored name."""
    folder = Path(upload_dir) / str(int(instance_id))
    folder.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(defaults.STORED_NAME_BYTES)
    # "x": never overwrite, even in the astronomically unlikely case of a repeated token.
    with open(folder / token, "xb") as handle:
        handle.write(data)
    return f"{int(instance_id)}/{token}"


def path_of(upload_dir, stored_as):
    """The file of a stored name; StorageError for a name save() could not have produced."""
    match = _STORED.match(stored_as or "")
    if match is None:
        raise StorageError(f"not a stored attachment name: {stored_as!r}")
    return Path(upload_dir) / match.group(1) / match.group(2)


def remove(upload_dir, stored_as):
    """Delete a stored file (after its database row could not be written)."""
    path_of(upload_dir, stored_as).unlink(missing_ok=True)
