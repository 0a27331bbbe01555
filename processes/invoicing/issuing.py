"""Issuing invoices and credit notes: the draft of one contract's month, and bulk issue.

A contract is billed for a month when it is active and covers at least one day of it; the
month is billed in advance (issued before or at its start), prorated by day when the contract
starts or ends inside it (processes.invoicing.money). Numbers come from numbering, in the same
transaction as the insert.
"""
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select

from engine import clock
from processes.accounts.models import Tenant
from processes.seasonparking.models import Contract

from . import defaults, money
from .models import Invoice, InvoiceLine, InvoicingSettings
from .numbering import next_numbers


@dataclass(frozen=True)
class Terms:
    """What a tenant's invoices are made with."""

    vat_rate: Decimal
    currency: str
    payment_term_days: int
    timezone: str


@dataclass(frozen=True)
class Draft:
    """One contract's invoice for one month, before it has a number."""

    contract_id: int
    customer_id: int
    site_id: int
    period_start: date
    period_end: date
    days: int
    net_cents: int
    vat_rate: Decimal
    vat_cents: int
    description: str

    @property
    def gross_cents(self):
        """Net plus VAT."""
        return self.net_cents + self.vat_cents


class CreditRefused(ValueError):
    """A credit note that cannot be issued; `errors` holds a message per field."""

    def __init__(self, errors):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def terms_of(session, tenant):
    """The tenant's VAT rate, currency, payment term and time zone (defaults when unset)."""
    row = session.get(InvoicingSettings, tenant)
    zone = session.scalar(select(Tenant.timezone).where(Tenant.key == tenant)) or "UTC"
    if row is None:
        return Terms(defaults.VAT_RATE, defaults.CURRENCY, defaults.PAYMENT_TERM_DAYS, zone)
    return Terms(Decimal(row.vat_rate), row.currency, row.payment_term_days, zone)


def local_today(terms):
    """Today's date in the tenant's time zone."""
    return clock.now().astimezone(ZoneInfo(terms.timezone)).date()


def billable_contracts_query(tenant, first, last):
    """Active contracts of `tenant` covering at least one day of [first, last], by id."""
    return (select(Contract.id, Contract.number, Contract.customer_id, Contract.site_id,
                   Contract.monthly_price_cents, Contract.starts_on, Contract.ends_on)
            .where(Contract.tenant == tenant, Contract.status == "active",
                   Contract.starts_on <= last,
                   (Contract.ends_on.is_(None)) | (Contract.ends_on >= first))
            .order_by(Contract.id))


def draft_invoice(contract, first, last, vat_rate):
    """The Draft of `contract` (a row with the billable columns) for [first, last], or None."""
    days = money.covered_days(contract.starts_on, contract.ends_on, first, last)
    if days == 0:
        return None
    in_month = (last - first).days + 1
    net = money.prorate(contract.monthly_price_cents, days, in_month)
    span = "" if days == in_month else f" ({days}/{in_month} days)"
    return Draft(contract.id, contract.customer_id, contract.site_id,
                 max(contract.starts_on, first),
                 last if contract.ends_on is None else min(contract.ends_on, last),
                 days, net, vat_rate, money.vat_of(net, vat_rate),
                 f"Season parking {contract.number}, {money.period_of(first)}{span}")


def issue_drafts(session, tenant, period, drafts, terms, today, run_id=None, actor=None):
    """Insert the drafts as numbered invoices with their lines, in bulk; returns how many."""
    if not drafts:
        return 0
    numbers = next_numbers(session, tenant, defaults.INVOICE_SERIES, today.year, len(drafts))
    now = clock.now()
    due = today + timedelta(days=terms.payment_term_days)
    rows = [dict(tenant=tenant, kind="invoice", number=number, contract_id=d.contract_id,
                 customer_id=d.customer_id, site_id=d.site_id, billing_period=period,
                 period_start=d.period_start, period_end=d.period_end, issued_on=today,
                 due_on=due, currency=terms.currency, net_cents=d.net_cents,
                 vat_cents=d.vat_cents, gross_cents=d.gross_cents, run_id=run_id,
                 created_at=now, created_by=actor, status="open", paid_cents=0,
                 credited_cents=0, dunning_level=0)
            for number, d in zip(numbers, drafts)]
    ids = session.scalars(insert(Invoice).returning(Invoice.id, sort_by_parameter_order=True),
                          rows).all()
    session.execute(insert(InvoiceLine), [
        dict(invoice_id=invoice_id, position=1, description=d.description,
             revenue_stream=defaults.REVENUE_STREAM, days=d.days, net_cents=d.net_cents,
             vat_rate=d.vat_rate, vat_cents=d.vat_cents)
        for invoice_id, d in zip(ids, drafts)])
    return len(drafts)


def issue_for_contracts(session, tenant, period, contract_rows, terms, today, run_id=None,
                        actor=None):
    """Issue `period`'s invoice for each contract row not yet invoiced; (issued, skipped).
    The access credentials of the contracts invoiced are re-dated in the same transaction: an
    invoice within its payment term covers its period (processes.seasonparking.paid)."""
    from processes.seasonparking.credentials import redate_access
    first, last = money.parse_period(period)
    ids = [row.id for row in contract_rows]
    invoiced = set(session.scalars(select(Invoice.contract_id).where(
        Invoice.contract_id.in_(ids), Invoice.billing_period == period)))
    drafts = [draft_invoice(row, first, last, terms.vat_rate)
              for row in contract_rows if row.id not in invoiced]
    drafts = [d for d in drafts if d is not None]
    issued = issue_drafts(session, tenant, period, drafts, terms, today, run_id, actor)
    redate_access(session, tenant, [d.contract_id for d in drafts])
    return issued, len(contract_rows) - issued


def issue_credit_note(session, tenant, invoice_id, amount_cents, reason, actor):
    """Credit (part of) an invoice with a numbered credit note; returns the credit note."""
    invoice = session.get(Invoice, invoice_id)
    if invoice is None or invoice.tenant != tenant or invoice.kind != "invoice":
        raise LookupError(f"no invoice {invoice_id}")
    creditable = invoice.gross_cents - invoice.credited_cents
    errors = {}
    if not isinstance(amount_cents, int) or not 0 < amount_cents <= creditable:
        errors["amount_cents"] = (f"Enter an amount from 0.01 to {money.euros(creditable)}."
                                  if creditable else "This invoice is fully credited already.")
    if not (reason or "").strip():
        errors["reason"] = "Say why the invoice is credited."
    if errors:
        raise CreditRefused(errors)
    terms = terms_of(session, tenant)
    today = local_today(terms)
    line_rate = invoice.lines[0].vat_rate if invoice.lines else terms.vat_rate
    # Split the credited gross back into net and VAT at the invoice's rate; VAT rounded as on
    # invoices, net takes the rest so that net + VAT is exactly the amount credited.
    net = int((Decimal(amount_cents) / (1 + Decimal(line_rate))).quantize(
        money.CENT, rounding=ROUND_HALF_UP))
    vat = amount_cents - net
    [number] = next_numbers(session, tenant, defaults.CREDIT_NOTE_SERIES, today.year, 1)
    note = Invoice(tenant=tenant, kind="credit_note", number=number,
                   contract_id=invoice.contract_id, customer_id=invoice.customer_id,
                   site_id=invoice.site_id, billing_period=None,
                   period_start=invoice.period_start, period_end=invoice.period_end,
                   issued_on=today, due_on=today, currency=invoice.currency, net_cents=net,
                   vat_cents=vat, gross_cents=amount_cents, credits_invoice_id=invoice.id,
                   reason=reason.strip()[:500], created_at=clock.now(), created_by=actor,
                   status="issued", paid_cents=0, credited_cents=0, dunning_level=0)
    note.lines = [InvoiceLine(position=1, description=f"Credit on {invoice.number}: "
                              f"{reason.strip()[:200]}", revenue_stream=_stream(invoice),
                              days=0, net_cents=net, vat_rate=line_rate, vat_cents=vat)]
    session.add(note)
    invoice.credited_cents += amount_cents
    if invoice.open_cents == 0 and invoice.status == "open":
        invoice.status = "credited" if invoice.paid_cents == 0 else "paid"
    session.flush()
    return note


def _stream(invoice):
    return invoice.lines[0].revenue_stream if invoice.lines else defaults.REVENUE_STREAM
