"""The public season-parker application form in real headless Chromium (no login): missing
fields are marked next to the fields, an unusual plate is accepted with a warning, and the
application reaches the back office and its "Check documents" task the basket's Queue."""
import re

from .conftest import log_in, sync_api

expect = sync_api.expect


def _form(page, demo_site):
    page.goto(f"{demo_site.url}/apply/demo/season")
    expect(page.get_by_role("heading", name=re.compile("Apply for a season place"))).to_be_visible()


def _drain_jobs(demo_site):
    """The worker's part: run the onboarding's service tasks up to the first human task."""
    def drain(eng):
        while eng.run_due_jobs():
            pass
    demo_site.run(drain)


def test_missing_required_fields_are_marked_next_to_each_field(page, demo_site, screenshot):
    """Nothing filled in: the form comes back with a message at every missing field."""
    _form(page, demo_site)
    page.get_by_role("button", name="Apply").click()

    expect(page.locator("p.flash-error[role=alert]")).to_contain_text(
        "Please correct the fields marked below; nothing was sent yet.")
    for field in ("name", "email", "starts_on"):
        expect(page.locator(f".field.has-error #{field}")).to_be_visible()
        expect(page.locator(f"#{field}-error")).not_to_be_empty()
    expect(page.locator("#plate_1-error")).to_be_visible()
    expect(page.locator("#name")).to_have_attribute("aria-invalid", "true")
    screenshot(page, "season-apply-missing-fields")


def test_unusual_plate_is_accepted_with_a_warning_and_reaches_the_back_office(
        page, demo_site, screenshot):
    """An applicant with a plate of unknown format gets the confirmation and a warning; an
    agent then finds the application in the list and its document check in the Queue."""
    _form(page, demo_site)
    page.get_by_label("Car park and product").select_option(
        label="Brussels Central — 24/7 reserved (€ 145.00 / month)")
    page.get_by_label("Name").fill("Noor Vermeulen")
    page.get_by_label("E-mail").fill("noor.vermeulen@example.test")
    page.get_by_label("Number plate 1").fill("HELLO")
    page.get_by_label("Start date").fill("2026-04-01")
    page.get_by_label("Credit or debit card").check()
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_label("Expiry month").fill("12")
    page.get_by_label("Expiry year").fill("2030")
    page.get_by_label("Security code").fill("123")
    page.get_by_role("button", name="Apply").click()

    expect(page.get_by_role("heading", name="Thank you: your application was received")) \
        .to_be_visible()
    number = re.search(r"Your application number is (\S+)\.",
                       page.locator("main").inner_text()).group(1)
    expect(page.locator(".flash-warning")).to_contain_text(
        "HELLO does not look like a plate from BE; please check it.")
    screenshot(page, "season-apply-sent")

    _drain_jobs(demo_site)
    log_in(page, demo_site.url, "agent")
    page.get_by_role("navigation").get_by_role("link", name="Season parkers").click()
    row = page.locator("tbody tr", has_text=number)
    expect(row).to_contain_text("Noor Vermeulen")
    expect(row).to_contain_text("web")
    screenshot(page, "season-applications-list")
    row.get_by_role("link", name=number).click()
    expect(page.locator("dl.facts")).to_contain_text("does not look like a plate from BE")
    expect(page.get_by_role("link", name="Check documents")).to_be_visible()

    page.get_by_role("navigation").get_by_role("link", name="Basket").click()
    page.goto(f"{demo_site.url}/basket/queue")
    task = page.locator("table.tasks tbody tr", has_text=number)
    expect(task).to_have_count(1)
    expect(task.get_by_role("link", name="Check documents")).to_be_visible()
    screenshot(page, "season-check-documents-in-queue")
