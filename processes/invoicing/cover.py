"""What a contract's invoices cover: the paid-up day and the day access is covered until.

The one rule (processes.seasonparking.paid applies it to a contract, every credential date
comes from there), over the contract's invoices (kind "invoice") taken in period order:

- a PAID invoice covers its period ("paid up to" is the end of the latest paid period);
- an OPEN invoice still within its payment term (`due_on` >= today, site time) covers its
  period too: invoices are issued in advance with a payment term, and a transfer payer must
  not be locked out before the money can arrive;
- the first OPEN invoice past its due day stops the cover: access is covered up to the end of
  the last period before it that is paid or in term (the day before its period when there is
  none); later invoices, even paid ones, do not count until it is settled (dunning handles it);
- a CREDITED invoice (cancelled, nothing owed) neither covers nor stops;
- no invoice at all (a new contract before its first invoice): no limit yet (None).
"""
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from .models import Invoice


@dataclass(frozen=True)
class Billed:
    """What the cover rule reads of one invoice."""

    period_start: date
    period_end: date
    status: str          # open | paid | credited
    due_on: date


@dataclass(frozen=True)
class Cover:
    """`paid_up_to`: end of the latest paid period (None: nothing paid); `covered_until`: the
    last day covered by periods paid or still in term, before the first overdue one (None:
    nothing limits it yet)."""

    paid_up_to: date | None
    covered_until: date | None


def cover_of(invoices, today):
    """The Cover of a contract's invoices (any order) on local day `today`."""
    paid_up_to = covered_until = None
    limited = False
    for invoice in sorted(invoices, key=lambda i: (i.period_start, i.period_end)):
        if invoice.status == "paid":
            paid_up_to = _later(paid_up_to, invoice.period_end)
        if limited:
            continue
        if invoice.status == "paid" or (invoice.status == "open" and invoice.due_on >= today):
            covered_until = _later(covered_until, invoice.period_end)
        elif invoice.status == "open":              # past due and unpaid: the cover stops
            limited = True
            if covered_until is None:
                covered_until = invoice.period_start - timedelta(days=1)
    return Cover(paid_up_to, covered_until)


def billed_of(session, contract_ids):
    """{contract id: [Billed]} of the contracts' invoices (one query; missing: no invoice)."""
    found = {}
    if not contract_ids:
        return found
    rows = session.execute(select(
        Invoice.contract_id, Invoice.period_start, Invoice.period_end, Invoice.status,
        Invoice.due_on).where(Invoice.contract_id.in_(list(contract_ids)),
                              Invoice.kind == "invoice"))
    for contract_id, start, end, status, due_on in rows:
        found.setdefault(contract_id, []).append(Billed(start, end, status, due_on))
    return found


def covers_of(session, contract_ids, today_of):
    """{contract id: Cover} for every contract id; `today_of(contract_id)` its local day."""
    billed = billed_of(session, contract_ids)
    return {cid: cover_of(billed.get(cid, ()), today_of(cid)) for cid in contract_ids}


def _later(day, other):
    return other if day is None or other > day else day
