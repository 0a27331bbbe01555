"""NotificationLog: one row per notification job that was handled, so it is sent only once."""
from datetime import datetime

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from engine import Base
from engine.store import UTCDateTime


class NotificationLog(Base):
    """A notification job that was sent (or had nobody to send to), keyed by its engine job id."""

    __tablename__ = "notification_log"

    job_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    tenant: Mapped[str] = mapped_column(String(64))
    task_id: Mapped[str | None] = mapped_column(String(36), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    message_id: Mapped[str] = mapped_column(String(255))
    # Addresses the SMTP server accepted, and users left out (no address / refused address).
    recipients: Mapped[list] = mapped_column(JSON, default=list)
    skipped: Mapped[list] = mapped_column(JSON, default=list)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
