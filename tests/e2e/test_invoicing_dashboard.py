"""Invoicing in real headless Chromium: a supervisor starts the monthly run from the dashboard,
watches it finish (the run works on a background thread, the page refreshes itself), opens an
invoice it issued and downloads the day's accounting journal as CSV."""
import re

from .conftest import log_in, sync_api

expect = sync_api.expect
JOURNAL_HEADER = ("date,revenue_stream,site,vat_rate_percent,net,vat,gross,currency,invoices,"
                  "credit_notes")


def test_supervisor_runs_the_month_opens_an_invoice_and_downloads_the_journal(
        page, demo_site, screenshot, tmp_path):
    """March 2026 for the 30 demo season contracts: done, invoices issued, journal has them."""
    log_in(page, demo_site.url, "supervisor")
    page.get_by_role("navigation").get_by_role("link", name="Invoicing").click()
    expect(page.get_by_role("heading", name="Invoicing", exact=True)).to_be_visible()
    expect(page.get_by_text("No run yet.")).to_be_visible()
    screenshot(page, "invoicing-dashboard")

    page.get_by_label("Month (YYYY-MM)").fill("2026-03")
    page.get_by_role("button", name="Start run").click()
    expect(page.get_by_role("heading", name=re.compile(r"Invoicing run \d+: 2026-03"))) \
        .to_be_visible()
    expect(page.locator(".run-status")).to_have_text("done", timeout=30_000)
    progress = page.locator("progress#progress")
    expect(progress).to_have_attribute("value", progress.get_attribute("max"))
    summary = page.locator("main section.card").inner_text()
    issued = int(re.search(r"issued (\d+)", summary).group(1))
    assert issued > 0, summary
    screenshot(page, "invoicing-run-done")

    page.get_by_role("link", name="Invoices").click()
    first = page.locator("tbody tr").first
    expect(first).to_contain_text("2026-03-01")
    number = first.locator("a").first.inner_text()
    first.get_by_role("link", name=number).click()
    expect(page.get_by_role("heading", name=f"Invoice {number}")).to_be_visible()
    expect(page.locator("main")).to_contain_text("2026-03-01 – 2026-03-31")
    expect(page.locator("tbody tr").first).to_be_visible()
    screenshot(page, "invoicing-invoice")

    page.get_by_role("link", name="Journal").click()
    expect(page.locator("tbody tr").first).not_to_contain_text("Nothing was invoiced that day.")
    screenshot(page, "invoicing-journal")
    with page.expect_download() as started:
        page.get_by_role("link", name="Download CSV").click()
    download = started.value
    assert download.suggested_filename == "journal-demo-2026-03-02.csv"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    lines = saved.read_text(encoding="utf-8").splitlines()
    assert lines[0] == JOURNAL_HEADER
    assert len(lines) > 1 and lines[1].startswith("2026-03-02,")
