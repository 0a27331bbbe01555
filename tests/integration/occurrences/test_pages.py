"""The occurrence pages: list with counts and red overdue icons, reporting from a booking in a
few taps, the type's own fields, the detail page (read-only once ended), status, reopening,
assignment, comments with photos, activity, settings, and who may open them."""
import io
import re
from datetime import timedelta

import pytest

from processes.occurrences import services
from tests.integration.basket.task_helpers import png_bytes

from .conftest import AGENT, damage, status_id, type_id


@pytest.fixture
def occ(app, eng, place):
    """A Damage on the demo booking with its process."""
    return services.report(eng, AGENT, {**damage(place), "type_id": type_id(eng, "Damage")})


def text(response):
    """The page as text."""
    return response.get_data(as_text=True)


@pytest.mark.parametrize("user, code", [("agent", 200), ("supervisor", 200), ("admin", 200),
                                        ("designer", 403)])
def test_occurrence_pages_are_for_back_office_supervisors_and_admins(client, login_as, place,
                                                                     user, code):
    """Designers have no business here."""
    login_as(user)
    assert client.get("/occurrences/").status_code == code
    assert client.get("/occurrences/new").status_code == code


def test_anonymous_visitors_are_sent_to_log_in(client):
    """No session: the login page."""
    response = client.get("/occurrences/")
    assert response.status_code == 302 and "/auth/login" in response.location


def test_the_nav_offers_occurrences_to_staff(client, login_as, place):
    """A link in the top bar."""
    login_as("agent")
    assert 'href="/occurrences/"' in text(client.get("/basket/", follow_redirects=True))


def test_the_list_shows_counts_per_status_and_a_red_icon_on_overdue(client, login_as, eng,
                                                                     occ, clock):
    """Once past its deadline the occurrence carries the alert icon."""
    login_as("agent")
    page = text(client.get("/occurrences/"))
    assert "OCC-0001" in page and 'class="occ-overdue"' not in page
    assert re.search(r"Created</span> <b>1</b>", page)
    clock.shift(timedelta(hours=49))
    page = text(client.get("/occurrences/?overdue=1"))
    assert "OCC-0001" in page and 'class="occ-overdue"' in page


def test_each_status_shows_in_its_own_colour(client, login_as, eng, occ):
    """The status badge carries the tenant's colour of that status."""
    login_as("agent")
    _kinds, statuses = services.choices(eng, "demo")
    created = next(s for s in statuses if s.name == "Created")
    page = text(client.get(f"/occurrences/{occ.id}"))
    assert f'style="--status-colour: {created.colour}">Created</span>' in page


def test_bad_list_filters_are_shown_not_crashed(client, login_as, place):
    """A malformed date: 422 with the message, the list still shown."""
    login_as("agent")
    response = client.get("/occurrences/?created_from=yesterday")
    assert response.status_code == 422 and "YYYY-MM-DD" in text(response)


def test_reporting_from_a_booking_is_prefilled(client, login_as, eng, place):
    """The booking's reference, site, plate and customer are shown; no site to pick."""
    login_as("agent")
    page = text(client.get(f"/occurrences/new?booking_id={place.booking_id}"))
    assert "BK-000001" in page and "1ABC123" in page and "Ana Peeters" in page
    assert 'name="site_id"' not in page


def test_the_form_shows_exactly_the_selected_types_fields(client, login_as, eng, place):
    """Only the chosen type's field set is visible; choosing another swaps it (no script)."""
    login_as("agent")
    complaint = type_id(eng, "Complaint")
    page = text(client.post("/occurrences/new", data={"type_id": complaint, "choose": "1",
                                                      "booking_id": place.booking_id}))
    visible = re.findall(r'<fieldset class="occ-type-fields" data-type="(\d+)">', page)
    assert visible == [str(complaint)]


def test_reporting_in_a_few_taps_creates_the_occurrence_with_photos(client, login_as, eng,
                                                                     place):
    """Type, fields, description and a photo: redirected to OCC-0001, photo listed."""
    login_as("agent")
    damage_id = type_id(eng, "Damage")
    response = client.post("/occurrences/new", data={
        "booking_id": place.booking_id, "type_id": damage_id,
        f"f{damage_id}_location": ["Left side", "Front"], f"f{damage_id}_damage_type": "Dent",
        "description": "Dent on the left door",
        "files": [(io.BytesIO(png_bytes()), "door.png")]},
        content_type="multipart/form-data", follow_redirects=True)
    page = text(response)
    assert response.status_code == 200 and "OCC-0001" in page and "door.png" in page
    assert "Front, Left side" not in page       # values show in their inputs, not as text
    occ = services.load(eng, "demo", 1)
    assert occ.values == {"location": ["Front", "Left side"], "damage_type": "Dent",
                          "pre_existing": False}


def test_a_refused_report_keeps_the_input_and_names_each_field(client, login_as, eng, place):
    """422, messages on the missing fields, the description kept."""
    login_as("agent")
    damage_id = type_id(eng, "Damage")
    response = client.post("/occurrences/new", data={
        "booking_id": place.booking_id, "type_id": damage_id, "description": "Kept text"})
    page = text(response)
    assert response.status_code == 422
    assert page.count('class="field-error"') == 2 and "Kept text" in page


def test_the_detail_page_is_read_only_once_ended(client, login_as, eng, occ):
    """Closed: inputs disabled, a notice, and a posted edit is refused with 409."""
    login_as("agent")
    client.post(f"/occurrences/{occ.id}/status", data={"status_id": status_id(eng, "Closed")})
    page = text(client.get(f"/occurrences/{occ.id}"))
    assert "its fields are read-only" in page and "<fieldset disabled>" in page
    response = client.post(f"/occurrences/{occ.id}/edit", data={"description": "new"})
    assert response.status_code == 409 and "read-only" in text(response)


def test_reopening_on_the_page_needs_a_reason_and_a_supervisor(client, login_as, eng, occ):
    """The agent cannot (403); the supervisor must give a reason (422), then it reopens."""
    closed, pending = status_id(eng, "Closed"), status_id(eng, "Pending")
    login_as("agent")
    client.post(f"/occurrences/{occ.id}/status", data={"status_id": closed})
    assert client.post(f"/occurrences/{occ.id}/status",
                       data={"status_id": pending, "reason": "x"}).status_code == 403
    client.post("/auth/logout")
    login_as("supervisor")
    assert client.post(f"/occurrences/{occ.id}/status",
                       data={"status_id": pending}).status_code == 422
    response = client.post(f"/occurrences/{occ.id}/status",
                           data={"status_id": pending, "reason": "New photos"},
                           follow_redirects=True)
    assert "supervisor reopened it (Closed → Pending). Reason: New photos" in text(response)


def test_comments_with_a_video_and_assignment_appear_in_the_activity(client, login_as, eng,
                                                                     occ):
    """Who commented, who assigned whom, the file downloadable as an attachment."""
    login_as("supervisor")
    client.post(f"/occurrences/{occ.id}/assign", data={"assignee": "agent"})
    mp4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64
    client.post(f"/occurrences/{occ.id}/comments", data={
        "body": "Walk-around video", "files": [(io.BytesIO(mp4), "walk.mp4")]},
        content_type="multipart/form-data")
    page = text(client.get(f"/occurrences/{occ.id}"))
    assert "supervisor assigned it to agent" in page and "supervisor commented" in page
    assert "Walk-around video" in page and "walk.mp4" in page
    link = re.search(r'href="(/occurrences/\d+/attachments/\d+)">walk.mp4', page).group(1)
    download = client.get(link)
    assert download.data == mp4 and "attachment" in download.headers["Content-Disposition"]


def test_another_tenants_occurrence_is_not_found_on_the_pages(client, login_as, eng, place):
    """A rival's occurrence id: 404 everywhere."""
    rival = services.report(eng, type("U", (), {"tenant": "rival", "username": "boss",
                                                "roles": ("admin",)})(),
                            {"booking_id": place.rival_booking_id, "description": "x",
                             "type_id": type_id(eng, "Payment dispute", "rival")}, start=False)
    login_as("supervisor")
    assert client.get(f"/occurrences/{rival.id}").status_code == 404
    assert client.post(f"/occurrences/{rival.id}/comments",
                       data={"body": "hi"}).status_code == 404


@pytest.mark.parametrize("user, code", [("admin", 200), ("supervisor", 403), ("agent", 403)])
def test_settings_are_for_admins(client, login_as, place, user, code):
    """Types, fields, statuses, colours and SLAs: admins only."""
    login_as(user)
    assert client.get("/occurrences/settings").status_code == code


def test_admins_change_slas_colours_and_fields_in_settings(client, login_as, eng, place):
    """A new field on Complaint, a shorter SLA and a new colour are saved; bad input is 422."""
    login_as("admin")
    complaint = type_id(eng, "Complaint")
    assert client.post(f"/occurrences/settings/types/{complaint}",
                       data={"name": "Complaint", "sla_hours": "24", "active": "y"}
                       ).status_code == 302
    assert client.post(f"/occurrences/settings/types/{complaint}/fields", data={
        "key": "severity", "label": "Severity", "kind": "select",
        "options": "Low\nHigh"}).status_code == 302
    created = status_id(eng, "Created")
    assert client.post(f"/occurrences/settings/statuses/{created}", data={
        "name": "Created", "colour": "#123456", "position": "0",
        "milestone": "created"}).status_code == 302
    bad = client.post(f"/occurrences/settings/types/{complaint}", data={"name": "",
                                                                       "sla_hours": "0"})
    assert bad.status_code == 422 and "This field is required." in text(bad)
    kinds, statuses = services.choices(eng, "demo")
    kind = next(k for k in kinds if k.id == complaint)
    assert kind.sla_hours == 24 and [f.key for f in kind.fields][-1] == "severity"
    assert next(s for s in statuses if s.id == created).colour == "#123456"
