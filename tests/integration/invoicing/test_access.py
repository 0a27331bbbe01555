"""Access follows the money: the paid-up day (one rule, from the paid invoices), suspension by
dunning revokes the credentials, paying every overdue invoice reinstates the contract."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from engine import AuditEvent
from processes.access import LocalAccessControl
from processes.access.models import AccessCredential
from processes.invoicing import runs
from processes.invoicing.collection import record_payment
from processes.invoicing.models import Invoice
from processes.seasonparking import paid, rules
from processes.seasonparking.contracts import reinstate_contract, suspend_contract
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


@pytest.mark.parametrize("paid_periods, ends_on, expected", [
    ((), None, None),                                   # nothing paid: no limit known yet
    (("2026-03",), None, date(2026, 3, 31)),
    (("2026-03", "2026-04"), None, date(2026, 4, 30)),
    (("2026-03", "2026-04"), date(2026, 4, 10), date(2026, 4, 10)),   # ended since: capped
])
def test_the_paid_up_day_is_the_end_of_the_latest_paid_period(
        db_engine, session, clock, paid_periods, ends_on, expected):
    """seasonparking's last_paid_day answers from invoicing's paid invoices, capped at the end."""
    contract = make_contract(session, make_site(session), token=None)
    session.commit()
    for period in ("2026-03", "2026-04", "2026-05"):
        runs.run_period(db_engine, "acme", period)
    for invoice in session.scalars(select(Invoice).where(Invoice.billing_period.in_(
            paid_periods))):
        record_payment(session, "acme", contract.id, invoice.gross_cents, "transfer")
    contract.ends_on = ends_on
    assert paid.last_paid_day(session, contract) == expected


def test_access_runs_to_the_paid_up_day_and_is_refused_the_day_after(
        db_engine, session, clock, provider):
    """A charge paying March lets the plate in until 31 March; a transfer for April extends it."""
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
    session.rollback()
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
