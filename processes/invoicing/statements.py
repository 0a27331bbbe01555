"""Daily, weekly and monthly statements: revenue, invoices issued/paid/overdue, ageing,
occurrence and penalty counts, and a per-day series for the charts.

Days are the tenant's calendar days; a week runs Monday to Sunday (ISO). Revenue is what was
invoiced (net, credit notes deducted) by issue date; collected is what was received. Overdue
and ageing are open invoices past their due date as the statement's last day sees them
(days past due = last day - due date), in the buckets of defaults.AGEING_BUCKETS.
"""
import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select

from . import defaults, money
from .issuing import terms_of
from .models import Invoice, Payment

KINDS = ("day", "week", "month")
NO_OCCURRENCES = "Occurrence counts are 0: the occurrences module is not installed."
NO_PENALTIES = "Penalty counts are 0: the penalties module is not installed."


class InvalidStatement(ValueError):
    """A statement asked for with an unknown kind or a bad date; `errors` per field."""

    def __init__(self, errors):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass
class Statement:
    """The figures of one day, week or month."""

    kind: str
    first: date
    last: date
    currency: str
    revenue_cents: int = 0
    vat_cents: int = 0
    collected_cents: int = 0
    issued: int = 0
    credit_notes: int = 0
    paid: int = 0
    overdue: int = 0
    overdue_cents: int = 0
    ageing: list = field(default_factory=list)       # [(label, count, cents)]
    occurrences: int = 0
    penalties: int = 0
    series: list = field(default_factory=list)       # [(day, revenue cents, collected cents)]
    notes: list = field(default_factory=list)


def parse_request(kind, day_text, today):
    """(kind, day) from query values; day defaults to today; InvalidStatement per field."""
    errors = {}
    kind = kind or "day"
    if kind not in KINDS:
        errors["period"] = f"Choose one of: {', '.join(KINDS)}."
    day = today
    if day_text:
        try:
            day = date.fromisoformat(day_text)
        except ValueError:
            errors["date"] = "Enter a date as YYYY-MM-DD."
    if errors:
        raise InvalidStatement(errors)
    return kind, day


def bounds(kind, day):
    """First and last day of the statement of `kind` holding `day`."""
    if kind == "day":
        return day, day
    if kind == "week":
        first = day - timedelta(days=day.weekday())
        return first, first + timedelta(days=6)
    return money.parse_period(money.period_of(day))


def statement(session, tenant, kind, day):
    """The Statement of `kind` (day|week|month) holding `day`."""
    first, last = bounds(kind, day)
    terms = terms_of(session, tenant)
    result = Statement(kind, first, last, terms.currency)
    _revenue(session, tenant, result)
    _collected(session, tenant, result)
    _overdue(session, tenant, result)
    start, end = _utc_range(first, last, terms.timezone)
    result.occurrences = _count_rows(session, tenant, start, end, "occurrences", result)
    result.penalties = _count_rows(session, tenant, start, end, "penalties", result)
    return result


def daily_revenue(session, tenant, first, last):
    """{day: revenue cents} for [first, last] (invoiced net minus credit notes), zeros kept."""
    sign = case((Invoice.kind == "credit_note", -1), else_=1)
    rows = session.execute(select(Invoice.issued_on, func.sum(sign * Invoice.net_cents))
                           .where(Invoice.tenant == tenant, Invoice.issued_on >= first,
                                  Invoice.issued_on <= last).group_by(Invoice.issued_on))
    found = {d: int(v) for d, v in rows}
    return {d: found.get(d, 0) for d in _days(first, last)}


def _revenue(session, tenant, result):
    sign = case((Invoice.kind == "credit_note", -1), else_=1)
    net, vat, issued, notes = session.execute(
        select(func.coalesce(func.sum(sign * Invoice.net_cents), 0),
               func.coalesce(func.sum(sign * Invoice.vat_cents), 0),
               func.count(case((Invoice.kind == "invoice", 1))),
               func.count(case((Invoice.kind == "credit_note", 1))))
        .where(Invoice.tenant == tenant, Invoice.issued_on >= result.first,
               Invoice.issued_on <= result.last)).one()
    result.revenue_cents, result.vat_cents = int(net), int(vat)
    result.issued, result.credit_notes = issued, notes
    result.paid = session.scalar(select(func.count()).select_from(Invoice).where(
        Invoice.tenant == tenant, Invoice.paid_on >= result.first,
        Invoice.paid_on <= result.last))


def _collected(session, tenant, result):
    rows = dict(session.execute(
        select(Payment.received_on, func.sum(Payment.amount_cents))
        .where(Payment.tenant == tenant, Payment.received_on >= result.first,
               Payment.received_on <= result.last).group_by(Payment.received_on)).all())
    result.collected_cents = int(sum(rows.values()))
    revenue = daily_revenue(session, tenant, result.first, result.last)
    result.series = [(d, revenue[d], int(rows.get(d, 0))) for d in _days(result.first,
                                                                          result.last)]


def _overdue(session, tenant, result):
    rows = session.execute(
        select(Invoice.due_on, Invoice.gross_cents - Invoice.paid_cents - Invoice.credited_cents)
        .where(Invoice.tenant == tenant, Invoice.kind == "invoice", Invoice.status == "open",
               Invoice.due_on < result.last, Invoice.issued_on <= result.last)).all()
    buckets = [[_label(low, high), 0, 0] for low, high in defaults.AGEING_BUCKETS]
    for due_on, open_cents in rows:
        late = (result.last - due_on).days
        for bucket, (low, high) in zip(buckets, defaults.AGEING_BUCKETS):
            if late >= max(low, 1) and (high is None or late <= high):
                bucket[1] += 1
                bucket[2] += int(open_cents)
    result.overdue = len(rows)
    result.overdue_cents = int(sum(cents for _, cents in rows))
    result.ageing = [tuple(b) for b in buckets]


def _label(low, high):
    return f"{max(low, 1)}-{high} days" if high is not None else f"over {low - 1} days"


def _count_rows(session, tenant, start, end, family, result):
    """Rows of the occurrences / penalties families created in [start, end), if installed."""
    try:
        if family == "occurrences":
            from processes.occurrences.models import Occurrence as model
        else:
            from processes.penalties.models import Infraction as model
    except ImportError:
        result.notes.append(NO_OCCURRENCES if family == "occurrences" else NO_PENALTIES)
        return 0
    return session.scalar(select(func.count()).select_from(model).where(
        model.tenant == tenant, model.created_at >= start, model.created_at < end))


def _utc_range(first, last, zone):
    tz = ZoneInfo(zone)
    start = datetime.combine(first, time(), tz).astimezone(timezone.utc)
    end = datetime.combine(last + timedelta(days=1), time(), tz).astimezone(timezone.utc)
    return start, end


def _days(first, last):
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def statement_csv(result):
    """The statement as CSV: a figures section, the ageing buckets, then the daily series."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    euros = money.euros
    writer.writerow(("statement", result.kind, result.first.isoformat(), result.last.isoformat(),
                     result.currency))
    for name, value in (("revenue_net", euros(result.revenue_cents)),
                        ("vat", euros(result.vat_cents)),
                        ("collected", euros(result.collected_cents)),
                        ("invoices_issued", result.issued), ("credit_notes", result.credit_notes),
                        ("invoices_paid", result.paid), ("invoices_overdue", result.overdue),
                        ("overdue_amount", euros(result.overdue_cents)),
                        ("occurrences", result.occurrences), ("penalties", result.penalties)):
        writer.writerow(("figure", name, value))
    for label, count, cents in result.ageing:
        writer.writerow(("ageing", label, count, euros(cents)))
    for day, revenue, collected in result.series:
        writer.writerow(("day", day.isoformat(), euros(revenue), euros(collected)))
    for note in result.notes:
        writer.writerow(("note", note))
    return out.getvalue()
