"""Access follows the money: one rule (paid periods and periods still in their payment term,
up to the first overdue invoice; paid periods only once the contract has ended), suspension by
dunning revokes the credentials, paying every overdue invoice reinstates the contract."""
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from engine import AuditEvent
from processes.access import LocalAccessControl
from processes.access.models import AccessCredential
from processes.invoicing import runs
from processes.invoicing.collection import record_payment
from processes.invoicing.issuing import issue_credit_note
from processes.invoicing.models import Invoice
from processes.seasonparking import paid, rules
from processes.seasonparking.contracts import (reinstate_contract, revoke_lapsed_access,
                                               suspend_contract)
from processes.seasonparking.models import Contract

from .factories import give_plate, make_contract, make_site
from .test_collection import contract_paying_with, live_days, run_month, settle


def valid_to(session):
    """valid_to of the (one) current credential; 'revoked' when there is none."""
    session.rollback()          # a fresh read: others wrote from their own connections
    rows = session.scalars(select(AccessCredential).where(
        AccessCredential.revoked_at.is_(None))).all()
    return [row.valid_to for row in rows] or "revoked"


def allowed(session, site_id, day):
    """Whether the plate may enter on `day`."""
    session.rollback()
    return LocalAccessControl(session).allows("acme", site_id, "plate", "1ABC123", day)


def at(day, hour=8):
    """A UTC instant on `day` (08:00 UTC: 09:00 or 10:00 in Brussels)."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=timezone.utc)


def invoice_of(session, period):
    """The contract's invoice of `period` (fresh read)."""
    session.rollback()
    return session.scalar(select(Invoice).where(Invoice.billing_period == period))


def pay(session, contract_id, period):
    """The customer pays `period`'s invoice by transfer (allocated to it)."""
    invoice = invoice_of(session, period)
    record_payment(session, "acme", contract_id, invoice.gross_cents, "transfer",
                   invoice_id=invoice.id)
    session.commit()


@pytest.mark.parametrize("case, february, march, status, ends_on, today, access, paid_to", [
    ("nothing invoiced", None, None, "active", None, date(2026, 1, 20), None, None),
    ("paid", "paid", "paid", "active", None, date(2026, 3, 20),
     date(2026, 3, 31), date(2026, 3, 31)),
    ("open in term", "paid", "open", "active", None, date(2026, 3, 16),
     date(2026, 3, 31), date(2026, 2, 28)),
    ("open past due", "paid", "open", "active", None, date(2026, 3, 17),
     date(2026, 2, 28), date(2026, 2, 28)),
    ("first invoice past due", "open", None, "active", None, date(2026, 2, 20),
     date(2026, 1, 31), None),
    ("earlier invoice past due", "open", "open", "active", None, date(2026, 3, 5),
     date(2026, 1, 31), None),
    ("credited", "paid", "credited", "active", None, date(2026, 3, 5),
     date(2026, 2, 28), date(2026, 2, 28)),
    ("notice given, in term", "paid", "open", "active", date(2026, 3, 20), date(2026, 3, 5),
     date(2026, 3, 20), date(2026, 2, 28)),
    ("terminated, in term", "paid", "open", "terminated", date(2026, 3, 31), date(2026, 3, 5),
     date(2026, 2, 28), date(2026, 2, 28)),
    ("terminated, paid past its end", "paid", "paid", "terminated", date(2026, 3, 10),
     date(2026, 3, 12), date(2026, 3, 10), date(2026, 3, 10)),
    ("terminated, nothing paid", "open", None, "terminated", date(2026, 2, 28),
     date(2026, 2, 10), date(2026, 2, 28), date(2026, 2, 28)),
    ("suspended, in term", "paid", "open", "suspended", None, date(2026, 3, 5),
     date(2026, 2, 28), date(2026, 2, 28)),
])
def test_access_runs_while_invoices_are_paid_or_in_term_and_for_ended_contracts_while_paid(
        db_engine, session, clock, case, february, march, status, ends_on, today, access,
        paid_to):
    """One rule (processes.seasonparking.paid): an active contract may park through periods
    paid or still within their payment term, up to the first overdue invoice; any other
    contract only through paid periods; never after its last day. February is issued on
    1 February (due the 15th), March on 2 March (due the 16th)."""
    contract = make_contract(session, make_site(session), token=None)
    session.commit()
    for period, state, issued_on in (("2026-02", february, date(2026, 2, 1)),
                                     ("2026-03", march, date(2026, 3, 2))):
        if state is None:
            continue
        clock.move_to(at(issued_on))
        runs.run_period(db_engine, "acme", period)
        if state == "paid":
            pay(session, contract.id, period)
        elif state == "credited":
            invoice = invoice_of(session, period)
            issue_credit_note(session, "acme", invoice.id, invoice.gross_cents, "goodwill",
                              "agent")
            session.commit()
    clock.move_to(at(today))
    session.rollback()
    contract = session.get(Contract, contract.id)
    contract.status, contract.ends_on = status, ends_on
    assert (paid.access_until(session, contract), paid.last_paid_day(session, contract)) == (
        access, paid_to)


def test_a_transfer_payer_parks_through_the_payment_term_and_again_once_paid(
        db_engine, session, clock):
    """February paid; the nightly housekeeping (03:00) revokes the plate on 1 March, the run
    issuing March's invoice (due 15 March) lets it in again for March; past the due day the
    housekeeping revokes it (the day after the paid February); the transfer brings it back."""
    contract = make_contract(session, make_site(session), token=None)
    give_plate(session, contract)
    session.commit()
    clock.move_to(at(date(2026, 2, 1)))
    runs.run_period(db_engine, "acme", "2026-02")
    pay(session, contract.id, "2026-02")
    assert valid_to(session) == [date(2026, 2, 28)]
    clock.move_to(datetime(2026, 3, 1, 2, tzinfo=timezone.utc))        # 03:00 in Brussels
    assert revoke_lapsed_access(session, "acme") == 1
    session.commit()
    assert valid_to(session) == "revoked"
    clock.move_to(at(date(2026, 3, 1)))
    runs.run_period(db_engine, "acme", "2026-03")                      # due 15 March
    assert valid_to(session) == [date(2026, 3, 31)]
    for night in (2, 15):                                              # within the term
        clock.move_to(datetime(2026, 3, night, 2, tzinfo=timezone.utc))
        assert revoke_lapsed_access(session, "acme") == 0
        session.commit()
        assert allowed(session, contract.site_id, date(2026, 3, night))
    clock.move_to(datetime(2026, 3, 16, 2, tzinfo=timezone.utc))       # overdue
    assert revoke_lapsed_access(session, "acme") == 1
    session.commit()
    assert not allowed(session, contract.site_id, date(2026, 3, 16))
    assert session.get(Contract, contract.id).status == "active"        # dunning goes on
    clock.move_to(at(date(2026, 3, 18)))
    pay(session, contract.id, "2026-03")
    assert valid_to(session) == [date(2026, 3, 31)]
    assert allowed(session, contract.site_id, date(2026, 3, 18))


def test_access_runs_to_the_paid_up_day_and_is_refused_the_day_after(
        db_engine, session, clock, provider):
    """A charge paying March lets the plate in until 31 March, not a day more; April's invoice
    (in its payment term) extends it to 30 April at issue, and paying it keeps that."""
    [contract_id] = contract_paying_with(session, provider, "ok")
    contract = session.get(Contract, contract_id)
    give_plate(session, contract)
    session.commit()
    assert valid_to(session) == [None]              # nothing paid yet: not limited
    runs.run_period(db_engine, "acme", "2026-03", collector=_first_charges(db_engine, provider))
    assert valid_to(session) == [date(2026, 3, 31)]
    assert allowed(session, contract.site_id, date(2026, 3, 31))
    assert not allowed(session, contract.site_id, rules.revocation_day(date(2026, 3, 31)))
    runs.run_period(db_engine, "acme", "2026-04")                       # issued, not charged
    assert valid_to(session) == [date(2026, 4, 30)]
    [april] = session.scalars(select(Invoice).where(Invoice.billing_period == "2026-04"))
    record_payment(session, "acme", contract_id, april.gross_cents, "transfer")
    session.commit()
    assert valid_to(session) == [date(2026, 4, 30)]


def _first_charges(db_engine, provider):
    from processes.invoicing.collection import collect_run

    def collect(run_id, progress=None):
        return collect_run(db_engine, None, provider, run_id, progress)
    return collect


def suspended_by_dunning(db_engine, session, clock, eng, provider):
    """A soft-declining contract with a plate, dunned until back office suspends it."""
    [contract_id] = contract_paying_with(session, provider, "soft")
    give_plate(session, session.get(Contract, contract_id))
    session.commit()
    run_month(db_engine, eng, provider)
    live_days(eng, clock, 21)
    [task] = eng.open_tasks("acme")
    eng.claim(task.id, "agent")
    eng.complete(task.id, "agent", {"decision": "suspend", "decision_note": "no answer"})
    settle(eng)
    return session.get(Contract, contract_id)


def test_suspension_revokes_access_and_is_audited(db_engine, session, clock, eng, provider):
    """Back office suspends: the contract is suspended, its plate revoked, the reason audited."""
    contract = suspended_by_dunning(db_engine, session, clock, eng, provider)
    assert contract.status == "suspended"
    assert valid_to(session) == "revoked"
    assert not allowed(session, contract.site_id, date(2026, 3, 24))
    [event] = session.scalars(select(AuditEvent).where(AuditEvent.kind == "contract_suspended"))
    assert event.payload["contract"] == contract.number
    assert "no answer" in event.payload["reason"]


def test_paying_the_overdue_invoice_reinstates_the_contract_and_its_access(
        db_engine, session, clock, eng, provider):
    """A suspended contract paid up is active again and its plate enters up to the paid day."""
    contract = suspended_by_dunning(db_engine, session, clock, eng, provider)
    [march] = session.scalars(select(Invoice))
    record_payment(session, "acme", contract.id, march.gross_cents - 100, "transfer")
    session.commit()
    assert session.get(Contract, contract.id).status == "suspended"      # 1.00 still due
    record_payment(session, "acme", contract.id, 100, "transfer", actor="agent")
    session.commit()
    assert session.get(Contract, contract.id).status == "active"
    assert valid_to(session) == [date(2026, 3, 31)]
    assert allowed(session, contract.site_id, date(2026, 3, 25))
    [event] = session.scalars(select(AuditEvent).where(AuditEvent.kind == "contract_reinstated"))
    assert event.actor == "agent"


@pytest.mark.parametrize("status, ends_on, suspended, reinstated", [
    ("active", None, True, True),
    ("pending", None, False, False),
    ("terminated", date(2026, 2, 28), False, False),
])
def test_only_active_contracts_are_suspended_and_only_running_ones_reinstated(
        session, clock, status, ends_on, suspended, reinstated):
    """Suspension applies to active contracts; reinstatement to suspended ones not yet ended."""
    contract = make_contract(session, make_site(session), status=status, ends_on=ends_on)
    assert suspend_contract(session, contract, "agent", "test") is suspended
    assert reinstate_contract(session, contract, "agent", "test") is reinstated


def test_a_suspended_contract_that_has_ended_stays_suspended(session, clock):
    """Paid after its last day: nothing to reinstate (the end of term will close it)."""
    contract = make_contract(session, make_site(session), ends_on=date(2026, 3, 1))
    assert suspend_contract(session, contract, "agent", "unpaid")
    clock.shift(timedelta(days=1))
    assert not reinstate_contract(session, contract, "agent", "paid")
    assert contract.status == "suspended"


@pytest.mark.parametrize("paid_by", ["transfer", "first charge"])
def test_a_payment_after_the_revocation_day_lets_the_plate_in_again(
        db_engine, session, clock, provider, paid_by):
    """Revoked after its last paid day (the nightly housekeeping), a contract whose next month
    is then paid gets its plate whitelisted again up to the new paid-up day."""
    [contract_id] = contract_paying_with(session, provider, "ok")
    contract = session.get(Contract, contract_id)
    give_plate(session, contract)
    LocalAccessControl(session).revoke("acme", contract.number)
    session.commit()
    assert valid_to(session) == "revoked"
    if paid_by == "transfer":
        runs.run_period(db_engine, "acme", "2026-03")
        session.rollback()
        [march] = session.scalars(select(Invoice))
        record_payment(session, "acme", contract_id, march.gross_cents, "transfer")
        session.commit()
    else:
        runs.run_period(db_engine, "acme", "2026-03",
                        collector=_first_charges(db_engine, provider))
    assert valid_to(session) == [date(2026, 3, 31)]
