"""The daily accounting journal: one line per revenue stream x site x VAT rate.

A day's journal sums the lines of the invoices issued that day (the tenant's calendar day),
credit notes counted negative, so the accounting system books revenue and VAT per stream,
car park and rate. Amounts are decimal strings with two places; the rate is a percentage.
"""
import csv
import io
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import case, func, select

from processes.bookings.models import Site

from . import money
from .models import Invoice, InvoiceLine

HEADER = ("date", "revenue_stream", "site", "vat_rate_percent", "net", "vat", "gross",
          "currency", "invoices", "credit_notes")


@dataclass(frozen=True)
class JournalLine:
    """Sums of one revenue stream at one site at one VAT rate on one day."""

    stream: str
    site: str
    vat_rate: Decimal
    currency: str
    net_cents: int
    vat_cents: int
    invoices: int
    credit_notes: int

    @property
    def gross_cents(self):
        """Net plus VAT."""
        return self.net_cents + self.vat_cents


def journal(session, tenant, day):
    """The JournalLines of `day`, sorted by stream, site and rate."""
    sign = case((Invoice.kind == "credit_note", -1), else_=1)
    rows = session.execute(
        select(InvoiceLine.revenue_stream, Site.code, InvoiceLine.vat_rate, Invoice.currency,
               func.sum(sign * InvoiceLine.net_cents), func.sum(sign * InvoiceLine.vat_cents),
               func.count(func.distinct(case((Invoice.kind == "invoice", Invoice.id)))),
               func.count(func.distinct(case((Invoice.kind == "credit_note", Invoice.id)))))
        .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
        .join(Site, Site.id == Invoice.site_id)
        .where(Invoice.tenant == tenant, Invoice.issued_on == day)
        .group_by(InvoiceLine.revenue_stream, Site.code, InvoiceLine.vat_rate, Invoice.currency)
        .order_by(InvoiceLine.revenue_stream, Site.code, InvoiceLine.vat_rate))
    return [JournalLine(stream, site, Decimal(rate), currency, int(net), int(vat), n, c)
            for stream, site, rate, currency, net, vat, n, c in rows]


def journal_csv(session, tenant, day):
    """The journal of `day` as CSV text (header line first)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for line in journal(session, tenant, day):
        writer.writerow((day.isoformat(), line.stream, line.site, _percent(line.vat_rate),
                         money.euros(line.net_cents), money.euros(line.vat_cents),
                         money.euros(line.gross_cents), line.currency, line.invoices,
                         line.credit_notes))
    return out.getvalue()


def _percent(rate):
    return str((Decimal(rate) * 100).quantize(Decimal("0.01")))
