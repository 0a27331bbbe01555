"""Monthly issue: proration, VAT per tenant, numbering, no duplicates on re-run, no edits."""
import threading
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from processes.invoicing import runs
from processes.invoicing.issuing import issue_credit_note, CreditRefused
from processes.invoicing.models import (Invoice, InvoiceImmutable, InvoiceLine, InvoicingRun,
                                        InvoicingSettings)
from processes.invoicing.numbering import next_numbers

from .factories import make_contract, make_contracts, make_site


def invoices(session, **where):
    """The invoices (not credit notes) matching `where`, by number."""
    query = select(Invoice).where(Invoice.kind == "invoice").order_by(Invoice.number)
    for name, value in where.items():
        query = query.where(getattr(Invoice, name) == value)
    return list(session.scalars(query))


@pytest.mark.parametrize("starts_on, ends_on, net, vat, days", [
    (date(2025, 6, 1), None, 10000, 2100, 31),                 # full month
    (date(2026, 3, 17), None, 4839, 1016, 15),                  # starts on the 17th
    (date(2026, 3, 31), None, 323, 68, 1),                      # 322.58 -> 323
    (date(2025, 6, 1), date(2026, 3, 10), 3226, 677, 10),       # ends on the 10th
])
def test_a_run_bills_the_month_in_advance_prorated_by_day(
        db_engine, session, clock, starts_on, ends_on, net, vat, days):
    """A contract covering part of the month pays covered days / days in month, VAT on top."""
    site = make_site(session)
    make_contract(session, site, starts_on=starts_on, ends_on=ends_on)
    session.commit()
    figures = runs.run_period(db_engine, "acme", "2026-03", actor="admin")
    assert (figures.issued, figures.status) == (1, "done")
    [invoice] = invoices(session)
    assert (invoice.net_cents, invoice.vat_cents, invoice.gross_cents) == (net, vat, net + vat)
    assert invoice.lines[0].days == days
    assert invoice.issued_on == date(2026, 3, 2) and invoice.due_on == date(2026, 3, 16)


def test_vat_rate_comes_from_the_tenants_settings(db_engine, session, clock):
    """A tenant with its own VAT rate is billed at that rate."""
    site = make_site(session, tenant="lux")
    session.add(InvoicingSettings(tenant="lux", vat_rate=Decimal("0.17"), currency="EUR",
                                  payment_term_days=30))
    make_contract(session, site, price=12345)
    session.commit()
    runs.run_period(db_engine, "lux", "2026-03")
    [invoice] = invoices(session)
    assert invoice.vat_cents == 2099                  # 2098.65 -> 2099
    assert invoice.due_on == date(2026, 4, 1)


@pytest.mark.parametrize("status, starts_on, billed", [
    ("active", date(2026, 1, 1), True),
    ("pending", date(2026, 1, 1), False),
    ("suspended", date(2026, 1, 1), False),
    ("terminated", date(2026, 1, 1), False),
    ("active", date(2026, 4, 1), False),               # starts next month
])
def test_only_active_contracts_covering_the_month_are_billed(
        db_engine, session, clock, status, starts_on, billed):
    """Pending, suspended, terminated and future contracts get no invoice."""
    make_contract(session, make_site(session), status=status, starts_on=starts_on)
    session.commit()
    runs.run_period(db_engine, "acme", "2026-03")
    assert len(invoices(session)) == int(billed)


def test_numbers_are_gapless_per_tenant_and_year(db_engine, session, clock):
    """Each tenant's invoices of a year are numbered 1, 2, 3... with no gap, in contract order."""
    make_contracts(session, make_site(session), 3)
    make_contracts(session, make_site(session, tenant="other", code="X"), 2, first=10)
    session.commit()
    runs.run_period(db_engine, "acme", "2026-03")
    runs.run_period(db_engine, "other", "2026-03")
    runs.run_period(db_engine, "acme", "2026-04")
    assert [i.number for i in invoices(session, tenant="acme")] == [
        f"INV-2026-{n:06d}" for n in range(1, 7)]
    assert [i.number for i in invoices(session, tenant="other")] == [
        "INV-2026-000001", "INV-2026-000002"]


def test_a_new_year_starts_a_new_series(db_engine, session, clock):
    """Invoices issued in January 2027 start again at 000001."""
    make_contracts(session, make_site(session), 2)
    session.commit()
    runs.run_period(db_engine, "acme", "2026-12")
    clock.move_to("2027-01-01T10:00Z")
    runs.run_period(db_engine, "acme", "2027-01")
    assert [i.number for i in invoices(session)] == [
        "INV-2026-000001", "INV-2026-000002", "INV-2027-000001", "INV-2027-000002"]


@pytest.mark.parametrize("first_run_batches", [0, 1, 3])
def test_a_rerun_issues_no_duplicate(db_engine, session, clock, first_run_batches):
    """Running a month again (after a full or an interrupted run) only fills the gaps."""
    make_contracts(session, make_site(session), 7)
    session.commit()
    run_id = runs.open_run(db_engine, "acme", "2026-03")
    if first_run_batches:
        stop = first_run_batches

        def interrupt(done, total):  # issue_run's own progress: (done, total)
            if done >= stop * 2:
                raise KeyboardInterrupt
        with pytest.raises(KeyboardInterrupt):
            runs.issue_run(db_engine, run_id, progress=interrupt, batch=2)
    again = runs.run_period(db_engine, "acme", "2026-03")
    third = runs.run_period(db_engine, "acme", "2026-03")
    assert again.issued == 7 - min(first_run_batches * 2, 7)
    assert (third.issued, third.skipped) == (0, 7)
    assert len(invoices(session)) == 7
    assert [i.number for i in invoices(session)] == [f"INV-2026-{n:06d}" for n in range(1, 8)]


def test_the_database_refuses_a_second_invoice_for_the_same_month(db_engine, session, clock):
    """Even code that skips the check cannot store two invoices of one contract and month."""
    make_contract(session, make_site(session))
    session.commit()
    runs.run_period(db_engine, "acme", "2026-03")
    [invoice] = invoices(session)
    copy = Invoice(**{c.key: getattr(invoice, c.key) for c in Invoice.__table__.columns
                      if c.key not in ("id", "number")}, number="INV-2026-999999")
    session.add(copy)
    with pytest.raises(IntegrityError):
        session.flush()


def test_concurrent_runs_on_one_file_keep_numbers_unique_and_gapless(db_engine, session, clock):
    """Four threads running two months at once: one invoice each, numbers 1..N exactly."""
    site = make_site(session)
    make_contracts(session, site, 60)
    session.commit()
    errors = []

    def run(period):
        try:
            runs.run_period(db_engine, "acme", period)
        except Exception as error:  # reported below; a thread must not die silently
            errors.append(error)
    threads = [threading.Thread(target=run, args=(period,))
               for period in ("2026-03", "2026-04", "2026-03", "2026-04")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors and not any(t.is_alive() for t in threads)
    numbers = sorted(i.number for i in invoices(session))
    assert numbers == [f"INV-2026-{n:06d}" for n in range(1, 121)]
    per_month = session.execute(select(Invoice.billing_period, func.count())
                                .group_by(Invoice.billing_period)).all()
    assert sorted(per_month) == [("2026-03", 60), ("2026-04", 60)]


def test_concurrent_number_reservations_never_overlap(db_engine, clock):
    """Eight threads taking numbers in their own transactions get disjoint, gapless ranges."""
    from engine.db import writer
    taken, errors = [], []

    def take():
        try:
            for _ in range(10):
                with Session(writer(db_engine)) as s, s.begin():
                    taken.extend(next_numbers(s, "acme", "INV", 2026, 3))
        except Exception as error:
            errors.append(error)
    threads = [threading.Thread(target=take) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert sorted(taken) == [f"INV-2026-{n:06d}" for n in range(1, 241)]


def test_a_rolled_back_transaction_gives_its_numbers_back(db_engine, clock):
    """Numbers taken in a transaction that fails are handed out again: no gap."""
    from engine.db import writer
    with pytest.raises(RuntimeError):
        with Session(writer(db_engine)) as s, s.begin():
            next_numbers(s, "acme", "INV", 2026, 5)
            raise RuntimeError("insert failed")
    with Session(writer(db_engine)) as s, s.begin():
        assert next_numbers(s, "acme", "INV", 2026, 1) == ["INV-2026-000001"]


@pytest.mark.parametrize("field, value", [
    ("net_cents", 1), ("gross_cents", 1), ("number", "INV-2026-000099"),
    ("issued_on", date(2026, 3, 3)), ("due_on", date(2026, 4, 30)), ("contract_id", 999),
])
def test_an_issued_invoice_cannot_be_edited(db_engine, session, clock, field, value):
    """Changing a number, date or amount of an issued invoice is refused."""
    make_contract(session, make_site(session))
    session.commit()
    runs.run_period(db_engine, "acme", "2026-03")
    [invoice] = invoices(session)
    setattr(invoice, field, value)
    with pytest.raises(InvoiceImmutable, match="credit note"):
        session.flush()


def test_issued_invoices_and_lines_cannot_be_deleted_or_rewritten(db_engine, session, clock):
    """Deleting an invoice, or editing or deleting its line, is refused."""
    make_contract(session, make_site(session))
    session.commit()
    runs.run_period(db_engine, "acme", "2026-03")
    [invoice] = invoices(session)
    session.delete(invoice)
    with pytest.raises(InvoiceImmutable):
        session.flush()
    session.rollback()
    line = session.scalar(select(InvoiceLine))
    line.net_cents = 1
    with pytest.raises(InvoiceImmutable):
        session.flush()


def test_collection_state_may_still_change(db_engine, session, clock):
    """Payment status and dunning level move on an issued invoice."""
    make_contract(session, make_site(session))
    session.commit()
    runs.run_period(db_engine, "acme", "2026-03")
    [invoice] = invoices(session)
    invoice.paid_cents, invoice.status, invoice.dunning_level = 100, "open", 1
    session.commit()


@pytest.mark.parametrize("amounts, status, message", [
    ([12100], "credited", None),
    ([2100, 10000], "credited", None),
    ([5000], "open", None),
    ([12101], None, "0.01 to 121.00"),
    ([0], None, "0.01 to"),
])
def test_corrections_are_credit_notes_with_their_own_series(
        db_engine, session, clock, amounts, status, message):
    """A credit note (CN-YYYY-n) lowers what is due; more than was billed is refused."""
    make_contract(session, make_site(session))
    session.commit()
    runs.run_period(db_engine, "acme", "2026-03")
    [invoice] = invoices(session)
    if message:
        with pytest.raises(CreditRefused, match=message):
            issue_credit_note(session, "acme", invoice.id, amounts[0], "goodwill", "admin")
        return
    notes = [issue_credit_note(session, "acme", invoice.id, amount, "goodwill", "admin")
             for amount in amounts]
    session.commit()
    assert [n.number for n in notes] == [f"CN-2026-{n:06d}" for n in range(1, len(notes) + 1)]
    assert all(n.net_cents + n.vat_cents == n.gross_cents for n in notes)
    assert invoice.status == status
    assert invoice.open_cents == 12100 - sum(amounts)
    assert invoice.net_cents == 10000                  # the invoice itself is untouched


def test_a_run_row_counts_what_it_did(db_engine, session, clock):
    """The run row says how many contracts it saw, issued and skipped."""
    make_contracts(session, make_site(session), 5)
    session.commit()
    runs.run_period(db_engine, "acme", "2026-03", actor="admin")
    runs.run_period(db_engine, "acme", "2026-03", actor="admin")
    rows = session.scalars(select(InvoicingRun).order_by(InvoicingRun.id)).all()
    assert [(r.total, r.processed, r.issued, r.skipped, r.status) for r in rows] == [
        (5, 5, 5, 0, "done"), (5, 5, 0, 5, "done")]
