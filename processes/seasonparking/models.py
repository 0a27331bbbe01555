"""Product and Contract tables (more of the season-parker domain lives beside them).

Money is integer cents; dates of a contract are calendar dates in the site's time zone.
"""
from datetime import date, datetime

from sqlalchemy import (JSON, Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine import Base
from engine.store import UTCDateTime
from processes.bookings.models import Customer, Site, Vehicle


class Product(Base):
    """A season product at a site: e.g. "24/7 reserved", "Weekdays 7-19"."""

    __tablename__ = "season_product"
    __table_args__ = (UniqueConstraint("tenant", "code", name="uq_product_tenant_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    monthly_price_cents: Mapped[int] = mapped_column(Integer)      # VAT included? no: net
    max_vehicles: Mapped[int] = mapped_column(Integer, default=1)
    active: Mapped[bool] = mapped_column(default=True)

    site: Mapped[Site] = relationship()


class Contract(Base):
    """A season-parker contract: who parks where, on which product, at which net price."""

    __tablename__ = "season_contract"
    __table_args__ = (
        UniqueConstraint("tenant", "number", name="uq_contract_tenant_number"),
        Index("ix_contract_tenant_status", "tenant", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64))
    number: Mapped[str] = mapped_column(String(32))                # e.g. "SP-000042"
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("season_product.id"))
    monthly_price_cents: Mapped[int] = mapped_column(Integer)      # net, after any discount
    discount_percent: Mapped[float] = mapped_column(Numeric(5, 2), default=0)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date, default=None)   # last day covered
    # pending | active | suspended | terminated
    status: Mapped[str] = mapped_column(String(16), default="pending")
    payment_method: Mapped[str | None] = mapped_column(String(8), default=None)  # card | sepa
    payment_token: Mapped[str | None] = mapped_column(String(128), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Added by the onboarding (statuses: seasonparking.status.ContractStatus, which adds
    # "cancelled" for a drafted contract whose application was refused).
    payment_label: Mapped[str | None] = mapped_column(String(64), default=None)
    notice_given_on: Mapped[date | None] = mapped_column(Date, default=None)
    application_id: Mapped[int | None] = mapped_column(Integer, default=None)

    customer: Mapped[Customer] = relationship()
    site: Mapped[Site] = relationship()
    product: Mapped[Product] = relationship()
    vehicles: Mapped[list["ContractVehicle"]] = relationship(
        order_by="ContractVehicle.id",
        primaryjoin="and_(Contract.id == ContractVehicle.contract_id, "
                    "ContractVehicle.removed_on.is_(None))", viewonly=True)


class ContractVehicle(Base):
    """A vehicle parking under a contract, from `added_on` until `removed_on` (history kept)."""

    __tablename__ = "season_contract_vehicle"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("season_contract.id"), index=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicle.id"))
    added_on: Mapped[date] = mapped_column(Date)
    removed_on: Mapped[date | None] = mapped_column(Date, default=None)

    contract: Mapped[Contract] = relationship()
    vehicle: Mapped[Vehicle] = relationship()


class Application(Base):
    """A request for a season contract, from the public form, the back office or the API.

    Card numbers and IBANs never land here: only the provider's token and a safe label.
    """

    __tablename__ = "season_application"
    __table_args__ = (
        UniqueConstraint("tenant", "number", name="uq_application_tenant_number"),
        Index("ix_application_site_status", "tenant", "site_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64))
    number: Mapped[str] = mapped_column(String(32))                 # e.g. "SA-000007"
    status: Mapped[str] = mapped_column(String(16))                 # status.ApplicationStatus
    channel: Mapped[str] = mapped_column(String(16))                # web | back-office | api
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("season_product.id"))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40), default=None)
    language: Mapped[str] = mapped_column(String(8), default="en")
    vehicles: Mapped[list] = mapped_column(JSON, default=list)     # [{plate, country, warning}]
    starts_on: Mapped[date] = mapped_column(Date)
    term_months: Mapped[int] = mapped_column(Integer, default=0)    # 0: monthly rolling
    discount_percent: Mapped[int] = mapped_column(Integer, default=0)
    monthly_price_cents: Mapped[int | None] = mapped_column(Integer, default=None)
    payment_method: Mapped[str | None] = mapped_column(String(8), default=None)  # card | sepa
    payment_token: Mapped[str | None] = mapped_column(String(128), default=None)
    payment_label: Mapped[str | None] = mapped_column(String(64), default=None)
    payment_status: Mapped[str | None] = mapped_column(String(16), default=None)
    payment_message: Mapped[str | None] = mapped_column(String(255), default=None)
    payment_attempts: Mapped[int] = mapped_column(Integer, default=0)
    payment_check_key: Mapped[str | None] = mapped_column(String(128), default=None)
    holds_place: Mapped[bool] = mapped_column(Boolean, default=False)
    waitlisted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    unusual: Mapped[list] = mapped_column(JSON, default=list)       # reasons, for the supervisor
    notes: Mapped[str | None] = mapped_column(Text, default=None)
    refusal_reason: Mapped[str | None] = mapped_column(String(500), default=None)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"), default=None)
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("season_contract.id"),
                                                    default=None)
    instance_id: Mapped[int | None] = mapped_column(Integer, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(128))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    site: Mapped[Site] = relationship()
    product: Mapped[Product] = relationship()
    contract: Mapped[Contract | None] = relationship()
