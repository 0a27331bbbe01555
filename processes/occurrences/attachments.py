"""Photos and videos on an occurrence: type by magic bytes, a size cap and random stored names
(the worknotes file check and storage, with the video kinds phones record added)."""
import hashlib
import unicodedata
from pathlib import Path, PurePosixPath

import filetype
from sqlalchemy import select

from engine import clock
from processes.worknotes import defaults as worknote_defaults
from processes.worknotes import filecheck, storage

from . import activity, defaults
from .errors import Msg, OccurrenceNotFound, OccurrenceRefused, _
from .ids import row_id
from .models import OccurrenceAttachment

ALLOWED_TYPES = {**worknote_defaults.ALLOWED_TYPES, **defaults.EXTRA_ATTACHMENT_TYPES}


class Upload:
    """One checked file waiting to be stored: its bytes, type and the name it is shown under."""

    def __init__(self, data, content_type, filename):
        self.data, self.content_type, self.filename = data, content_type, filename


def check_upload(stream, client_name, max_bytes=worknote_defaults.MAX_ATTACHMENT_BYTES,
                 field="files"):
    """An Upload of an accepted file; OccurrenceRefused naming the problem otherwise."""
    data = filecheck.read_capped(stream, max_bytes) if stream is not None else b""
    if not data:
        raise OccurrenceRefused({field: Msg(_("Choose a file to attach."))})
    if len(data) > max_bytes:
        raise OccurrenceRefused({field: Msg(_("%(name)s is larger than the %(limit)s limit."),
                                            name=display_name(client_name, None),
                                            limit=filecheck.human_size(max_bytes))})
    content_type = sniff(data)
    if content_type is None:
        raise OccurrenceRefused({field: Msg(_("%(name)s is not a kind of file we accept. "
                                              "Attach %(kinds)s."),
                                            name=display_name(client_name, None),
                                            kinds=defaults.ATTACHMENT_LABEL)})
    return Upload(data, content_type, display_name(client_name, content_type))


def sniff(data):
    """The content type of `data` by its magic bytes when it is an allowed type, else None."""
    kind = filetype.guess(data[:worknote_defaults.SNIFF_BYTES])
    return kind.mime if kind is not None and kind.mime in ALLOWED_TYPES else None


def display_name(client_name, content_type):
    """A printable base name ending in an extension of its type (worknotes' rule, more types)."""
    if content_type in worknote_defaults.ALLOWED_TYPES:
        return filecheck.display_name(client_name, content_type)
    base = (client_name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip(" .")
    stem = base[:worknote_defaults.MAX_FILENAME_CHARS] or "attachment"
    extensions = ALLOWED_TYPES.get(content_type)
    if extensions and PurePosixPath(stem).suffix.lower() not in extensions:
        stem = f"{stem}{extensions[0]}"
    return stem


def upload_root(upload_folder):
    """Where occurrence files live: a folder of their own under the app's upload folder."""
    return Path(upload_folder) / defaults.ATTACHMENT_SUBDIR


def store(session, upload_folder, occurrence, actor, uploads, comment_id=None):
    """Write the files and their rows in the caller's transaction; returns the stored names
    (the caller removes them with discard() when the transaction fails)."""
    stored = []
    for upload in uploads:
        stored_as = storage.save(upload_root(upload_folder), occurrence.id, upload.data)
        stored.append(stored_as)
        session.add(OccurrenceAttachment(
            occurrence_id=occurrence.id, comment_id=comment_id, uploaded_by=actor,
            filename=upload.filename, content_type=upload.content_type, size=len(upload.data),
            sha256=hashlib.sha256(upload.data).hexdigest(), stored_as=stored_as,
            created_at=clock.now()))
        activity.log(session, occurrence, actor, activity.ATTACHMENT_ADDED, new=upload.filename)
    return stored


def discard(upload_folder, stored):
    """Remove files whose rows were never committed."""
    for stored_as in stored:
        storage.remove(upload_root(upload_folder), stored_as)


def listed(session, occurrence_id):
    """Attachments of an occurrence, oldest first."""
    return list(session.scalars(select(OccurrenceAttachment)
                                .where(OccurrenceAttachment.occurrence_id == occurrence_id)
                                .order_by(OccurrenceAttachment.id)))


def file_of(session, upload_folder, occurrence, attachment_id):
    """(row, path) of one of the occurrence's attachments, for download."""
    row = (session.get(OccurrenceAttachment, attachment_id)
           if row_id(attachment_id) is not None else None)
    if row is None or row.occurrence_id != occurrence.id:
        raise OccurrenceNotFound(f"attachment {attachment_id} not found")
    path = storage.path_of(upload_root(upload_folder), row.stored_as)
    if not path.is_file():
        raise OccurrenceNotFound(f"the file of attachment {attachment_id} is missing")
    return row, path
