"""What an attacker tries on the occurrence pages and API: markup in names people type,
ids too large for the database, long reasons, and files served for download only."""
import io
import re

import pytest

from processes.occurrences import services, settings
from tests.integration.api.conftest import Api
from tests.integration.basket.task_helpers import png_bytes

from .conftest import AGENT, damage, status_id, type_id

HUGE = "99999999999999999999999"
SCRIPT = "<script>alert(1)</script>"


@pytest.fixture
def occ(app, eng, place):
    """A Damage on the demo booking with its process."""
    return services.report(eng, AGENT, {**damage(place), "type_id": type_id(eng, "Damage")})


def test_names_typed_in_settings_are_shown_as_text_not_markup(client, login_as, eng, occ):
    """A type, status, field label or option holding markup or a % sign is escaped on every
    page (Jinja's _() would have marked it safe and read it as a format)."""
    created, damage_id = status_id(eng, "Created"), type_id(eng, "Damage")
    with eng.transaction() as session:
        settings.save_status(session, "demo", f"{SCRIPT} 50% done", "#1d4ed8",
                             status_id=created)
        settings.save_type(session, "demo", f"Damage {SCRIPT} %(x)s", 48, True,
                           type_id=damage_id)
        settings.save_field(session, "demo", damage_id, "note_x", f"Note {SCRIPT}", "select",
                            options=[f"opt {SCRIPT}"])
    login_as("agent")
    for path in ("/occurrences/", f"/occurrences/{occ.id}",
                 f"/occurrences/new?type_id={damage_id}"):
        response = client.get(path)
        page = response.get_data(as_text=True)
        assert response.status_code == 200, path
        assert SCRIPT not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page, path


@pytest.mark.parametrize("method, path, status", [
    ("get", f"/occurrences/{HUGE}", 404),
    ("get", "/occurrences/{occ}/attachments/" + HUGE, 404),
    ("get", f"/occurrences/new?booking_id={HUGE}", 404),
    ("get", f"/occurrences/?site_id={HUGE}&status_id={HUGE}", 422),
    ("post", f"/occurrences/{HUGE}/comments", 404),
    ("post", "/occurrences/{occ}/status", 422),
])
def test_ids_too_large_for_the_database_are_not_found_instead_of_crashing(
        client, login_as, app, occ, method, path, status):
    """An id past the 64-bit range (or in Unicode digits) is a 404/422, never a 500."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    login_as("agent")
    url = path.format(occ=occ.id)
    response = getattr(client, method)(url, data={"status_id": "²", "body": "x"})
    assert response.status_code == status


def test_the_api_answers_huge_ids_with_404_and_422(app, eng, place, occ):
    """JSON integers beyond the database range: unknown occurrence 404, unknown type 422."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    api = Api(app)
    api.login("agent")
    assert api.get(f"/api/v1/occurrences/{HUGE}", "agent").status_code == 404
    response = api.post("/api/v1/occurrences", "agent", json={
        "type_id": 10 ** 30, "booking_id": 10 ** 30, "description": "x"})
    assert response.status_code == 422
    assert set(response.get_json()["fields"]) >= {"type_id", "booking_id"}


def test_a_status_change_reason_is_capped_like_a_reopening_reason(client, login_as, eng, occ):
    """A 100 000-character reason is refused (422) and the status stays."""
    login_as("agent")
    response = client.post(f"/occurrences/{occ.id}/status", data={
        "status_id": status_id(eng, "Closed"), "reason": "x" * 100_000})
    assert response.status_code == 422 and "Keep the reason under" in response.get_data(True)
    assert services.load(eng, "demo", occ.id).status.name == "Created"


def test_attachments_download_as_files_the_browser_may_not_sniff_or_run(client, login_as, eng,
                                                                        occ):
    """Content-Disposition attachment, nosniff and a sandboxing CSP on every download."""
    login_as("agent")
    posted = client.post(f"/occurrences/{occ.id}/comments", data={
        "body": "photo", "files": [(io.BytesIO(png_bytes()), "<img src=x onerror=alert(1)>.png")]},
        content_type="multipart/form-data")
    assert posted.status_code == 302
    page = client.get(f"/occurrences/{occ.id}").get_data(as_text=True)
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;.png" in page
    [attachment] = _attachments(eng, occ.id)
    response = client.get(f"/occurrences/{occ.id}/attachments/{attachment.id}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]


def _attachments(eng, occurrence_id):
    from processes.occurrences import attachments
    with eng.reading() as session:
        return attachments.listed(session, occurrence_id)


def test_list_links_keep_the_filters_but_not_url_options_from_the_query(client, login_as,
                                                                         place):
    """?_external=1&_scheme=...&_anchor=... cannot turn the list's links into other URLs."""
    login_as("agent")
    page = client.get("/occurrences/?_external=1&_scheme=javascript&_anchor=x&overdue=yes")
    links = re.findall(r'href="([^"]*)"', page.get_data(as_text=True))
    status_links = [link for link in links if "status_id=" in link]
    assert status_links and all(link.startswith("/occurrences/?") for link in status_links)
    assert all("#" not in link and "overdue=yes" in link for link in status_links)
