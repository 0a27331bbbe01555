"""The invoicing pages: dashboard, runs with progress, invoices and credit notes, statements
with charts and CSV, the journal, anomaly checks; roles and tenants."""
import re

import pytest
from sqlalchemy import select

from processes.invoicing.models import Invoice

from .factories import make_contracts, make_site


@pytest.fixture
def contracts(db):
    """Three active demo contracts paying by transfer, and one of a rival tenant."""
    ids = make_contracts(db, make_site(db, tenant="demo"), 3, token=None)
    make_contracts(db, make_site(db, tenant="rival", code="RIV"), 1, token=None, first=50)
    db.commit()
    return ids


def start_run(client, period="2026-03"):
    """Post the run form."""
    return client.post("/invoicing/runs", data={"period": period})


def test_a_manager_runs_a_month_and_sees_its_progress_page(client, login_as, clock, contracts):
    """Admin starts March: the run page shows it done with 3 issued; again: 3 skipped."""
    login_as("admin")
    response = start_run(client)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "done" in page and "3 / 3" in page and "issued 3" in page
    page = client.get(start_run(client).headers["Location"]).get_data(as_text=True)
    assert "skipped (already invoiced) 3" in page
    listing = client.get("/invoicing/invoices").get_data(as_text=True)
    assert listing.count("INV-2026-0000") == 3


@pytest.mark.parametrize("period", ["2026-13", "march", ""])
def test_a_bad_month_re_renders_the_form_with_a_message(client, login_as, clock, contracts,
                                                        period):
    """422 with the message on the field; nothing is run."""
    login_as("supervisor")
    response = start_run(client, period)
    assert response.status_code == 422
    assert "YYYY-MM" in response.get_data(as_text=True) or "required" in \
        response.get_data(as_text=True)
    assert "No run yet." in response.get_data(as_text=True)


def test_back_office_reads_but_cannot_run_or_credit(client, login_as, clock, contracts, db):
    """Agents see the dashboard and invoices; starting a run or crediting is 403."""
    login_as("admin")
    start_run(client)
    client.post("/auth/logout")
    login_as("agent")
    assert client.get("/invoicing/").status_code == 200
    assert start_run(client).status_code == 403
    invoice_id = db.scalar(select(Invoice.id).where(Invoice.tenant == "demo").limit(1))
    page = client.get(f"/invoicing/invoices/{invoice_id}").get_data(as_text=True)
    assert "Credit this invoice" not in page
    assert client.post(f"/invoicing/invoices/{invoice_id}/credit",
                       data={"amount": "1.00", "reason": "x"}).status_code == 403


def test_designers_and_anonymous_users_are_kept_out(client, login_as, contracts):
    """Anonymous: to the login page; a designer: 403."""
    assert client.get("/invoicing/").status_code == 302
    login_as("designer")
    assert client.get("/invoicing/").status_code == 403


def test_another_tenants_invoice_and_run_are_404(client, login_as, clock, contracts, db, app):
    """Ids of the rival tenant's invoice and run are not found for a demo admin."""
    from processes.invoicing import runs
    with app.app_context():
        from webapp.extensions import db as _db
        figures = runs.run_period(_db.engine, "rival", "2026-03")
    rival_invoice = db.scalar(select(Invoice.id).where(Invoice.tenant == "rival"))
    login_as("admin")
    assert client.get(f"/invoicing/invoices/{rival_invoice}").status_code == 404
    assert client.post(f"/invoicing/invoices/{rival_invoice}/credit",
                       data={"amount": "1.00", "reason": "x"}).status_code == 404
    assert client.get(f"/invoicing/runs/{figures.id}").status_code == 404


@pytest.mark.parametrize("amount, status, text", [
    ("21.00", 302, None),
    ("121.01", 422, "0.01 to 121.00"),
    ("abc", 422, None),
])
def test_a_credit_note_corrects_an_invoice(client, login_as, clock, contracts, db,
                                           amount, status, text):
    """A valid amount issues CN-2026-000001; too much or not a number re-renders with 422."""
    login_as("admin")
    start_run(client)
    invoice_id = db.scalar(select(Invoice.id).where(Invoice.tenant == "demo").limit(1))
    response = client.post(f"/invoicing/invoices/{invoice_id}/credit",
                           data={"amount": amount, "reason": "wrong start date"})
    assert response.status_code == status
    if status == 302:
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "CN-2026-000001" in page and "wrong start date" in page
    elif text:
        assert text in response.get_data(as_text=True)


def test_statements_show_svg_charts_and_download_as_csv(client, login_as, clock, contracts):
    """The month's statement has two inline SVG charts and a CSV with the figures."""
    login_as("admin")
    start_run(client)
    page = client.get("/invoicing/statements?period=month&date=2026-03-02")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and html.count("<svg") == 2
    assert "300.00" in html                                   # 3 x 100.00 net
    download = client.get("/invoicing/statements.csv?period=month&date=2026-03-02")
    assert download.mimetype == "text/csv"
    assert "attachment" in download.headers["Content-Disposition"]
    assert "figure,invoices_issued,3" in download.get_data(as_text=True)
    bad = client.get("/invoicing/statements?period=year&date=2026-03-02")
    assert bad.status_code == 422 and "Choose one of" in bad.get_data(as_text=True)


def test_the_journal_page_and_its_csv(client, login_as, clock, contracts):
    """The day's journal lists the site's line and downloads as CSV."""
    login_as("admin")
    start_run(client)
    assert "BRU-C" in client.get("/invoicing/journal?date=2026-03-02").get_data(as_text=True)
    text = client.get("/invoicing/journal.csv?date=2026-03-02").get_data(as_text=True)
    assert re.search(r"2026-03-02,season-parking,BRU-C,21.00,300.00,63.00,363.00,EUR,3,0", text)
    assert client.get("/invoicing/journal?date=yesterday").status_code == 422


def test_a_manager_checks_for_anomalies_from_the_dashboard(client, login_as, clock, contracts):
    """The check answers how many new alerts it found (none here)."""
    login_as("admin")
    response = client.post("/invoicing/alerts/check", data={"day": "2026-03-02"},
                           follow_redirects=True)
    assert "0 new alert(s)." in response.get_data(as_text=True)
