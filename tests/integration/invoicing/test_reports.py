"""Accounting journal, statements with ageing, and anomaly alerts e-mailed over real SMTP."""
import csv
import io
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select

from processes.access.models import AccessCredential
from processes.accounts.models import Tenant
from processes.accounts.services import create_user
from processes.invoicing import runs
from processes.invoicing.alerts import check_anomalies
from processes.invoicing.collection import record_payment
from processes.invoicing.issuing import issue_credit_note
from processes.invoicing.journal import journal_csv
from processes.invoicing.models import Invoice, InvoicingSettings
from processes.invoicing.statements import (InvalidStatement, bounds, parse_request,
                                            statement, statement_csv)

from .conftest import mail_to
from .factories import make_contracts, make_site


def rows(text):
    """CSV text as a list of rows."""
    return list(csv.reader(io.StringIO(text)))


def test_the_journal_has_one_line_per_stream_site_and_rate(db_engine, session, clock):
    """Two sites at 21 %, one tenant-rate change to 6 %, a credit note: four lines, signed."""
    north, south = make_site(session, code="NORTH"), make_site(session, code="SOUTH")
    make_contracts(session, north, 2, price=10000)
    make_contracts(session, south, 1, price=5000, first=10)
    session.commit()
    runs.run_period(db_engine, "acme", "2026-03")
    session.add(InvoicingSettings(tenant="acme", vat_rate=Decimal("0.06"), currency="EUR",
                                  payment_term_days=14))
    make_contracts(session, south, 1, price=2000, first=20)
    session.commit()
    runs.run_period(db_engine, "acme", "2026-03")            # the new contract only, at 6 %
    [first] = session.scalars(select(Invoice).order_by(Invoice.id).limit(1))
    issue_credit_note(session, "acme", first.id, 1210, "wrong price", "admin")
    session.commit()
    assert rows(journal_csv(session, "acme", date(2026, 3, 2))) == [
        ["date", "revenue_stream", "site", "vat_rate_percent", "net", "vat", "gross", "currency",
         "invoices", "credit_notes"],
        ["2026-03-02", "season-parking", "NORTH", "21.00", "190.00", "39.90", "229.90", "EUR",
         "2", "1"],
        ["2026-03-02", "season-parking", "SOUTH", "6.00", "20.00", "1.20", "21.20", "EUR",
         "1", "0"],
        ["2026-03-02", "season-parking", "SOUTH", "21.00", "50.00", "10.50", "60.50", "EUR",
         "1", "0"],
    ]
    assert rows(journal_csv(session, "acme", date(2026, 3, 3)))[1:] == []


@pytest.mark.parametrize("kind, day, first, last", [
    ("day", date(2026, 3, 4), date(2026, 3, 4), date(2026, 3, 4)),
    ("week", date(2026, 3, 4), date(2026, 3, 2), date(2026, 3, 8)),     # Monday..Sunday
    ("week", date(2026, 3, 1), date(2026, 2, 23), date(2026, 3, 1)),
    ("month", date(2026, 2, 14), date(2026, 2, 1), date(2026, 2, 28)),
])
def test_statements_cover_a_day_an_iso_week_or_a_month(kind, day, first, last):
    """A week runs Monday to Sunday; a month from its first to its last day."""
    assert bounds(kind, day) == (first, last)


@pytest.mark.parametrize("kind, text, field", [("year", "2026-03-02", "period"),
                                               ("day", "02/03/2026", "date")])
def test_a_bad_statement_request_names_the_field(kind, text, field):
    """Unknown kinds and malformed dates are refused per field."""
    with pytest.raises(InvalidStatement) as refused:
        parse_request(kind, text, date(2026, 3, 2))
    assert list(refused.value.errors) == [field]


def test_a_monthly_statement_counts_issued_paid_overdue_and_ages_open_amounts(
        db_engine, session, clock):
    """Revenue, collected, issued/paid/overdue and ageing buckets of March, in figures and CSV."""
    ids = make_contracts(session, make_site(session), 4, token=None, starts_on=date(2025, 12, 1))
    session.commit()
    clock.move_to("2026-01-01T09:00Z")
    runs.run_period(db_engine, "acme", "2026-01")            # due 15 Jan
    clock.move_to("2026-03-01T09:00Z")
    runs.run_period(db_engine, "acme", "2026-03")            # due 15 Mar
    clock.move_to("2026-03-10T09:00Z")
    for contract_id in ids[:2]:                              # pays January and 8 EUR of March
        record_payment(session, "acme", contract_id, 12100 + 800, "transfer")
    session.commit()
    clock.move_to("2026-04-02T09:00Z")
    march = statement(session, "acme", "month", date(2026, 3, 20))
    assert (march.issued, march.paid, march.revenue_cents) == (4, 2, 40000)
    assert march.collected_cents == 2 * 12900
    # Open on 31 March: Jan of two contracts (75 days late), March of all four (16 days late).
    assert (march.overdue, march.overdue_cents) == (6, 2 * 12100 + 4 * 12100 - 1600)
    assert march.ageing == [("1-30 days", 4, 4 * 12100 - 1600), ("31-60 days", 0, 0),
                            ("61-90 days", 2, 24200), ("over 90 days", 0, 0)]
    assert len(march.series) == 31 and march.series[0] == (date(2026, 3, 1), 40000, 0)
    assert (march.occurrences, march.penalties) == (0, 0)
    text = rows(statement_csv(march))
    assert ["figure", "invoices_overdue", "6"] in text
    assert ["day", "2026-03-10", "0.00", "258.00"] in text




def test_a_drop_in_earned_revenue_is_alerted_once_by_email(db_engine, session, clock, smtp):
    """Half the contracts ending on 15 March: 16 March is far below its usual range."""
    site = make_site(session)
    tenant = session.scalar(select(Tenant).where(Tenant.key == "acme"))
    create_user(session, tenant, "sue", "pw", ["supervisor"], email="sue@acme.test")
    create_user(session, tenant, "bob", "pw", ["back-office"], email="bob@acme.test")
    make_contracts(session, site, 5, starts_on=date(2026, 2, 1))
    make_contracts(session, site, 5, starts_on=date(2026, 2, 1), ends_on=date(2026, 3, 15),
                   first=10)
    session.commit()
    runs.run_period(db_engine, "acme", "2026-02")
    runs.run_period(db_engine, "acme", "2026-03")
    assert check_anomalies(db_engine, "acme", date(2026, 3, 15), mail_to(smtp)) == []
    [alert] = check_anomalies(db_engine, "acme", date(2026, 3, 16), mail_to(smtp))
    assert alert.kind == "revenue" and "16.13" in alert.message
    assert check_anomalies(db_engine, "acme", date(2026, 3, 16), mail_to(smtp)) == []
    [(recipients, mail)] = smtp.inbox.received
    assert recipients == ["sue@acme.test"]
    assert "2026-03-16" in mail.get_content()


def test_too_little_history_judges_nothing(db_engine, session, clock):
    """A tenant invoicing for ten days has no usual range yet."""
    make_contracts(session, make_site(session), 3, starts_on=date(2026, 3, 1),
                   ends_on=date(2026, 3, 10))
    session.commit()
    runs.run_period(db_engine, "acme", "2026-03")
    assert check_anomalies(db_engine, "acme", date(2026, 3, 11)) == []


def test_access_without_any_paid_invoice_is_alerted(db_engine, session, clock, smtp):
    """A credential valid for longer than the payment term, contract unpaid: one alert."""
    site = make_site(session)
    session.add(InvoicingSettings(tenant="acme", vat_rate=Decimal("0.21"), currency="EUR",
                                  payment_term_days=14, alert_email="finance@acme.test"))
    [paying, unpaid, fresh] = make_contracts(session, site, 3, token=None)
    numbers = {c: n for c, n in zip((paying, unpaid, fresh),
                                    ("SP-BRU-C-000001", "SP-BRU-C-000002", "SP-BRU-C-000003"))}
    issued = datetime(2026, 1, 1, tzinfo=timezone.utc)
    for contract_id, valid_from in ((paying, date(2026, 1, 1)), (unpaid, date(2026, 1, 1)),
                                    (fresh, date(2026, 2, 25))):
        session.add(AccessCredential(tenant="acme", site_id=site.id, kind="plate",
                                     value=f"1-ABC-00{contract_id}",
                                     reference=numbers[contract_id], valid_from=valid_from,
                                     issued_at=issued))
    session.commit()
    runs.run_period(db_engine, "acme", "2026-03")
    record_payment(session, "acme", paying, 12100, "transfer")
    session.commit()
    [alert] = check_anomalies(db_engine, "acme", date(2026, 3, 2), mail_to(smtp))
    assert alert.kind == "credential" and "SP-BRU-C-000002" in alert.message
    [(recipients, _)] = smtp.inbox.received
    assert recipients == ["finance@acme.test"]
