"""Comment and Attachment tables; both belong to a process instance, optionally to one task."""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine import Base
from engine.store import UTCDateTime


class Comment(Base):
    """A note someone wrote on a case (instance), from the page of one of its tasks."""

    __tablename__ = "worknote_comment"
    __table_args__ = (Index("ix_comment_instance", "tenant", "instance_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64))
    instance_id: Mapped[int] = mapped_column(ForeignKey("engine_instance.id"))
    task_id: Mapped[str | None] = mapped_column(String(36))
    author: Mapped[str] = mapped_column(String(128))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Attachment(Base):
    """A file someone attached to a case; the bytes live in the upload folder under `stored_as`."""

    __tablename__ = "worknote_attachment"
    __table_args__ = (Index("ix_attachment_instance", "tenant", "instance_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64))
    instance_id: Mapped[int] = mapped_column(ForeignKey("engine_instance.id"))
    task_id: Mapped[str | None] = mapped_column(String(36))
    uploaded_by: Mapped[str] = mapped_column(String(128))
    filename: Mapped[str] = mapped_column(String(255))       # cleaned; display and download only
    content_type: Mapped[str] = mapped_column(String(64))    # from magic bytes, never the client
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    stored_as: Mapped[str] = mapped_column(String(80), unique=True)   # "<instance>/<random hex>"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
