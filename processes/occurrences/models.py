"""Occurrence tables: per-tenant types (with custom fields) and statuses, the occurrences,
their comments, attachments and activity log, and the per-tenant reference counter."""
from datetime import datetime

from sqlalchemy import (JSON, Boolean, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine import Base
from engine.store import UTCDateTime


class OccurrenceType(Base):
    """A kind of occurrence of one tenant (Damage, Complaint...) with its SLA."""

    __tablename__ = "occurrence_type"
    __table_args__ = (UniqueConstraint("tenant", "name", name="uq_occurrence_type_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(120))
    sla_hours: Mapped[int] = mapped_column(Integer)          # deadline = created + this
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    fields: Mapped[list["OccurrenceField"]] = relationship(
        back_populates="type", order_by="OccurrenceField.position, OccurrenceField.id",
        cascade="all, delete-orphan", lazy="selectin")


class OccurrenceField(Base):
    """A custom field of an occurrence type; values live in Occurrence.values under `key`."""

    __tablename__ = "occurrence_field"
    __table_args__ = (UniqueConstraint("type_id", "key", name="uq_occurrence_field_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    type_id: Mapped[int] = mapped_column(ForeignKey("occurrence_type.id", ondelete="CASCADE"),
                                         index=True)
    key: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(16))     # processes.occurrences.fields.KINDS
    options: Mapped[list] = mapped_column(JSON, default=list)   # select / multiselect
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)

    type: Mapped[OccurrenceType] = relationship(back_populates="fields")


class OccurrenceStatus(Base):
    """A status of one tenant's occurrences; an `ended` one makes the occurrence read-only.

    `milestone` names the step of the lifecycle process that moves an occurrence into this
    status (created, in_progress, resolved, closed); other statuses are set by hand only.
    """

    __tablename__ = "occurrence_status"
    __table_args__ = (UniqueConstraint("tenant", "name", name="uq_occurrence_status_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(60))
    colour: Mapped[str] = mapped_column(String(7))            # "#rrggbb"
    ended: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)
    milestone: Mapped[str | None] = mapped_column(String(16), default=None)


class OccurrenceCounter(Base):
    """The last reference number handed out per tenant, bumped in the creating transaction."""

    __tablename__ = "occurrence_counter"

    tenant: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class Occurrence(Base):
    """Something that happened on a site, often during a booking: a ticket with a deadline."""

    __tablename__ = "occurrence"
    __table_args__ = (
        UniqueConstraint("tenant", "reference", name="uq_occurrence_reference"),
        Index("ix_occurrence_tenant_created", "tenant", "created_at"),
        Index("ix_occurrence_tenant_status", "tenant", "status_id"),
        Index("ix_occurrence_tenant_deadline", "tenant", "deadline_at"),
        Index("ix_occurrence_booking", "booking_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64))
    reference: Mapped[str] = mapped_column(String(20))       # "OCC-0042"
    number: Mapped[int] = mapped_column(Integer)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("booking.id"), default=None)
    type_id: Mapped[int] = mapped_column(ForeignKey("occurrence_type.id"))
    status_id: Mapped[int] = mapped_column(ForeignKey("occurrence_status.id"))
    description: Mapped[str] = mapped_column(Text)
    values: Mapped[dict] = mapped_column(JSON, default=dict)  # custom field key -> value
    assignee: Mapped[str | None] = mapped_column(String(64), default=None)
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deadline_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    instance_id: Mapped[int | None] = mapped_column(Integer, default=None)

    site = relationship("Site")
    booking = relationship("Booking")
    type: Mapped[OccurrenceType] = relationship()
    status: Mapped[OccurrenceStatus] = relationship()


class OccurrenceComment(Base):
    """A note someone wrote on an occurrence."""

    __tablename__ = "occurrence_comment"
    __table_args__ = (Index("ix_occurrence_comment", "occurrence_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occurrence_id: Mapped[int] = mapped_column(ForeignKey("occurrence.id"))
    author: Mapped[str] = mapped_column(String(128))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OccurrenceAttachment(Base):
    """A photo, video or document attached when reporting or with a comment."""

    __tablename__ = "occurrence_attachment"
    __table_args__ = (Index("ix_occurrence_attachment", "occurrence_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occurrence_id: Mapped[int] = mapped_column(ForeignKey("occurrence.id"))
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("occurrence_comment.id"),
                                                   default=None)
    uploaded_by: Mapped[str] = mapped_column(String(128))
    filename: Mapped[str] = mapped_column(String(255))       # cleaned; display and download
    content_type: Mapped[str] = mapped_column(String(64))    # from magic bytes, never the client
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    stored_as: Mapped[str] = mapped_column(String(80), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OccurrenceActivity(Base):
    """One line of an occurrence's activity log (append-only): who did what, when.

    kind: processes.occurrences.activity.KINDS. `field`, `old` and `new` say what moved from what to what.
    """

    __tablename__ = "occurrence_activity"
    __table_args__ = (Index("ix_occurrence_activity", "occurrence_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occurrence_id: Mapped[int] = mapped_column(ForeignKey("occurrence.id"))
    tenant: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(24))
    field: Mapped[str | None] = mapped_column(String(120), default=None)
    old: Mapped[str | None] = mapped_column(Text, default=None)
    new: Mapped[str | None] = mapped_column(Text, default=None)
    note: Mapped[str | None] = mapped_column(Text, default=None)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The process job that wrote it: a handler run twice finds its row and changes nothing.
    job_id: Mapped[int | None] = mapped_column(Integer, default=None, index=True)
