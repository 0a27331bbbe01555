"""Site, Customer, Vehicle and Booking tables. Times are stored in UTC; a site's `timezone`
(IANA name) is where its business rules are evaluated."""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine import Base
from engine.store import UTCDateTime


class Site(Base):
    """A car park of one tenant."""

    __tablename__ = "site"
    __table_args__ = (UniqueConstraint("tenant", "code", name="uq_site_tenant_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64), index=True)
    code: Mapped[str] = mapped_column(String(32))            # short name, e.g. "BRU-C"
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))        # IANA, e.g. "Europe/Brussels"
    country: Mapped[str] = mapped_column(String(2))          # ISO 3166-1 alpha-2, plate default
    capacity: Mapped[int] = mapped_column(Integer)


class Customer(Base):
    """A person or company that books, parks or holds a contract."""

    __tablename__ = "customer"
    __table_args__ = (Index("ix_customer_tenant_email", "tenant", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254), default=None)
    phone: Mapped[str | None] = mapped_column(String(40), default=None)
    language: Mapped[str] = mapped_column(String(8), default="en")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    vehicles: Mapped[list["Vehicle"]] = relationship(back_populates="customer")


class Vehicle(Base):
    """A customer's vehicle; `plate` is normalised (processes.bookings.plates)."""

    __tablename__ = "vehicle"
    __table_args__ = (Index("ix_vehicle_tenant_plate", "tenant", "plate"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    plate: Mapped[str] = mapped_column(String(16))
    country: Mapped[str] = mapped_column(String(2))
    description: Mapped[str | None] = mapped_column(String(120), default=None)  # "blue VW Golf"

    customer: Mapped[Customer] = relationship(back_populates="vehicles")


class Booking(Base):
    """A booking (or pre-booking) of a parking space at a site for [starts_at, ends_at)."""

    __tablename__ = "booking"
    __table_args__ = (
        UniqueConstraint("tenant", "reference", name="uq_booking_tenant_reference"),
        Index("ix_booking_site_start", "site_id", "starts_at"),
        Index("ix_booking_customer_start", "customer_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64))
    reference: Mapped[str] = mapped_column(String(32))       # e.g. "BK-000123"
    kind: Mapped[str] = mapped_column(String(16), default="booking")   # booking | pre-booking
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    vehicle_id: Mapped[int | None] = mapped_column(ForeignKey("vehicle.id"), default=None)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # confirmed | checked_in | completed | cancelled | no_show | deleted (by a penalty block)
    status: Mapped[str] = mapped_column(String(16), default="confirmed")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(128))
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    cancelled_by: Mapped[str | None] = mapped_column(String(128), default=None)

    site: Mapped[Site] = relationship()
    customer: Mapped[Customer] = relationship()
    vehicle: Mapped[Vehicle | None] = relationship()


class BookingCounter(Base):
    """The last booking number a tenant handed out; bumped in the transaction that books, so
    two bookings never share a reference (the row lock also serialises capacity checks)."""

    __tablename__ = "booking_counter"

    tenant: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)
