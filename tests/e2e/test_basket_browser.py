"""The basket in real headless Chromium: log in, claim from the Queue, complete; escalations."""
import re

from .conftest import BPMN_DIR, E2E_DATA, sync_api

expect = sync_api.expect


def _log_in(page, base_url, username):
    """Fill the login form as a person would (tenant, user name, password = user name)."""
    page.goto(f"{base_url}/auth/login")
    page.get_by_label("Organisation").fill("demo")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(username)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    assert "/auth/login" not in page.url, page.content()


def _start_claims(run_engine, *business_keys):
    """Start one claim_review instance per business key; returns their ids."""
    return run_engine(lambda eng: [eng.start("claim_review", key, {"amount": 1200},
                                             tenant="demo", actor="e2e")
                                   for key in business_keys])


def test_agent_claims_from_queue_and_completes(page, base_url, deploy, run_engine, screenshot):
    """An agent logs in, claims 'Review claim' from the Queue, fills its form and completes it."""
    deploy(BPMN_DIR / "claim_review.bpmn")
    first, _second = _start_claims(run_engine, "CLM-0001", "CLM-0002")
    _log_in(page, base_url, "agent")

    page.goto(f"{base_url}/basket/queue")
    row = page.locator("table.tasks tbody tr", has_text="CLM-0001")
    expect(row).to_have_count(1)
    expect(page.locator("table.tasks tbody tr")).to_have_count(2)
    screenshot(page, "basket-agent-queue")

    row.get_by_role("link", name="Review claim").click()
    page.get_by_role("button", name="Claim").click()
    expect(page.locator(".flash-success")).to_contain_text("You claimed")

    page.get_by_role("radio", name="Yes").check()
    page.get_by_label("Note").fill("Receipt matches the ticket.")
    page.get_by_role("button", name="Complete").click()

    expect(page.locator(".flash-success")).to_contain_text("You completed")
    expect(page.get_by_test_id("closed-note")).to_contain_text("You completed this task")
    instance = run_engine(lambda eng: eng.instance(first))
    assert instance.status == "completed"
    assert instance.variables["approved"] is True
    assert instance.variables["note"] == "Receipt matches the ticket."


def test_overdue_task_shows_in_supervisors_escalated_view(page, base_url, deploy, run_engine,
                                                          screenshot):
    """A task whose deadline passed is flagged by escalate_overdue and listed as Escalated."""
    deploy(E2E_DATA / "overdue_review.bpmn")
    deploy(BPMN_DIR / "claim_review.bpmn")
    run_engine(lambda eng: eng.start("overdue_review", "LATE-0007", {}, tenant="demo",
                                     actor="e2e"))
    _start_claims(run_engine, "CLM-0003")
    run_engine(lambda eng: eng.escalate_overdue())
    _log_in(page, base_url, "supervisor")

    page.goto(f"{base_url}/basket/escalated")
    rows = page.locator("table.tasks tbody tr")
    expect(rows).to_have_count(1)
    late = rows.filter(has_text="LATE-0007")
    expect(late).to_have_class(re.compile(r"\boverdue\b"))
    expect(late.locator(".badge-overdue")).to_have_text("Overdue")
    expect(late.locator("td.due")).to_contain_text(re.compile(r"\d+ d overdue"))
    expect(late.get_by_role("link", name="Late review")).to_be_visible()
    screenshot(page, "basket-supervisor-escalated")
