"""Product and Contract tables (more of the season-parker domain lives beside them).

Money is integer cents; dates of a contract are calendar dates in the site's time zone.
"""
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine import Base
from engine.store import UTCDateTime
from processes.bookings.models import Customer, Site


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

    customer: Mapped[Customer] = relationship()
    site: Mapped[Site] = relationship()
    product: Mapped[Product] = relationship()
