"""BPMN diagrams drawn by the bpmn.io viewer in real headless Chromium: the designer sees a
deployed definition, the supervisor sees where a running instance stands (open task marked).

The viewer is a front-end package installed by `python -m webapp.frontend` (make run / make
test); without it the pages say so instead of drawing, and these tests are skipped.
"""
import pytest

from webapp.frontend import PACKAGES

from .conftest import log_in, sync_api

expect = sync_api.expect
ONBOARDING = "season_parker_onboarding"

if not all(package.stamp.exists() for package in PACKAGES):
    pytest.skip("the diagram viewer is not installed: run `python -m webapp.frontend`",
                allow_module_level=True)


def _drawn(page):
    """The page's diagram figure, once the viewer has drawn it."""
    figure = page.locator("figure.diagram")
    expect(figure).to_have_attribute("data-rendered", "true", timeout=15_000)
    expect(figure.locator(".diagram-note")).to_be_hidden()
    return figure


def test_designer_sees_the_diagram_of_a_deployed_definition(page, demo_site, screenshot):
    """Designer -> the onboarding definition: its diagram is drawn, tasks and all."""
    log_in(page, demo_site.url, "designer")
    page.get_by_role("navigation").get_by_role("link", name="Designer").click()
    page.get_by_role("link", name=ONBOARDING, exact=True).click()
    figure = _drawn(page)
    drawing = figure.locator(f"svg[data-element-id={ONBOARDING}]")
    expect(drawing).to_be_visible()
    expect(drawing.locator(".djs-element[data-element-id=t_docs]")).to_contain_text(
        "Check documents")
    expect(figure.get_by_role("link", name="Powered by bpmn.io")).to_be_visible()  # licence
    screenshot(page, "diagram-designer-definition")


def test_supervisor_sees_the_open_task_highlighted_on_a_running_instance(
        page, demo_site, screenshot):
    """Monitor -> a demo application's onboarding, waiting at Check documents: that task,
    and only an open one, carries the po-active marker."""
    log_in(page, demo_site.url, "supervisor")
    page.get_by_role("navigation").get_by_role("link", name="Monitor").click()
    row = page.locator("tbody tr", has_text="SA-000001")
    expect(row).to_contain_text(ONBOARDING)
    row.locator("a").first.click()
    figure = _drawn(page)
    active = figure.locator(".djs-element.po-active")
    expect(active).to_have_count(1)
    expect(active).to_have_attribute("data-element-id", "t_docs")
    expect(active).to_contain_text("Check documents")
    screenshot(page, "diagram-monitor-instance")
