"""Collection through the sandbox provider, retries, dunning and the suspension decision, on
the real engine with library/invoicing.bpmn."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from processes.invoicing import runs, service
from processes.invoicing.collection import last_paid_day, record_payment
from processes.invoicing.models import (DunningNotice, Invoice, Payment, PaymentAllocation,
                                        PaymentAttempt)
from processes.seasonparking.models import Contract

from .conftest import T0
from .factories import make_contracts, make_site

CARDS = {"ok": "4242424242424242", "soft": "4000000000009995", "hard": "4000000000000341",
         "retry_succeeds": "4000000000000077"}


def contract_paying_with(session, provider, card, count=1):
    """Contracts at a new site whose token is a sandbox card of the given behaviour."""
    token = provider.tokenise_card(CARDS[card], 12, 2030, "123", "Test Holder").token
    ids = make_contracts(session, make_site(session), count, token=token)
    session.commit()
    return ids


def settle(eng):
    """Fire due timers and run due jobs until nothing is left to do now."""
    while eng.fire_due_timers() + eng.run_due_jobs():
        pass


def live_days(eng, clock, days):
    """Live through `days` days, half a day at a time, doing what falls due (every wait of
    the process is whole days from T0, so each lands exactly on a step)."""
    for _ in range(days * 2):
        clock.shift(timedelta(hours=12))
        settle(eng)


def run_month(db_engine, eng, provider, period="2026-03"):
    """The monthly run with its collection step; then what fell due at once."""
    figures = service.run_month(db_engine, eng, provider, "acme", period, actor="admin")
    settle(eng)
    return figures


def attempt_days(session):
    """Days after T0 at which each charge was attempted, with its outcome."""
    rows = session.scalars(select(PaymentAttempt).order_by(PaymentAttempt.attempt))
    return [((row.at - T0).days, row.status) for row in rows]


def collections(eng):
    """The invoice_collection instances (the daily finance round runs beside them)."""
    return [i for i in eng.instances("acme") if i.process_key == "invoice_collection"]


def the_process(eng):
    """The one invoice_collection instance."""
    [inst] = collections(eng)
    return inst


def test_a_successful_first_charge_pays_the_invoice_without_any_process(
        db_engine, session, clock, eng, provider):
    """A card that pays settles the invoice in the run; no workflow instance is started."""
    contract_paying_with(session, provider, "ok", count=3)
    figures = run_month(db_engine, eng, provider)
    assert (figures.issued, figures.charged, figures.declined) == (3, 3, 0)
    assert {i.status for i in session.scalars(select(Invoice))} == {"paid"}
    assert collections(eng) == []
    [contract_id, *_] = session.scalars(select(Contract.id).order_by(Contract.id))
    assert last_paid_day(session, contract_id) == date(2026, 3, 31)


def test_a_rerun_charges_nobody_twice(db_engine, session, clock, eng, provider):
    """Running the month again makes no second charge and starts no second process."""
    contract_paying_with(session, provider, "soft")
    run_month(db_engine, eng, provider)
    again = run_month(db_engine, eng, provider)
    assert (again.issued, again.charged, again.declined) == (0, 0, 0)
    assert len(attempt_days(session)) == 1 and len(collections(eng)) == 1


@pytest.mark.parametrize("card, attempts, paid", [
    ("retry_succeeds", [(0, "soft_declined"), (1, "succeeded")], True),
    ("soft", [(0, "soft_declined"), (1, "soft_declined"), (3, "soft_declined"),
              (6, "soft_declined")], False),
    ("hard", [(0, "hard_declined")], False),
])
def test_declines_are_retried_after_one_three_and_six_days(
        db_engine, session, clock, eng, provider, card, attempts, paid):
    """Soft declines are charged again at +1 d, +3 d, +6 d; a hard decline is not retried."""
    contract_paying_with(session, provider, card)
    run_month(db_engine, eng, provider)
    live_days(eng, clock, 7)
    assert attempt_days(session) == attempts
    [invoice] = session.scalars(select(Invoice))
    session.refresh(invoice)
    assert (invoice.status == "paid") is paid
    inst = the_process(eng)
    assert inst.status == ("completed" if paid else "running")


@pytest.mark.parametrize("card, reminder_day", [("soft", 6), ("hard", 0)])
def test_dunning_sends_a_reminder_then_a_final_notice_then_asks_back_office(
        db_engine, session, clock, eng, provider, card, reminder_day):
    """Reminder after the last retry, final notice 7 days later, decision task 7 days after."""
    contract_paying_with(session, provider, card)
    run_month(db_engine, eng, provider)
    live_days(eng, clock, reminder_day + 15)
    notices = session.scalars(select(DunningNotice).order_by(DunningNotice.level)).all()
    assert [(n.level, (n.sent_at - T0).days) for n in notices] == [
        (1, reminder_day), (2, reminder_day + 7)]
    [task] = eng.open_tasks("acme")
    assert task.name == "Decide on suspension"
    assert task.candidate_groups == ["back-office"]
    assert task.due_at == T0 + timedelta(days=reminder_day + 14 + 2)     # the P2D SLA
    [invoice] = session.scalars(select(Invoice))
    assert invoice.dunning_level == 2


def decision_task(db_engine, session, clock, eng, provider):
    """A soft-declining contract lived through retries and dunning: the open decision task."""
    contract_paying_with(session, provider, "soft")
    run_month(db_engine, eng, provider)
    live_days(eng, clock, 21)
    [task] = eng.open_tasks("acme")
    return task


@pytest.mark.parametrize("decision, status", [("suspend", "suspended"), ("keep", "active")])
def test_back_office_decides_on_suspension(db_engine, session, clock, eng, provider,
                                           decision, status):
    """Suspend stops the contract; keep leaves it running; the process ends either way."""
    task = decision_task(db_engine, session, clock, eng, provider)
    eng.claim(task.id, "agent")
    eng.complete(task.id, "agent", {"decision": decision, "decision_note": "called them"})
    settle(eng)
    assert session.scalar(select(Contract.status)) == status
    assert the_process(eng).status == "completed"


def test_an_undecided_suspension_is_escalated_to_a_supervisor(
        db_engine, session, clock, eng, provider):
    """Two days without a decision (the process SLA) put the task in the supervisors' hands."""
    task = decision_task(db_engine, session, clock, eng, provider)
    assert eng.escalate_overdue() == 0
    clock.shift(timedelta(days=2, minutes=1))
    assert eng.escalate_overdue() == 1
    [escalated] = eng.open_tasks("acme", roles=["supervisor"])
    assert escalated.id == task.id


def test_a_payment_during_dunning_ends_it_as_paid(db_engine, session, clock, eng, provider):
    """Money received after the reminder: no final notice, the process ends paid."""
    [contract_id] = contract_paying_with(session, provider, "soft")
    run_month(db_engine, eng, provider)
    live_days(eng, clock, 8)
    [invoice] = session.scalars(select(Invoice))
    record_payment(session, "acme", contract_id, invoice.gross_cents, "transfer", "BANK-1")
    session.commit()
    live_days(eng, clock, 14)
    assert [n.level for n in session.scalars(select(DunningNotice))] == [1]
    assert the_process(eng).status == "completed"
    assert eng.open_tasks("acme") == []


@pytest.mark.parametrize("amounts, expected", [
    ([5000], ["open 5000", "open 0", "open 0"]),
    ([12100], ["paid 12100", "open 0", "open 0"]),
    ([15000], ["paid 12100", "open 2900", "open 0"]),
    ([12100, 12100, 12100], ["paid 12100", "paid 12100", "paid 12100"]),
    ([40000], ["paid 12100", "paid 12100", "paid 12100"]),      # 3700 left unallocated
])
def test_partial_payments_settle_the_oldest_invoice_first(db_engine, session, clock, eng,
                                                          provider, amounts, expected):
    """A payment without an invoice settles open invoices oldest first, partly if it must."""
    [contract_id] = contract_paying_with(session, provider, "hard")
    for period in ("2026-03", "2026-04", "2026-05"):
        runs.run_period(db_engine, "acme", period)       # issued, not charged
    for amount in amounts:
        record_payment(session, "acme", contract_id, amount, "transfer")
    session.commit()
    invoices = session.scalars(select(Invoice).order_by(Invoice.period_start)).all()
    assert [f"{i.status} {i.paid_cents}" for i in invoices] == expected
    allocated = sum(a.amount_cents for a in session.scalars(select(PaymentAllocation)))
    left = sum(p.unallocated_cents for p in session.scalars(select(Payment)))
    assert allocated + left == sum(amounts)


def test_last_paid_day_is_the_end_of_the_latest_paid_month(db_engine, session, clock, eng,
                                                           provider):
    """Paid March and April, open May: the contract is paid up to 30 April."""
    [contract_id] = contract_paying_with(session, provider, "hard")
    assert last_paid_day(session, contract_id) is None
    session.rollback()      # end the read: the runs below write from other connections
    for period in ("2026-03", "2026-04", "2026-05"):
        runs.run_period(db_engine, "acme", period)
    record_payment(session, "acme", contract_id, 24200, "transfer")
    session.commit()
    assert last_paid_day(session, contract_id) == date(2026, 4, 30)
