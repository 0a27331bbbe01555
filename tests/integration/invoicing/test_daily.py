"""The daily finance round (library/finance_daily.bpmn) on the real engine: it waits for 06:00
local time, keeps itself going, e-mails new anomaly alerts once and starts the dunning of
overdue bank transfers once."""
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from engine import Engine, ServiceRegistry
from processes.access import LocalAccessControl
from processes.accounts.models import Tenant
from processes.accounts.services import create_user
from processes.invoicing import daily, runs
from processes.invoicing.handlers import register_handlers
from processes.invoicing.models import Alert, DunningNotice, Invoice
from processes.seasonparking.models import Contract

from .conftest import T0, mail_to
from .factories import give_plate, make_contract, make_site
from .test_collection import settle

MORNING = datetime(2026, 3, 3, 5, 0, tzinfo=timezone.utc)       # 06:00 in Brussels


@pytest.fixture
def mailing_eng(db_engine, provider, smtp):
    """An engine whose invoicing handlers e-mail through the test SMTP server."""
    mail = mail_to(smtp)
    registry = register_handlers(ServiceRegistry(), db_engine, lambda: provider, mail)
    return Engine(db_engine, services=daily.register_handlers(registry, db_engine, mail))


@pytest.fixture
def books(db_engine, session, clock):
    """A supervisor to alert, and three contracts with February's invoice: one paying by
    transfer (unpaid, overdue, its plate left open in the access system: the anomaly), one by
    card (overdue too), and one by transfer whose invoice is not due yet."""
    site = make_site(session)
    tenant = session.scalar(select(Tenant).where(Tenant.key == "acme"))
    create_user(session, tenant, "sue", "pw", ["supervisor"], email="sue@acme.test")
    transfer = make_contract(session, site, token=None, email="late@example.test")
    make_contract(session, site, first=2)                                 # card
    session.commit()
    give_plate(session, transfer)
    session.commit()
    clock.move_to(T0 - timedelta(days=20))                  # 10 Feb: due 24 Feb
    runs.run_period(db_engine, "acme", "2026-02")
    clock.move_to(T0)
    make_contract(session, site, token=None, first=3, starts_on=date(2026, 3, 1))
    session.commit()
    runs.run_period(db_engine, "acme", "2026-03")         # due 16 March
    LocalAccessControl(session).set_valid_to("acme", transfer.number, None)   # out of step
    session.commit()
    numbers = {c.number: c.id for c in session.scalars(select(Contract))}
    session.rollback()          # no snapshot held: the rounds write from other connections
    return numbers


def collection_keys(eng):
    """Business keys of the invoice_collection instances."""
    return sorted(i.business_key for i in eng.instances("acme")
                  if i.process_key == "invoice_collection")


def rounds(eng):
    """(business key, status) of the finance_daily instances, by key."""
    return sorted((i.business_key, i.status) for i in eng.instances("acme")
                  if i.process_key == "finance_daily")


def test_the_round_waits_for_six_in_the_morning_then_schedules_the_next(
        db_engine, session, clock, books, mailing_eng, smtp):
    """Started at 10:00, the round waits until 06:00 next morning; then it has run and
    tomorrow's waits."""
    assert daily.ensure_daily(mailing_eng, db_engine, "acme") is not None
    assert daily.ensure_daily(mailing_eng, db_engine, "acme") is None       # already waiting
    clock.move_to(MORNING - timedelta(seconds=1))
    settle(mailing_eng)
    assert rounds(mailing_eng) == [("finance-2026-03-03", "running")]
    assert collection_keys(mailing_eng) == []
    clock.move_to(MORNING)
    settle(mailing_eng)
    assert rounds(mailing_eng) == [("finance-2026-03-03", "completed"),
                                   ("finance-2026-03-04", "running")]


def test_overdue_transfers_get_a_reminder_once_and_alerts_are_mailed_once(
        db_engine, session, clock, books, mailing_eng, smtp):
    """Only the overdue transfer is dunned (card and not-yet-due invoices are not), its
    customer gets the transfer reminder; the supervisor gets the alert; the next morning
    repeats neither."""
    daily.ensure_daily(mailing_eng, db_engine, "acme")
    clock.move_to(MORNING)
    settle(mailing_eng)
    [overdue] = session.scalars(select(Invoice).where(
        Invoice.contract_id == books["SP-BRU-C-000001"], Invoice.billing_period == "2026-02"))
    assert collection_keys(mailing_eng) == [overdue.number]
    [notice] = session.scalars(select(DunningNotice))
    assert (notice.invoice_id, notice.level, notice.sent_to) == (
        overdue.id, 1, "late@example.test")
    mails = {tuple(to): mail for to, mail in smtp.inbox.received}
    assert "have not yet received your payment" in mails[("late@example.test",)].get_content()
    alert = mails[("sue@acme.test",)]
    assert "SP-BRU-C-000001" in alert.get_content()
    clock.move_to(MORNING + timedelta(days=1))
    settle(mailing_eng)
    assert collection_keys(mailing_eng) == [overdue.number]
    assert len(smtp.inbox.received) == 2
    assert [a.kind for a in session.scalars(select(Alert))] == ["credential"]


def test_the_dunned_transfer_goes_on_to_the_final_notice(
        db_engine, session, clock, books, mailing_eng, smtp):
    """Started by the round at the reminder, the collection process continues as for cards."""
    daily.ensure_daily(mailing_eng, db_engine, "acme")
    clock.move_to(MORNING)
    settle(mailing_eng)
    clock.move_to(MORNING + timedelta(days=7))
    settle(mailing_eng)
    assert [n.level for n in session.scalars(select(DunningNotice).order_by(
        DunningNotice.level))] == [1, 2]


def test_a_transfer_paid_before_the_morning_is_not_dunned(
        db_engine, session, clock, books, mailing_eng):
    """Money received for the overdue invoice: the round starts nothing."""
    from processes.invoicing.collection import record_payment
    [overdue] = session.scalars(select(Invoice).where(Invoice.billing_period == "2026-02",
                                                      Invoice.contract_id == books[
                                                          "SP-BRU-C-000001"]))
    record_payment(session, "acme", overdue.contract_id, overdue.gross_cents, "transfer")
    session.commit()
    assert daily.start_transfer_dunning(mailing_eng, db_engine, "acme",
                                        date(2026, 3, 3)) == 0
