"""Collection: charging invoices through the payment provider, and allocating payments.

Charges are made outside any write transaction (the provider may be slow) and recorded after;
the idempotency key "<tenant>:<invoice number>:<attempt>" makes a repeated charge (after a
crash between charging and recording) answer the first result without moving money twice.

Allocation: a payment made for an invoice (a charge) settles that invoice first; what is left,
and any payment without an invoice (a transfer, cash), settles the contract's open invoices
oldest first (earliest period, then number).
"""
from dataclasses import dataclass

from sqlalchemy import bindparam, exists, insert, select, update
from sqlalchemy.orm import Session

from engine import clock
from engine.db import writer
from processes.seasonparking.models import Contract

from . import defaults
from .issuing import local_today, terms_of
from .models import Invoice, Payment, PaymentAllocation, PaymentAttempt

SUCCEEDED, SOFT, HARD = "succeeded", "soft_declined", "hard_declined"
NO_METHOD = "no payment method on the contract"


@dataclass(frozen=True)
class Outcome:
    """What one collection attempt came to."""

    attempt: int
    status: str          # succeeded | soft_declined | hard_declined | already_paid
    paid: bool
    message: str = ""


@dataclass(frozen=True)
class RetryPlan:
    """Whether another charge follows attempt `attempt`, and after how long (ISO duration)."""

    retries_left: bool
    delay: str


def retry_plan(attempt, status, offsets=defaults.RETRY_OFFSETS_DAYS):
    """After failed attempt `attempt` (1 = the run's charge): retry at the offsets' days after
    the first attempt while the decline is soft; a hard decline goes to dunning at once."""
    if status != SOFT or attempt > len(offsets):
        return RetryPlan(False, "")
    previous = offsets[attempt - 2] if attempt >= 2 else 0
    return RetryPlan(True, f"P{offsets[attempt - 1] - previous}D")


def idempotency_key(tenant, number, attempt):
    """The provider key of one attempt: retried calls of the same attempt never charge twice."""
    return f"{tenant}:{number}:{attempt}"


def charge_invoice(db_engine, provider, invoice_id, attempt):
    """Charge what is open on an invoice (attempt n), record it; the Outcome."""
    with Session(db_engine) as session:
        invoice = session.get(Invoice, invoice_id)
        contract = session.get(Contract, invoice.contract_id)
        target = _ChargeTarget.of(invoice, contract)
    if target.open_cents == 0:
        return Outcome(attempt, "already_paid", True)
    result = _charge(provider, target, attempt)
    with Session(writer(db_engine)) as session, session.begin():
        return record_attempt(session, target, attempt, result)


def record_attempt(session, target, attempt, result):
    """Store one attempt (once per idempotency key) and, when it succeeded, the payment."""
    key = idempotency_key(target.tenant, target.number, attempt)
    if session.scalar(select(PaymentAttempt.id).where(PaymentAttempt.idempotency_key == key)):
        paid = session.get(Invoice, target.invoice_id).open_cents == 0
        return Outcome(attempt, result.status, paid, result.message)
    session.add(PaymentAttempt(tenant=target.tenant, invoice_id=target.invoice_id,
                               attempt=attempt, idempotency_key=key,
                               amount_cents=target.open_cents, status=result.status,
                               provider_ref=result.provider_ref,
                               message=(result.message or "")[:300], at=clock.now()))
    if result.status != SUCCEEDED:
        return Outcome(attempt, str(result.status), False, result.message or "")
    record_payment(session, target.tenant, target.contract_id, target.open_cents,
                   target.method, result.provider_ref, invoice_id=target.invoice_id)
    paid = session.get(Invoice, target.invoice_id).open_cents == 0
    return Outcome(attempt, SUCCEEDED, paid, result.message or "")


def record_payment(session, tenant, contract_id, amount_cents, method, reference=None,
                   invoice_id=None, received_on=None, actor=None):
    """Record money received for a contract and allocate it; returns the Payment."""
    if not isinstance(amount_cents, int) or amount_cents <= 0:
        raise ValueError("a payment is a positive number of cents")
    today = received_on or local_today(terms_of(session, tenant))
    payment = Payment(tenant=tenant, contract_id=contract_id, amount_cents=amount_cents,
                      unallocated_cents=amount_cents, method=method, reference=reference,
                      received_on=today, received_at=clock.now(), recorded_by=actor)
    session.add(payment)
    session.flush()
    allocate(session, payment, invoice_id)
    access_follows_payment(session, contract_id, actor)
    return payment


def access_follows_payment(session, contract_id, actor=None):
    """After money came in: an active contract's plates are whitelisted up to its new paid-up
    day (again, when the nightly housekeeping revoked them after the previous paid day); a
    suspended one with nothing overdue left is reinstated."""
    from processes.seasonparking.contracts import reinstate_contract
    from processes.seasonparking.credentials import grant_access
    contract = session.get(Contract, contract_id)
    if contract is None:
        return
    if contract.status == "suspended":
        today = local_today(terms_of(session, contract.tenant))
        if not any(invoice.due_on < today for invoice in open_invoices_of(session, contract_id)):
            reinstate_contract(session, contract, actor or "invoicing",
                               "every overdue invoice is paid")
    elif contract.status == "active":
        grant_access(session, contract)


def allocate(session, payment, invoice_id=None):
    """Settle the named invoice first, then the contract's open invoices oldest first."""
    ordered = list(session.scalars(
        select(Invoice).where(Invoice.contract_id == payment.contract_id,
                              Invoice.kind == "invoice", Invoice.status == "open")
        .order_by(Invoice.period_start, Invoice.number)))
    ordered.sort(key=lambda inv: inv.id != invoice_id)      # stable: the named one first
    for invoice in ordered:
        if payment.unallocated_cents == 0:
            break
        share = min(invoice.open_cents, payment.unallocated_cents)
        if share == 0:
            continue
        session.add(PaymentAllocation(payment_id=payment.id, invoice_id=invoice.id,
                                      amount_cents=share))
        invoice.paid_cents += share
        payment.unallocated_cents -= share
        if invoice.open_cents == 0:
            invoice.status, invoice.paid_on = "paid", payment.received_on
    session.flush()


@dataclass(frozen=True)
class _ChargeTarget:
    invoice_id: int
    tenant: str
    number: str
    contract_id: int
    open_cents: int
    currency: str
    token: str | None
    method: str

    @classmethod
    def of(cls, invoice, contract):
        return cls(invoice.id, invoice.tenant, invoice.number, invoice.contract_id,
                   invoice.open_cents if invoice.status == "open" else 0, invoice.currency,
                   contract.payment_token, contract.payment_method or "card")


@dataclass(frozen=True)
class _Declined:
    status: str
    provider_ref: None
    message: str


def _charge(provider, target, attempt):
    if not target.token:
        return _Declined(HARD, None, NO_METHOD)
    result = provider.charge(target.token, target.open_cents, target.currency, target.number,
                             idempotency_key(target.tenant, target.number, attempt))
    return _Declined(str(result.status), None, result.message) if result.status != SUCCEEDED \
        else result


def collect_run(db_engine, engine, provider, run_id, progress=None,
                batch=defaults.COLLECT_BATCH):
    """First charge of every open invoice of run `run_id` that was never charged and whose
    contract has a card or mandate; a failed charge starts its invoice_collection process.
    Returns (paid, declined)."""
    from .workflow import start_collection
    with Session(db_engine) as session:
        invoice_ids = list(session.scalars(
            select(Invoice.id).where(Invoice.run_id == run_id, Invoice.status == "open",
                                     ~exists().where(PaymentAttempt.invoice_id == Invoice.id))
            .order_by(Invoice.id)))
    paid = declined = 0
    for start in range(0, len(invoice_ids), batch):
        chunk = invoice_ids[start:start + batch]
        outcomes = _collect_batch(db_engine, provider, chunk)
        for invoice_id, outcome in outcomes:
            if outcome.paid:
                paid += 1
            else:
                declined += 1
                start_collection(engine, db_engine, invoice_id, outcome)
        _count(db_engine, run_id, outcomes)
        if progress is not None:
            progress(start + len(chunk), len(invoice_ids))
    return paid, declined


def _collect_batch(db_engine, provider, invoice_ids):
    with Session(db_engine) as session:
        rows = session.execute(select(Invoice, Contract).join(
            Contract, Contract.id == Invoice.contract_id).where(Invoice.id.in_(invoice_ids))
            .order_by(Invoice.id)).all()
        targets = [_ChargeTarget.of(invoice, contract) for invoice, contract in rows]
    # Contracts without a card or mandate pay by transfer: nothing to charge, no process.
    results = [(t, _charge(provider, t, 1)) for t in targets if t.open_cents and t.token]
    with Session(writer(db_engine)) as session, session.begin():
        return record_first_charges(session, results)


def record_first_charges(session, results):
    """Bulk form of record_attempt for the run's first charges: [(invoice id, Outcome)].

    A first charge is for the invoice's whole open amount, so a success settles exactly that
    invoice (oldest-first allocation has nothing left over to spread); written with a few
    executemany statements instead of one unit of work per invoice.
    """
    if not results:
        return []
    keys = {idempotency_key(t.tenant, t.number, 1): (t, r) for t, r in results}
    done = set(session.scalars(select(PaymentAttempt.idempotency_key).where(
        PaymentAttempt.idempotency_key.in_(list(keys)))))
    fresh = [(key, t, r) for key, (t, r) in keys.items() if key not in done]
    now = clock.now()
    if fresh:
        session.execute(insert(PaymentAttempt), [
            dict(tenant=t.tenant, invoice_id=t.invoice_id, attempt=1, idempotency_key=key,
                 amount_cents=t.open_cents, status=str(r.status), provider_ref=r.provider_ref,
                 message=(r.message or "")[:300], at=now) for key, t, r in fresh])
    paid = [(t, r) for _, t, r in fresh if r.status == SUCCEEDED]
    if paid:
        today = local_today(terms_of(session, paid[0][0].tenant))
        payment_ids = session.scalars(insert(Payment).returning(
            Payment.id, sort_by_parameter_order=True), [
            dict(tenant=t.tenant, contract_id=t.contract_id, amount_cents=t.open_cents,
                 unallocated_cents=0, method=t.method, reference=r.provider_ref,
                 received_on=today, received_at=now) for t, r in paid]).all()
        session.execute(insert(PaymentAllocation), [
            dict(payment_id=pid, invoice_id=t.invoice_id, amount_cents=t.open_cents)
            for pid, (t, _) in zip(payment_ids, paid)])
        session.execute(update(Invoice.__table__).where(
            Invoice.__table__.c.id == bindparam("invoice"), Invoice.__table__.c.status == "open"),
            [dict(invoice=t.invoice_id, status="paid", paid_cents=t.open_cents, paid_on=today)
             for t, _ in paid])
        extend_paid_access(session, [t for t, _ in paid])
    settled = {t.invoice_id for t, _ in paid}
    for key in done:        # recorded by an earlier, interrupted collection: read the result
        t, _ = keys[key]
        if session.get(Invoice, t.invoice_id).open_cents == 0:
            settled.add(t.invoice_id)
    return [(t.invoice_id, Outcome(1, str(r.status), t.invoice_id in settled, r.message or ""))
            for t, r in results]


def extend_paid_access(session, targets):
    """Bulk form of access_follows_payment for the run's first charges: the credentials of
    the contracts just paid are re-dated by the one rule (processes.seasonparking.paid), those
    revoked after their previous cover whitelisted again."""
    from processes.seasonparking.credentials import redate_access
    if targets:
        redate_access(session, targets[0].tenant, {t.contract_id for t in targets})


def _count(db_engine, run_id, outcomes):
    from .models import InvoicingRun
    with Session(writer(db_engine)) as session, session.begin():
        run = session.get(InvoicingRun, run_id)
        run.charged += sum(1 for _, o in outcomes if o.paid)
        run.declined += sum(1 for _, o in outcomes if not o.paid)


def last_paid_day(session, contract):
    """The last day covered by a paid invoice of `contract` (a Contract or its id), or None.
    (Access also counts invoices still in their payment term: processes.invoicing.cover.)"""
    contract_id = getattr(contract, "id", contract)
    return session.scalar(select(Invoice.period_end).where(
        Invoice.contract_id == contract_id, Invoice.kind == "invoice", Invoice.status == "paid")
        .order_by(Invoice.period_end.desc()).limit(1))


def open_invoices_of(session, contract_id):
    """The contract's open invoices, oldest first."""
    return list(session.scalars(select(Invoice).where(
        Invoice.contract_id == contract_id, Invoice.kind == "invoice", Invoice.status == "open")
        .order_by(Invoice.period_start, Invoice.number)))


def is_settled(session, invoice_id):
    """True when nothing is left to pay on the invoice (paid or credited)."""
    invoice = session.get(Invoice, invoice_id)
    return invoice is None or invoice.open_cents == 0 or invoice.status != "open"

