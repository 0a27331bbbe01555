"""Penalty tables: per-tenant settings, infractions, blocks and the e-mail notices to send."""
from datetime import datetime, time

from sqlalchemy import (Boolean, ForeignKey, Index, Integer, String, Text, Time,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine import Base
from engine.store import UTCDateTime
from processes.bookings.models import Booking, Customer

from . import defaults
from .status import InfractionStatus, NoticeStatus


class PenaltySettings(Base):
    """One tenant's penalty parameters and e-mail templates (one row per tenant)."""

    __tablename__ = "penalty_settings"

    tenant: Mapped[str] = mapped_column(String(64), primary_key=True)
    cancel_limit_hours: Mapped[int] = mapped_column(Integer, default=defaults.CANCEL_LIMIT_HOURS)
    free_window_start: Mapped[time] = mapped_column(Time, default=defaults.FREE_WINDOW_START)
    free_window_end: Mapped[time] = mapped_column(Time, default=defaults.FREE_WINDOW_END)
    max_minor_infractions: Mapped[int] = mapped_column(
        Integer, default=defaults.MAX_MINOR_INFRACTIONS)
    check_in_grace_minutes: Mapped[int] = mapped_column(
        Integer, default=defaults.CHECK_IN_GRACE_MINUTES)
    block_days: Mapped[int] = mapped_column(Integer, default=defaults.BLOCK_DAYS)
    minor_subject: Mapped[str] = mapped_column(String(200))
    minor_body: Mapped[str] = mapped_column(Text)
    major_subject: Mapped[str] = mapped_column(String(200))
    major_body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    updated_by: Mapped[str | None] = mapped_column(String(128), default=None)


class Infraction(Base):
    """A first- (minor) or second-degree (major) infraction of a customer, about one booking."""

    __tablename__ = "penalty_infraction"
    __table_args__ = (
        # One infraction per booking and cause: a handler or request run twice records one.
        UniqueConstraint("tenant", "booking_id", "cause", name="uq_infraction_booking_cause"),
        Index("ix_infraction_customer", "tenant", "customer_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    booking_id: Mapped[int] = mapped_column(ForeignKey("booking.id"))
    kind: Mapped[str] = mapped_column(String(8))               # minor | major
    cause: Mapped[str] = mapped_column(String(24))             # late_cancellation | no_show
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)   # a minor made major
    status: Mapped[str] = mapped_column(String(16), default=InfractionStatus.ACTIVE)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(128))
    contest_reason: Mapped[str | None] = mapped_column(Text, default=None)
    contested_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    contested_by: Mapped[str | None] = mapped_column(String(128), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    decided_by: Mapped[str | None] = mapped_column(String(128), default=None)
    decision_note: Mapped[str | None] = mapped_column(Text, default=None)

    customer: Mapped[Customer] = relationship()
    booking: Mapped[Booking] = relationship()


class Block(Base):
    """A major infraction's ban on bookings for [starts_at, ends_at); lifted when cancelled."""

    __tablename__ = "penalty_block"
    __table_args__ = (Index("ix_block_customer", "tenant", "customer_id", "ends_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    infraction_id: Mapped[int] = mapped_column(ForeignKey("penalty_infraction.id"), unique=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    lifted_by: Mapped[str | None] = mapped_column(String(128), default=None)


class PenaltyNotice(Base):
    """An e-mail to a customer, written with the change it reports and sent by the process."""

    __tablename__ = "penalty_notice"
    __table_args__ = (Index("ix_notice_infraction", "infraction_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    infraction_id: Mapped[int] = mapped_column(ForeignKey("penalty_infraction.id"))
    booking_id: Mapped[int] = mapped_column(ForeignKey("booking.id"))
    kind: Mapped[str] = mapped_column(String(16))        # minor | major | booking_deleted
    recipient: Mapped[str | None] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=NoticeStatus.PENDING)
    note: Mapped[str | None] = mapped_column(String(300), default=None)   # why skipped
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
