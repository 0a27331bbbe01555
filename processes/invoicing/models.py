"""Invoicing tables. Money is integer cents; VAT rates are Decimal fractions (0.2100).

An issued invoice (or credit note) is a legal document: its number, dates, amounts and lines
never change once written. `guard` below refuses such an update or a delete at the ORM level;
only the collection state (status, paid/credited amounts, dunning level) moves.
"""
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (Date, ForeignKey, Index, Integer, Numeric, String, Text,
                        UniqueConstraint, event, inspect)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine import Base
from engine.store import UTCDateTime


class InvoiceImmutable(Exception):
    """An attempt to edit or delete an issued invoice; correct it with a credit note."""


class InvoicingSettings(Base):
    """A tenant's invoicing settings; a tenant without a row uses processes.invoicing.defaults."""

    __tablename__ = "invoicing_settings"

    tenant: Mapped[str] = mapped_column(String(64), primary_key=True)
    vat_rate: Mapped[Decimal] = mapped_column(Numeric(6, 4))          # 0.2100 = 21 %
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    payment_term_days: Mapped[int] = mapped_column(Integer, default=14)
    alert_email: Mapped[str | None] = mapped_column(String(254), default=None)


class NumberCounter(Base):
    """The last number handed out in one series of one tenant and year (gapless numbering)."""

    __tablename__ = "invoicing_counter"

    tenant: Mapped[str] = mapped_column(String(64), primary_key=True)
    series: Mapped[str] = mapped_column(String(8), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class InvoicingRun(Base):
    """One monthly run of a tenant: what it was asked to do and how far it got."""

    __tablename__ = "invoicing_run"
    __table_args__ = (Index("ix_invoicing_run_tenant_started", "tenant", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(String(7))                    # "2026-03"
    status: Mapped[str] = mapped_column(String(16), default="running")  # running|done|failed
    total: Mapped[int] = mapped_column(Integer, default=0)            # contracts to look at
    processed: Mapped[int] = mapped_column(Integer, default=0)
    issued: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)          # already invoiced
    charged: Mapped[int] = mapped_column(Integer, default=0)          # first charge succeeded
    declined: Mapped[int] = mapped_column(Integer, default=0)         # collection process started
    message: Mapped[str | None] = mapped_column(Text, default=None)
    started_by: Mapped[str | None] = mapped_column(String(128), default=None)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class Invoice(Base):
    """An invoice (kind "invoice") or a credit note (kind "credit_note"), amounts positive."""

    __tablename__ = "invoicing_invoice"
    __table_args__ = (
        UniqueConstraint("tenant", "number", name="uq_invoice_tenant_number"),
        # One invoice per contract and month; credit notes have no billing_period (NULL).
        UniqueConstraint("contract_id", "billing_period", name="uq_invoice_contract_period"),
        Index("ix_invoice_tenant_issued", "tenant", "issued_on"),
        Index("ix_invoice_tenant_status_due", "tenant", "status", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(12), default="invoice")
    number: Mapped[str] = mapped_column(String(24))
    contract_id: Mapped[int] = mapped_column(ForeignKey("season_contract.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    billing_period: Mapped[str | None] = mapped_column(String(7), default=None)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)                    # last day covered
    issued_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    net_cents: Mapped[int] = mapped_column(Integer)
    vat_cents: Mapped[int] = mapped_column(Integer)
    gross_cents: Mapped[int] = mapped_column(Integer)
    credits_invoice_id: Mapped[int | None] = mapped_column(
        ForeignKey("invoicing_invoice.id"), default=None)
    reason: Mapped[str | None] = mapped_column(String(500), default=None)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("invoicing_run.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str | None] = mapped_column(String(128), default=None)
    # Collection state: the only columns that change after issue.
    status: Mapped[str] = mapped_column(String(16), default="open")   # open|paid|credited|suspended
    paid_cents: Mapped[int] = mapped_column(Integer, default=0)
    credited_cents: Mapped[int] = mapped_column(Integer, default=0)
    paid_on: Mapped[date | None] = mapped_column(Date, default=None)
    dunning_level: Mapped[int] = mapped_column(Integer, default=0)   # 0 none, 1 reminder, 2 final

    lines: Mapped[list["InvoiceLine"]] = relationship(
        order_by="InvoiceLine.position", lazy="selectin")

    @property
    def open_cents(self):
        """What is still to be paid (0 for a credit note)."""
        if self.kind != "invoice":
            return 0
        return max(self.gross_cents - self.paid_cents - self.credited_cents, 0)


class InvoiceLine(Base):
    """One line of an invoice; its VAT is rounded on its own (ROUND_HALF_UP to the cent)."""

    __tablename__ = "invoicing_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoicing_invoice.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=1)
    description: Mapped[str] = mapped_column(String(300))
    revenue_stream: Mapped[str] = mapped_column(String(32))
    days: Mapped[int] = mapped_column(Integer)                        # days covered
    net_cents: Mapped[int] = mapped_column(Integer)
    vat_rate: Mapped[Decimal] = mapped_column(Numeric(6, 4))
    vat_cents: Mapped[int] = mapped_column(Integer)


class PaymentAttempt(Base):
    """One charge of an invoice through the payment provider, keyed for idempotency."""

    __tablename__ = "invoicing_payment_attempt"
    __table_args__ = (UniqueConstraint("idempotency_key", name="uq_payment_attempt_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64))
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoicing_invoice.id"), index=True)
    attempt: Mapped[int] = mapped_column(Integer)
    idempotency_key: Mapped[str] = mapped_column(String(100))
    amount_cents: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))   # succeeded | soft_declined | hard_declined
    provider_ref: Mapped[str | None] = mapped_column(String(100), default=None)
    message: Mapped[str | None] = mapped_column(String(300), default=None)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class Payment(Base):
    """Money received for a contract; allocated to its invoices (see PaymentAllocation)."""

    __tablename__ = "invoicing_payment"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64))
    contract_id: Mapped[int] = mapped_column(ForeignKey("season_contract.id"), index=True)
    amount_cents: Mapped[int] = mapped_column(Integer)
    unallocated_cents: Mapped[int] = mapped_column(Integer, default=0)
    method: Mapped[str] = mapped_column(String(16))       # card | sepa | transfer | cash
    reference: Mapped[str | None] = mapped_column(String(100), default=None)
    received_on: Mapped[date] = mapped_column(Date)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by: Mapped[str | None] = mapped_column(String(128), default=None)


class PaymentAllocation(Base):
    """The part of a payment that settles one invoice."""

    __tablename__ = "invoicing_allocation"

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("invoicing_payment.id"), index=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoicing_invoice.id"), index=True)
    amount_cents: Mapped[int] = mapped_column(Integer)


class DunningNotice(Base):
    """A reminder (level 1) or final notice (level 2) sent for an invoice, once per level."""

    __tablename__ = "invoicing_dunning_notice"
    __table_args__ = (UniqueConstraint("invoice_id", "level", name="uq_dunning_invoice_level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64))
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoicing_invoice.id"))
    level: Mapped[int] = mapped_column(Integer)
    sent_to: Mapped[str | None] = mapped_column(String(254), default=None)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Alert(Base):
    """An anomaly found in the figures, shown on the dashboard and e-mailed once."""

    __tablename__ = "invoicing_alert"
    __table_args__ = (UniqueConstraint("tenant", "kind", "key", name="uq_alert_tenant_kind_key"),
                      Index("ix_alert_tenant_created", "tenant", "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))       # revenue_out_of_range | unpaid_credential
    key: Mapped[str] = mapped_column(String(100))       # what makes it the same alert again
    day: Mapped[date] = mapped_column(Date)
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    emailed_to: Mapped[str | None] = mapped_column(Text, default=None)


# Columns of an issued invoice that may still change: its collection state.
COLLECTION_STATE = frozenset({"status", "paid_cents", "credited_cents", "paid_on",
                              "dunning_level"})


@event.listens_for(Invoice, "before_update")
def _refuse_invoice_edit(_mapper, _connection, invoice):
    changed = {attr.key for attr in inspect(invoice).attrs if attr.history.has_changes()}
    frozen = changed - COLLECTION_STATE - {"lines"}
    if frozen:
        raise InvoiceImmutable(f"invoice {invoice.number} is issued; {', '.join(sorted(frozen))} "
                               "cannot change (issue a credit note instead)")


@event.listens_for(Invoice, "before_delete")
def _refuse_invoice_delete(_mapper, _connection, invoice):
    raise InvoiceImmutable(f"invoice {invoice.number} is issued and cannot be deleted")


@event.listens_for(InvoiceLine, "before_update")
def _refuse_line_edit(_mapper, _connection, line):
    raise InvoiceImmutable("the lines of an issued invoice cannot change")


@event.listens_for(InvoiceLine, "before_delete")
def _refuse_line_delete(_mapper, _connection, line):
    raise InvoiceImmutable("the lines of an issued invoice cannot be deleted")
