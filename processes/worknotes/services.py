"""Comments and attachments on a case: each row and its audit event share one transaction."""
import hashlib

from sqlalchemy import select

from engine import NotFound, audit, clock

from . import defaults, filecheck, storage
from .errors import InputRefused
from .models import Attachment, Comment
from .task_rules import check_view


def add_comment(eng, task, user, body):
    """Add `user`'s comment to the task's instance, audited as comment_added; returns the row."""
    check_view(task, user)
    text = (body or "").strip()
    if not text:
        raise InputRefused({"body": "Write a comment first."})
    if len(text) > defaults.MAX_COMMENT_CHARS:
        raise InputRefused({"body": f"Keep a comment under {defaults.MAX_COMMENT_CHARS} "
                                    f"characters; this one has {len(text)}."})
    with eng.transaction() as session:
        comment = Comment(tenant=task.tenant, instance_id=task.instance_id, task_id=task.id,
                          author=user.username, body=text, created_at=clock.now())
        session.add(comment)
        session.flush()
        audit.record(session, task.tenant, "comment_added", task.instance_id, task.id,
                     user.username, comment=comment.id)
    return comment


def add_attachment(eng, task, user, upload_dir, stream, filename,
                   max_bytes=defaults.MAX_ATTACHMENT_BYTES):
    """Store an uploaded file (type checked by magic bytes) and its audited row; returns the row."""
    check_view(task, user)
    data = filecheck.read_capped(stream, max_bytes) if stream is not None else b""
    content_type = _accepted_type(data, max_bytes)
    stored_as = storage.save(upload_dir, task.instance_id, data)
    try:
        with eng.transaction() as session:
            row = Attachment(
                tenant=task.tenant, instance_id=task.instance_id, task_id=task.id,
                uploaded_by=user.username, filename=filecheck.display_name(filename, content_type),
                content_type=content_type, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                stored_as=stored_as, created_at=clock.now())
            session.add(row)
            session.flush()
            audit.record(session, task.tenant, "attachment_added", task.instance_id, task.id,
                         user.username, attachment=row.id, filename=row.filename, size=row.size)
    except BaseException:
        storage.remove(upload_dir, stored_as)   # no row, so no orphan file either
        raise
    return row


def attachment_file(eng, task, user, attachment_id, upload_dir):
    """The Attachment row and file path of an attachment on the task's instance, for download."""
    check_view(task, user)
    with eng.reading() as session:
        row = session.get(Attachment, attachment_id)
    if row is None or row.tenant != task.tenant or row.instance_id != task.instance_id:
        raise NotFound(f"attachment {attachment_id} not found")
    path = storage.path_of(upload_dir, row.stored_as)
    if not path.is_file():
        raise NotFound(f"the file of attachment {attachment_id} is missing")
    return row, path


def list_attachments(eng, tenant, instance_id):
    """Attachments of an instance, newest first."""
    with eng.reading() as session:
        return list(session.scalars(select(Attachment).where(
            Attachment.tenant == tenant, Attachment.instance_id == instance_id)
            .order_by(Attachment.id.desc())))


def _accepted_type(data, max_bytes):
    if not data:
        raise InputRefused({"file": "Choose a file to attach."})
    if len(data) > max_bytes:
        raise InputRefused({"file": f"The file is larger than the "
                                    f"{filecheck.human_size(max_bytes)} limit."})
    content_type = filecheck.sniff(data)
    if content_type is None:
        raise InputRefused({"file": f"This kind of file is not accepted. "
                                    f"Attach {defaults.ALLOWED_LABEL}."})
    return content_type
